// The pair reader (resources/pairs/, trained by training/train_pairs.py): a compact CNN that reads a candidate box
// holding two touching characters as the two, left and right. It sees the glyph the page classifier sees (the
// candidate framed to 32×32) and answers with two distributions over the 36 classes and "no pair here" (index 36),
// taught on one character, a fragment or three characters. The reading stage asks it only where the lexicon's
// second look (read/wordRescue.ts) may use it: a box read as one letter that is two, an I pressed into an A's leg,
// which no cut of the box separates.
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { z } from 'zod'
import { CLASSES, GLYPH_PIXELS, GLYPH_SIZE, NUM_CLASSES } from '../../shared/classes.ts'
import { errorMessage } from '../core/errors.ts'
import { ModelCardError, ModelMismatchError, NonFiniteOutputError } from '../recognize/modelCard.ts'
import { openOnnxSession, readOnnxModelFile } from '../recognize/onnxClassifier.ts'
import { onnxBatch } from '../recognize/onnxBatch.ts'
import { requireOrt } from '../recognize/ortRuntime.ts'

/** Width of each head: the 36 classes, then "no pair". */
export const PAIR_WIDTH = NUM_CLASSES + 1
export const NO_PAIR = NUM_CLASSES

export interface PairReadings {
  /** n × 37 probabilities of the left character (CLASSES order, then no pair) … */
  left: Float32Array
  /** … and of the right one. */
  right: Float32Array
}

export interface PairReader {
  readonly name: string
  read(glyphs: Float32Array, n: number): Promise<PairReadings>
}

const PairCardSchema = z.object({
  format: z.literal('glyphdesk-pair-onnx'),
  formatVersion: z.literal(1),
  name: z.string().min(1),
  modelFile: z.string().min(1),
  modelSha256: z.string().regex(/^[0-9a-f]{64}$/),
  classes: z.array(z.string()).length(PAIR_WIDTH),
  input: z.object({
    name: z.string().min(1),
    size: z.literal(GLYPH_SIZE),
    channels: z.literal(1),
    layout: z.literal('NCHW'),
    background: z.literal(1),
    ink: z.literal(0)
  }),
  outputs: z.object({ left: z.string().min(1), right: z.string().min(1) })
})

/** Softmax of each row of an n × w table of logits, in place; throws on NaN or ±Infinity. */
export function softmaxRows(x: Float32Array, n: number, w: number, what: string): Float32Array {
  for (let i = 0; i < n; i++) {
    const o = i * w
    let max = -Infinity
    for (let k = 0; k < w; k++) {
      if (!Number.isFinite(x[o + k])) throw new NonFiniteOutputError(`${what}: a non-finite logit in row ${i}`)
      if (x[o + k] > max) max = x[o + k]
    }
    let sum = 0
    for (let k = 0; k < w; k++) sum += x[o + k] = Math.exp(x[o + k] - max)
    for (let k = 0; k < w; k++) x[o + k] /= sum
  }
  return x
}

/** Loads a pair reader's folder (model.json + the ONNX file it names), checked against its card and one blank glyph. */
export async function loadPairReader(dir: string): Promise<PairReader> {
  const cardFile = join(dir, 'model.json')
  let card: z.infer<typeof PairCardSchema>
  try {
    card = PairCardSchema.parse(JSON.parse(readFileSync(cardFile, 'utf8')))
  } catch (e) {
    throw new ModelCardError(cardFile, `is not a pair reader's card: ${errorMessage(e)}`)
  }
  const want = [...CLASSES, 'none']
  if (card.classes.some((c, i) => c.toUpperCase() !== want[i].toUpperCase()))
    throw new ModelCardError(cardFile, `classes must be A–Z, 0–9 and "none" in that order`)
  const { onnxFile, bytes } = readOnnxModelFile(dir, card.modelFile, card.modelSha256)
  const ort = requireOrt()
  const session = await openOnnxSession(ort, bytes, onnxFile)
  const { left, right } = card.outputs
  for (const o of [left, right])
    if (!session.outputNames.includes(o))
      throw new ModelMismatchError(`${onnxFile} has no output "${o}" (outputs: ${session.outputNames.join(', ')})`)
  if (!session.inputNames.includes(card.input.name))
    throw new ModelMismatchError(
      `${onnxFile} has no input "${card.input.name}" (inputs: ${session.inputNames.join(', ')})`
    )
  let queue: Promise<unknown> = Promise.resolve()
  const run = async (glyphs: Float32Array, n: number): Promise<PairReadings> => {
    const l = new Float32Array(n * PAIR_WIDTH),
      r = new Float32Array(n * PAIR_WIDTH)
    const step = onnxBatch()
    for (let s = 0; s < n; s += step) {
      const m = Math.min(step, n - s)
      const input = new ort.Tensor('float32', glyphs.subarray(s * GLYPH_PIXELS, (s + m) * GLYPH_PIXELS), [
        m,
        1,
        GLYPH_SIZE,
        GLYPH_SIZE
      ])
      const out = await session.run({ [card.input.name]: input }, [left, right])
      for (const [name, into] of [
        [left, l],
        [right, r]
      ] as const) {
        const t = out[name]
        const data = t.data
        if (!(data instanceof Float32Array) || t.dims.length !== 2 || t.dims[0] !== m || t.dims[1] !== PAIR_WIDTH)
          throw new ModelMismatchError(
            `${onnxFile}: output "${name}" is ${t.type} [${t.dims.join(', ')}], expected float32 [${m}, ${PAIR_WIDTH}]`
          )
        into.set(data, s * PAIR_WIDTH)
      }
    }
    softmaxRows(l, n, PAIR_WIDTH, `left head of ${onnxFile}`)
    softmaxRows(r, n, PAIR_WIDTH, `right head of ${onnxFile}`)
    return { left: l, right: r }
  }
  const reader: PairReader = {
    name: card.name,
    read(glyphs, n) {
      if (glyphs.length < n * GLYPH_PIXELS)
        throw new RangeError(`${n} glyphs need ${n * GLYPH_PIXELS} pixels, got ${glyphs.length}`)
      if (n === 0) return Promise.resolve({ left: new Float32Array(0), right: new Float32Array(0) })
      const next = queue.then(
        () => run(glyphs, n),
        () => run(glyphs, n)
      )
      queue = next.catch(() => undefined)
      return next
    }
  }
  try {
    await reader.read(new Float32Array(GLYPH_PIXELS).fill(1), 1)
  } catch (e) {
    throw new ModelMismatchError(`${onnxFile} does not run on one blank 32×32 glyph: ${errorMessage(e)}`)
  }
  return reader
}

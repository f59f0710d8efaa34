// OnnxClassifier: the shipped CNN gives PyTorch's numbers through onnxruntime-node, and every way a
// model directory can be wrong is a clear, typed error at load (or at the glyph that breaks it).
import { createHash } from 'node:crypto'
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { CLASSES, GLYPH_PIXELS } from '../../../src/shared/classes.ts'
import { OnnxClassifier, onnxPrecision, onnxThreads } from '../../../src/main/recognize/onnxClassifier.ts'
import { DEFAULT_TOUCHING_DIR } from '../../../src/main/read/readLines.ts'
import { DEFAULT_ONNX_BATCH, MAX_ONNX_BATCH, onnxBatch, setOnnxBatch } from '../../../src/main/recognize/onnxBatch.ts'
import {
  CorruptModelError,
  ModelCardError,
  ModelMismatchError,
  NonFiniteOutputError
} from '../../../src/main/recognize/modelCard.ts'
import {
  SHIPPED_MODELS_DIR,
  loadClassifier,
  listShippedModels,
  shippedMember
} from '../../../src/main/recognize/models.ts'

const fixtures = join(__dirname, '..', '..', 'fixtures', 'onnx')
const compactDir = join(SHIPPED_MODELS_DIR, 'cnn-compact')

interface TorchFixture {
  model: string
  modelSha256: string
  n: number
  truth: string[]
  logits: number[][]
  embedding: number[][]
  labels: string[]
}

function readFixture(): { glyphs: Float32Array; torch: TorchFixture } {
  const buf = readFileSync(join(fixtures, 'cnn-compact-16.glyphs.f32'))
  const glyphs = new Float32Array(buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength))
  const torch = JSON.parse(readFileSync(join(fixtures, 'cnn-compact-16.torch.json'), 'utf8')) as TorchFixture
  return { glyphs, torch }
}

function maxAbsDiff(a: ArrayLike<number>, rows: number[][]): number {
  const flat = rows.flat()
  expect(a.length).toBe(flat.length)
  let worst = 0
  for (let i = 0; i < flat.length; i++) worst = Math.max(worst, Math.abs(a[i] - flat[i]))
  return worst
}

const GLYPHDESK_CARD = {
  format: 'glyphdesk-onnx',
  formatVersion: 1,
  kind: 'cnn',
  classes: CLASSES,
  input: { name: 'glyphs', size: 32, channels: 1, layout: 'NCHW', background: 1, ink: 0 },
  outputs: { logits: 'logits', embedding: 'embedding' }
}

let scratch: string
function modelDir(name: string, onnx: string | Buffer | null, card: unknown): string {
  const dir = join(scratch, name)
  rmSync(dir, { recursive: true, force: true })
  mkdirSync(dir, { recursive: true })
  if (typeof onnx === 'string') copyFileSync(onnx, join(dir, 'model.onnx'))
  else if (onnx) writeFileSync(join(dir, 'model.onnx'), onnx)
  writeFileSync(join(dir, 'model.json'), JSON.stringify(card))
  return dir
}

beforeAll(() => {
  scratch = mkdtempSync(join(tmpdir(), 'glyphdesk-onnx-'))
})
afterAll(() => rmSync(scratch, { recursive: true, force: true }))

describe('OnnxClassifier on the shipped cnn-compact', () => {
  it('gives the logits and embeddings PyTorch gave on 16 committed glyphs (max abs diff < 1e-4)', async () => {
    const { glyphs, torch } = readFixture()
    const model = await OnnxClassifier.load(compactDir)
    expect(model.manifest.card['name'], 'fixture was made for this model').toBe(torch.model)
    expect(model.manifest.modelSha256, 'shipped model.onnx changed: rerun training/make_onnx_fixtures.py').toBe(
      torch.modelSha256
    )
    const logits = await model.logits(glyphs, torch.n)
    expect(logits.width).toBe(36)
    expect(maxAbsDiff(logits.data, torch.logits)).toBeLessThan(1e-4)
    const emb = await model.embed(glyphs, torch.n)
    expect(emb.dim).toBe(model.embeddingDim)
    expect(maxAbsDiff(emb.data, torch.embedding)).toBeLessThan(1e-4)
    // predict() adds the card's calibrated logit offsets; PyTorch's labels are the argmax of its raw logits.
    const off = model.manifest.logitOffsets ?? new Array<number>(36).fill(0)
    const expected = torch.logits.map(
      (row) => CLASSES[row.reduce((b, v, k) => (v + off[k] > row[b] + off[b] ? k : b), 0)]
    )
    const pred = await model.predict(glyphs, torch.n)
    expect(Array.from(pred.labels, (k) => CLASSES[k])).toEqual(expected)
  })

  it('returns probabilities that sum to 1 and top-3 that start with the label', async () => {
    const { glyphs, torch } = readFixture()
    const model = await OnnxClassifier.load(compactDir)
    const pred = await model.predict(glyphs, torch.n)
    for (let i = 0; i < torch.n; i++) {
      let sum = 0
      for (let k = 0; k < 36; k++) sum += pred.probs[i * 36 + k]
      expect(sum).toBeCloseTo(1, 5)
      expect(pred.top3[i * 3]).toBe(pred.labels[i])
    }
  })

  it('predicts the same in batches of 256, 64 and 16 (the default) as one glyph at a time (300 glyphs)', async () => {
    const { glyphs, torch } = readFixture()
    const model = await OnnxClassifier.load(compactDir)
    const n = 300
    const many = new Float32Array(n * GLYPH_PIXELS)
    for (let i = 0; i < n; i++)
      many.set(glyphs.subarray((i % torch.n) * GLYPH_PIXELS, ((i % torch.n) + 1) * GLYPH_PIXELS), i * GLYPH_PIXELS)
    // The largest batch, a middle one and the default (16: the CLI's, and the app's for its request thread)
    // give the same logits.
    expect(onnxBatch()).toBe(DEFAULT_ONNX_BATCH)
    setOnnxBatch(MAX_ONNX_BATCH)
    const batched = await model.logits(many, n).finally(() => setOnnxBatch(DEFAULT_ONNX_BATCH))
    const cli = await model.logits(many, n)
    expect(
      maxAbsDiff(
        cli.data,
        Array.from({ length: n }, (_, i) => [...batched.data.subarray(i * 36, i * 36 + 36)])
      )
    ).toBeLessThan(1e-4)
    setOnnxBatch(64)
    const mid = await model.logits(many, n).finally(() => setOnnxBatch(DEFAULT_ONNX_BATCH))
    for (const i of [0, 15, 16, 255, 256, 299]) {
      const single = await model.logits(many.subarray(i * GLYPH_PIXELS, (i + 1) * GLYPH_PIXELS), 1)
      for (let k = 0; k < 36; k++) {
        expect(Math.abs(batched.data[i * 36 + k] - single.data[k])).toBeLessThan(1e-4)
        expect(Math.abs(mid.data[i * 36 + k] - single.data[k])).toBeLessThan(1e-4)
      }
    }
  })

  it('is listed and loaded by name like the MLPs, with the card eval reads its held-out rule from', async () => {
    expect(listShippedModels().find((m) => m.name === 'cnn-compact')?.kind).toBe('cnn')
    const c = await loadClassifier('cnn-compact')
    expect(c).toBeInstanceOf(OnnxClassifier)
    const extra = (c.card['data'] as { extraTrain?: { perClass: number } }).extraTrain
    expect(extra?.perClass).toBe(20)
  })

  it('makes cnn-best, with its 384-d ensemble embedding, the default model', async () => {
    const c = await loadClassifier()
    expect(c.name).toBe('cnn-best')
    const { glyphs, torch } = readFixture()
    const emb = await (c as OnnxClassifier).embed(glyphs, torch.n)
    expect(emb.dim).toBe(384)
  })

  it('gives cnn-best its compact member, shipped alone as cnn-compact, as the reader of cut pieces', async () => {
    const best = await loadClassifier('cnn-best')
    const reader = await best.pieceReader!()
    expect(reader?.name).toBe('cnn-compact')
    expect(await best.pieceReader!()).toBe(reader) // loaded once per process
    expect((await loadClassifier('cnn-compact')).pieceReader).toBeUndefined()
    // Only a member trained by the same command from the same checkpoint as the shipped model of its name.
    const card = best.card as { members: { name: string; command: string; init: unknown }[] }
    expect(shippedMember(card)).toBe('cnn-compact')
    const other = { ...card, members: card.members.map((m) => ({ ...m, command: `${m.command} --epochs 1` })) }
    expect(shippedMember(other)).toBeNull()
    const moved = { ...card, members: card.members.map((m) => ({ ...m, name: `../models/${m.name}` })) }
    expect(shippedMember(moved)).toBeNull()
    expect(shippedMember(undefined)).toBeNull()
  })
})

describe('onnxruntime threads', () => {
  it('uses one per core up to 4, unless GLYPHDESK_ONNX_THREADS names a count', () => {
    expect([1, 2, 3, 8, 64].map((cores) => onnxThreads(undefined, cores))).toEqual([1, 2, 3, 4, 4])
    expect(onnxThreads('6', 2)).toBe(6)
    expect(onnxThreads('zero', 2)).toBe(2)
    expect(onnxThreads('0', 8)).toBe(4)
    expect(onnxThreads('', 1)).toBe(1)
  })
})

describe('bring-your-own ONNX models', () => {
  it('loads a model with its own size, polarity and normalisation through the same path', async () => {
    // The shipped CNN, described as if it took white-on-black 0..255 images: same numbers after mapping.
    const { glyphs, torch } = readFixture()
    const dir = modelDir('byo', join(compactDir, 'model.onnx'), {
      ...GLYPHDESK_CARD,
      input: { size: 32, channels: 1, layout: 'NCHW', background: 255, ink: 0, normalise: { scale: 1 / 255 } }
    })
    const model = await OnnxClassifier.load(dir)
    expect(maxAbsDiff((await model.logits(glyphs, torch.n)).data, torch.logits)).toBeLessThan(1e-4)
  })

  it("adds the card's logitOffsets to the logits before the softmax, in label order", async () => {
    const { glyphs, torch } = readFixture()
    const plain = await OnnxClassifier.load(modelDir('plain', join(compactDir, 'model.onnx'), GLYPHDESK_CARD))
    // Push glyph 0 from its PyTorch label to a chosen other class: exactly enough offset to overtake it.
    const row = torch.logits[0]
    const top = row.indexOf(Math.max(...row))
    const target = (top + 7) % 36
    const offsets = new Array<number>(36).fill(0)
    offsets[target] = row[top] - row[target] + 0.01
    const shifted = await OnnxClassifier.load(
      modelDir('shifted', join(compactDir, 'model.onnx'), { ...GLYPHDESK_CARD, logitOffsets: offsets })
    )
    const a = await plain.predict(glyphs, torch.n),
      b = await shifted.predict(glyphs, torch.n)
    expect(a.labels[0]).toBe(top)
    expect(b.labels[0]).toBe(target)
    // Hand-computed: p_k ∝ exp(logit_k + offset_k).
    const z = row.map((v, k) => Math.exp(v + offsets[k] - row[top]))
    const total = z.reduce((s, v) => s + v, 0)
    for (let k = 0; k < 36; k++) expect(b.probs[k]).toBeCloseTo(z[k] / total, 5)
    // Raw logits and embeddings are not calibrated.
    expect(maxAbsDiff((await shifted.logits(glyphs, torch.n)).data, torch.logits)).toBeLessThan(1e-4)
    // A card whose labels are in another order: offsets go with the logit (label order), and the
    // winning logit is then reported as the class its label names.
    const reversed = [...CLASSES].reverse()
    const renamed = await OnnxClassifier.load(
      modelDir('renamed', join(compactDir, 'model.onnx'), {
        ...GLYPHDESK_CARD,
        classes: reversed,
        logitOffsets: offsets
      })
    )
    expect(CLASSES[(await renamed.predict(glyphs, 1)).labels[0]]).toBe(reversed[target])
  })

  it('gives logits in class order, raw or with the offsets, and only when the labels are the 36 classes', async () => {
    const { glyphs, torch } = readFixture()
    const reversed = [...CLASSES].reverse()
    const offsets = reversed.map((_, k) => (k === 3 ? 0.5 : 0))
    const model = await OnnxClassifier.load(
      modelDir('reordered', join(compactDir, 'model.onnx'), {
        ...GLYPHDESK_CARD,
        classes: reversed,
        logitOffsets: offsets
      })
    )
    const raw = (await model.classLogits(glyphs, torch.n, false))!
    const calibrated = (await model.classLogits(glyphs, torch.n, true))!
    // Logit k is labelled reversed[k] = CLASSES[35 − k].
    expect(
      maxAbsDiff(
        raw,
        torch.logits.map((row) => [...row].reverse())
      )
    ).toBeLessThan(1e-4)
    for (let i = 0; i < torch.n; i++)
      for (let c = 0; c < 36; c++) expect(calibrated[i * 36 + c] - raw[i * 36 + c]).toBeCloseTo(c === 32 ? 0.5 : 0, 5)
    const letters = await OnnxClassifier.load(
      modelDir('lowercase', join(compactDir, 'model.onnx'), {
        ...GLYPHDESK_CARD,
        classes: ['a', ...CLASSES.slice(0, 35)]
      })
    )
    expect(letters.labelsArePermutation).toBe(false)
    expect(await letters.classLogits(glyphs, 1, false)).toBeNull()
  })

  it('rejects logitOffsets of the wrong length or with non-finite values', async () => {
    const bad = (name: string, logitOffsets: unknown) =>
      OnnxClassifier.load(modelDir(name, join(compactDir, 'model.onnx'), { ...GLYPHDESK_CARD, logitOffsets }))
    await expect(bad('short', [0.4, 0.4])).rejects.toThrow(/"logitOffsets": must be 36 numbers, one per label .*got 2/)
    await expect(
      bad(
        'nanoff',
        new Array(36).fill(0).map((v, i) => (i === 3 ? 'x' : v))
      )
    ).rejects.toThrow(ModelCardError)
    await expect(bad('huge', new Array(36).fill(1e9))).rejects.toThrow(/within ±20/)
  })

  it('rejects an ONNX file that is not an image classifier', async () => {
    const dir = modelDir('tiny', join(fixtures, 'tiny.onnx'), {
      ...GLYPHDESK_CARD,
      input: { size: 32, channels: 1 },
      outputs: { logits: 'y' }
    })
    await expect(OnnxClassifier.load(dir)).rejects.toThrow(ModelMismatchError)
    await expect(OnnxClassifier.load(dir)).rejects.toThrow(/not an image classifier: input "x" has shape \[n, 2\]/)
  })

  it('rejects a card that lies about the input size', async () => {
    const dir = modelDir('liar', join(compactDir, 'model.onnx'), {
      ...GLYPHDESK_CARD,
      input: { ...GLYPHDESK_CARD.input, size: 28 }
    })
    await expect(OnnxClassifier.load(dir)).rejects.toThrow(ModelMismatchError)
    await expect(OnnxClassifier.load(dir)).rejects.toThrow(/says the input is 28×28 .* has shape \[n, 1, 32, 32\]/)
  })

  it('rejects a card whose label count differs from the logits width', async () => {
    const dir = modelDir('letters', join(compactDir, 'model.onnx'), {
      ...GLYPHDESK_CARD,
      classes: CLASSES.slice(0, 26)
    })
    await expect(OnnxClassifier.load(dir)).rejects.toThrow(
      /lists 26 labels but model.onnx's output "logits" has shape \[1, 36\]/
    )
  })

  it('rejects labels that are not Glyphdesk classes', async () => {
    const dir = modelDir('cats', join(compactDir, 'model.onnx'), {
      ...GLYPHDESK_CARD,
      classes: ['cat', ...CLASSES.slice(1)]
    })
    await expect(OnnxClassifier.load(dir)).rejects.toThrow(ModelCardError)
    await expect(OnnxClassifier.load(dir)).rejects.toThrow(/labels "cat" are not Glyphdesk classes/)
  })

  it('rejects corrupt ONNX bytes, and bytes that do not match the card checksum', async () => {
    const good = readFileSync(join(compactDir, 'model.onnx'))
    const truncated = modelDir('truncated', good.subarray(0, 1000), GLYPHDESK_CARD)
    await expect(OnnxClassifier.load(truncated)).rejects.toThrow(CorruptModelError)
    await expect(OnnxClassifier.load(truncated)).rejects.toThrow(/is not a loadable ONNX model/)
    const flipped = Buffer.from(good)
    flipped[flipped.length - 10] ^= 0xff
    const sha = modelDir('checksum', flipped, { ...GLYPHDESK_CARD, modelSha256: '0'.repeat(64) })
    await expect(OnnxClassifier.load(sha)).rejects.toThrow(/SHA-256 [0-9a-f]{64} differs from the card's 0{64}/)
  })

  it('names what is missing: model.onnx, the card, or a card field', async () => {
    await expect(OnnxClassifier.load(modelDir('nofile', null, GLYPHDESK_CARD))).rejects.toThrow(/missing model.onnx/)
    const { classes: _unused, ...noClasses } = GLYPHDESK_CARD
    await expect(OnnxClassifier.load(modelDir('noclasses', join(compactDir, 'model.onnx'), noClasses))).rejects.toThrow(
      /"classes" is missing/
    )
    await expect(
      OnnxClassifier.load(modelDir('noinput', join(compactDir, 'model.onnx'), { ...GLYPHDESK_CARD, input: undefined }))
    ).rejects.toThrow(/"input" is missing/)
    await expect(OnnxClassifier.load(scratch)).rejects.toThrow(/model\.json: file not found/)
  })

  it('throws NonFiniteOutputError naming the glyph when embeddings or logits turn NaN', async () => {
    const nanCard = { ...GLYPHDESK_CARD, classes: ['A', 'B', 'C', 'D'], embeddingDim: 4 }
    const model = await OnnxClassifier.load(modelDir('nan', join(fixtures, 'nan.onnx'), nanCard))
    const glyphs = new Float32Array(3 * GLYPH_PIXELS).fill(1)
    glyphs.fill(0, 2 * GLYPH_PIXELS) // glyph 2 is all ink: sqrt(0 − 0.5) = NaN
    await expect(model.predict(glyphs, 3)).resolves.toBeDefined()
    await expect(model.embed(glyphs, 3)).rejects.toThrow(NonFiniteOutputError)
    await expect(model.embed(glyphs, 3)).rejects.toThrow(/embedding of .*: glyph 2 gave NaN/)
    const nanLogits = await OnnxClassifier.load(
      modelDir('nanlogits', join(fixtures, 'nan.onnx'), { ...nanCard, outputs: { logits: 'embedding' } })
    )
    await expect(nanLogits.predict(glyphs, 3)).rejects.toThrow(/logits of .*: glyph 2 gave NaN/)
  })
})

describe('8-bit copies (the card’s "quantized" block)', () => {
  const sha = (file: string) => createHash('sha256').update(readFileSync(file)).digest('hex')
  const compactOnnx = join(compactDir, 'model.onnx')
  /** A model directory whose "8-bit copy" is a second file (here the same network, so the loaded file is visible by name). */
  function withCopy(name: string, copy: Buffer | null, quantized: Record<string, unknown>): string {
    const dir = modelDir(name, compactOnnx, {
      ...GLYPHDESK_CARD,
      modelSha256: sha(compactOnnx),
      quantized: {
        modelFile: 'model.int8.onnx',
        modelSha256: sha(compactOnnx),
        sourceSha256: sha(compactOnnx),
        ...quantized
      }
    })
    if (copy) writeFileSync(join(dir, 'model.int8.onnx'), copy)
    return dir
  }

  it('reads the float file by default and the 8-bit one when int8 is asked for', async () => {
    const dir = withCopy('q-ok', readFileSync(compactOnnx), {})
    const int8 = await OnnxClassifier.load(dir, 'q-ok', 'int8')
    expect([int8.precision, int8.modelFile]).toEqual(['int8', 'model.int8.onnx'])
    const fp32 = await OnnxClassifier.load(dir)
    expect([fp32.precision, fp32.modelFile]).toEqual(['fp32', 'model.onnx'])
    // A card without the block reads its float network whatever is asked.
    const plain = await OnnxClassifier.load(compactDir, 'cnn-compact', 'int8')
    expect([plain.precision, plain.modelFile]).toEqual(['fp32', 'model.onnx'])
  })

  it('refuses a copy made from another network, a damaged copy and a missing one', async () => {
    const other = withCopy('q-other', readFileSync(compactOnnx), { sourceSha256: 'ab'.repeat(32) })
    await expect(OnnxClassifier.load(other, 'q-other', 'int8')).rejects.toThrow(ModelCardError)
    await expect(OnnxClassifier.load(other, 'q-other', 'int8')).rejects.toThrow(/made from another network/)
    expect((await OnnxClassifier.load(other)).modelFile).toBe('model.onnx')
    const bytes = readFileSync(compactOnnx)
    const damaged = Buffer.from(bytes)
    damaged[damaged.length - 10] ^= 0xff
    await expect(OnnxClassifier.load(withCopy('q-damaged', damaged, {}), 'q', 'int8')).rejects.toThrow(
      /model\.int8\.onnx: SHA-256 .* differs/
    )
    await expect(OnnxClassifier.load(withCopy('q-missing', null, {}), 'q', 'int8')).rejects.toThrow(CorruptModelError)
  })

  it('parses GLYPHDESK_PRECISION', () => {
    expect([undefined, '', 'int8', 'fp32'].map(onnxPrecision)).toEqual(['fp32', 'fp32', 'int8', 'fp32'])
    expect(() => onnxPrecision('fp16')).toThrow(/expected int8 or fp32/)
  })

  it('shipped: cnn-best and the touching model read an 8-bit copy made from their float network, which gives the same letters', async () => {
    const { glyphs, torch } = readFixture()
    for (const dir of [join(SHIPPED_MODELS_DIR, 'cnn-best'), DEFAULT_TOUCHING_DIR]) {
      const int8 = await OnnxClassifier.load(dir, 'm', 'int8')
      const fp32 = await OnnxClassifier.load(dir, 'm', 'fp32')
      expect(int8.precision).toBe('int8')
      expect(int8.manifest.quantized?.sourceSha256).toBe(sha(join(dir, 'model.onnx')))
      const a = await int8.logits(glyphs, torch.n),
        b = await fp32.logits(glyphs, torch.n)
      let same = 0
      for (let i = 0; i < torch.n; i++) {
        const row = (d: Float32Array) => [...d.subarray(i * 36, i * 36 + 36)]
        const argmax = (r: number[]) => r.indexOf(Math.max(...r))
        if (argmax(row(a.data)) === argmax(row(b.data))) same++
      }
      expect(same).toBe(torch.n)
      // Close, not equal: the copy is a different computation.
      const diff = maxAbsDiff(
        a.data,
        Array.from({ length: torch.n }, (_, i) => [...b.data.subarray(i * 36, i * 36 + 36)])
      )
      expect(diff).toBeGreaterThan(0)
      expect(diff).toBeLessThan(1.5)
    }
  })
})

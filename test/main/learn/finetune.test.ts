// Fine-tuning on a person's corrections (issue 5, part 5): the acceptance demo on committed fixtures.
// The corrections are test/fixtures/corrections/{01_list,02_letters}.json, made by
// `glyphdesk finetune label-from-truth` — a SIMULATED person who reviewed both sample pages (every box
// labelled from the ground-truth .txt; 3 of them differ from the calibrated cnn-best). The replay set is the committed
// synth-mini; the full-size run with ../data/synth1000 is documented in docs/MODELS.md.
import { createHash } from 'node:crypto'
import { copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync, mkdirSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { CLASSES, GLYPH_PIXELS } from '../../../src/shared/classes.ts'
import { assembleText, boxesByLine } from '../../../src/shared/pagedoc.ts'
import { main } from '../../../src/main/cli/index.ts'
import { readGlyphFile } from '../../../src/main/data/glyphset.ts'
import type { Classifier } from '../../../src/main/recognize/classifier.ts'
import {
  collectCorrections,
  labelFromTruth,
  NoCorrectionsError,
  readPageDocs,
  type Corrections
} from '../../../src/main/learn/corrections.ts'
import {
  finetune,
  FINETUNE_DEFAULTS,
  FinetuneOutputError,
  type FinetuneSpec
} from '../../../src/main/learn/finetune.ts'
import { NonFiniteOutputError } from '../../../src/main/recognize/modelCard.ts'
import { loadClassifier, resolveModelDir, SHIPPED_MODELS_DIR } from '../../../src/main/recognize/models.ts'
import { evalPages, type EvalResult } from '../../../src/main/read/evalPages.ts'

const root = resolve(__dirname, '../../..')
const correctionsDir = join(root, 'test/fixtures/corrections')
const samples = join(root, 'resources/samples')
const synthMini = join(root, 'test/fixtures/synth-mini')
const nistMini = join(root, 'test/fixtures/nist26-mini/nist26_mini_valid.mat')

/**
 * Pages are scored on the classifier's own reading of the detector's boxes (no decoder, no context), which is
 * what fine-tuning changes; with the decoder and its language model, cnn-best already reads all four sample
 * pages exactly.
 */
const RAW = { decode: false, wordContext: false }

let scratch: string
let corrections: Corrections
beforeAll(async () => {
  scratch = mkdtempSync(join(tmpdir(), 'glyphdesk-finetune-'))
  corrections = await collectCorrections(readPageDocs(correctionsDir))
}, 60_000)
afterAll(() => rmSync(scratch, { recursive: true, force: true }))

/** CER (no spaces) over the named pages, character-weighted, as eval-pages' overall. */
function cer(r: EvalResult, names: string[]): number {
  const pages = r.pages.filter((p) => names.includes(p.name))
  return pages.reduce((s, p) => s + p.cerNoSpace * p.chars, 0) / pages.reduce((s, p) => s + p.chars, 0)
}

/**
 * Accuracy on nist26-mini (78 real letters). They are among the real letters the shipped models trained on
 * (mlp-best scores 100%), so this pins that fine-tuning does not make the model forget real letters it knew,
 * to within one glyph; the held-out real-letter accuracy is from the documented full run (docs/MODELS.md).
 */
async function lettersAccuracy(c: Classifier): Promise<number> {
  const g = await readGlyphFile(nistMini)
  const p = await c.predict(g.x, g.n)
  let ok = 0
  for (let i = 0; i < g.n; i++) if (p.labels[i] === g.y[i]) ok++
  return ok / g.n
}

const digitRow = (r: EvalResult) =>
  r.pages
    .find((p) => p.name === '02_letters')!
    .text.split('\n')
    .pop()

function sha(file: string): string {
  return createHash('sha256').update(readFileSync(file)).digest('hex')
}

function spec(base: string, out: string, extra: Partial<FinetuneSpec['config']> = {}): FinetuneSpec {
  const kind = base.startsWith('mlp') ? 'mlp' : 'cnn-head'
  return {
    baseDir: resolveModelDir(base),
    baseName: base,
    outDir: join(scratch, out),
    name: out,
    corrections,
    pages: corrections.pages,
    changed: corrections.changed,
    replayDir: synthMini,
    // replayBaseExtra off: the base cards' real-letter files are not committed, and the test must not depend on them.
    config: { ...FINETUNE_DEFAULTS[kind], replayBaseExtra: false, ...extra },
    command: 'finetune.test.ts'
  }
}

describe('corrections from PageDocs', () => {
  it("reads every reviewed box through the pipeline's own crop, so the base reads them as it did on the page", async () => {
    expect(corrections.n).toBe(115 + 36)
    expect(corrections.changed).toBe(7) // since issue 17 (real digits in training): on 01 four O read 0, an S read 5, a Z read 2; on 02 the 1 of I234567890
    expect(corrections.pages.map((p) => p.split('/').pop())).toEqual(['01_list.jpg', '02_letters.jpg'])
    const docs = readPageDocs(correctionsDir).map((s) => s.doc)
    const predicted = docs.flatMap((d) => d.boxes.map((b) => b.label))
    const cnn = await loadClassifier('cnn-best')
    const again = await cnn.predict(corrections.x, corrections.n)
    // Same glyphs as transcribe produced → the same labels the PageDocs recorded.
    expect(Array.from(again.labels, (k) => CLASSES[k])).toEqual(predicted)
  }, 60_000)

  it('simulates a person from ground truth only when boxes and characters pair up line by line', () => {
    const doc = readPageDocs(join(correctionsDir, '02_letters.json'))[0].doc
    const stripped = { ...doc, boxes: doc.boxes.map(({ userLabel: _u, ...b }) => b) }
    const labelled = labelFromTruth(stripped, readFileSync(join(samples, '02_letters.txt'), 'utf8'))
    expect(assembleText({ ...labelled, boxes: labelled.boxes.map(({ label: _l, ...b }) => b) })).toBe(
      'ABCDEFG\nHIJKLMN\nOPQRSTU\nVWXYZ\n1234567890'
    )
    expect(() => labelFromTruth(stripped, 'ABCDEFG\nHIJKLMN\nOPQRSTU\nVWXYZ\n123456789')).toThrow(
      /line 5: 10 boxes but the truth "123456789" has 9 characters/
    )
    expect(boxesByLine(labelled).length).toBe(5)
  })
})

describe('fine-tuning demo on sample pages 01 and 02 (committed fixtures)', () => {
  it('cnn-best + a new head: 01+02 CER ≤ 1%, the digit row read right, 03/04 not worse, letters kept, < 30 s', async () => {
    const onnxSha = sha(join(SHIPPED_MODELS_DIR, 'cnn-best', 'model.onnx'))
    const base = await loadClassifier('cnn-best')
    const before = await evalPages(samples, base, RAW)
    const pageOf = corrections.rows.map((r) => corrections.pages.indexOf(r.page))
    const result = await finetune({ ...spec('cnn-best', 'cnn-best-mine'), pageOf })
    expect(result).not.toBeNull()
    // Every correction trained, and each score says what it is: leave-one-page-out over the two pages (each
    // page's glyphs read by a head trained on the other only), and the shipped check glyphs before/after.
    const ev = result!.evaluation
    console.log('cnn-best head evaluation:', JSON.stringify(ev))
    expect(ev.corrections.n).toBe(151)
    expect(ev.corrections.base).toBeCloseTo(144 / 151, 6) // the 7 changed corrections are what the base got wrong
    expect(ev.corrections.trained).toBe(1)
    expect(ev.crossValidated).toMatchObject({ method: 'leave-one-page-out', folds: 2, n: 151 })
    expect(ev.replayCheck).toMatchObject({ n: 720 })
    // Measured with the digit-retrained cnn-best: 98.47% → 97.36% (8 of 720 check glyphs) with this small synth-mini
    // replay; 2 points is the bound, a real regression past it fails.
    expect(ev.replayCheck!.after).toBeGreaterThanOrEqual(ev.replayCheck!.base - 0.02)
    const tuned = await loadClassifier(result!.dir)
    const after = await evalPages(samples, tuned, RAW)
    const report = {
      cer0102: [cer(before, ['01_list', '02_letters']), cer(after, ['01_list', '02_letters'])],
      cer0304: [cer(before, ['03_haiku', '04_deep']), cer(after, ['03_haiku', '04_deep'])],
      letters: [await lettersAccuracy(base), await lettersAccuracy(tuned)],
      seconds: result!.seconds
    }
    console.log('cnn-best head demo (synth-mini replay):', JSON.stringify(report))
    expect(digitRow(before)).toBe('I234567890') // the calibrated CNN still reads this hand's 1 as I on its own …
    expect(digitRow(after)).toBe('1234567890') // … fixed for this hand
    expect(report.cer0102[1]).toBeLessThanOrEqual(0.01)
    expect(report.cer0304[1]).toBeLessThanOrEqual(report.cer0304[0])
    expect(report.letters[1]).toBeGreaterThanOrEqual(report.letters[0] - 1 / 78 - 1e-9)
    expect(report.seconds).toBeLessThan(30)
    // The new model: a cnn-head that refers to the untouched shipped base, with its card.
    const manifest = JSON.parse(readFileSync(join(result!.dir, 'model.json'), 'utf8'))
    expect(manifest).toMatchObject({
      format: 'glyphdesk-cnn-head',
      kind: 'cnn-head',
      base: { name: 'cnn-best', shipped: true, modelSha256: onnxSha, embeddingDim: 384 }
    })
    expect(manifest.card).toMatchObject({
      base: 'cnn-best',
      seed: 1,
      data: { corrections: 151, changed: 7, heldOut: 0, replay: { source: 'test/fixtures/synth-mini', glyphs: 360 } }
    })
    expect(manifest.card.config.head.init.argmaxAgreement).toBeGreaterThan(0.99)
    expect(
      manifest.card.config.head.init.baseLogitOffsets,
      'the calibrated base: the head starts from its calibrated logits'
    ).toHaveLength(36)
    expect(sha(join(SHIPPED_MODELS_DIR, 'cnn-best', 'model.onnx'))).toBe(onnxSha)
    // And through the page pipeline's defaults (word context on) the tuned model reads 01+02 within 1% too.
    expect(cer(await evalPages(samples, tuned), ['01_list', '02_letters'])).toBeLessThanOrEqual(0.01)
  }, 120_000)

  it('mlp-best continued: 01+02 CER ≤ 1%, 03/04 not worse, letters kept, < 30 s', async () => {
    const weights = sha(join(SHIPPED_MODELS_DIR, 'mlp-best', 'weights.bin'))
    const base = await loadClassifier('mlp-best')
    const before = await evalPages(samples, base, RAW)
    const result = await finetune(spec('mlp-best', 'mlp-best-mine', { heldOut: 0.2 }))
    const tuned = await loadClassifier(result!.dir)
    const after = await evalPages(samples, tuned, RAW)
    const report = {
      cer0102: [cer(before, ['01_list', '02_letters']), cer(after, ['01_list', '02_letters'])],
      cer0304: [cer(before, ['03_haiku', '04_deep']), cer(after, ['03_haiku', '04_deep'])],
      letters: [await lettersAccuracy(base), await lettersAccuracy(tuned)],
      heldOut: [result!.before, result!.after, result!.heldOut],
      seconds: result!.seconds
    }
    console.log('mlp-best demo (synth-mini replay):', JSON.stringify(report))
    // With a fifth of the corrections held out, the page is not all trained on: ≤ 1% still needs the rest learnt.
    expect(report.cer0304[1]).toBeLessThanOrEqual(report.cer0304[0])
    expect(report.letters[1]).toBeGreaterThanOrEqual(report.letters[0] - 1 / 78 - 1e-9)
    expect(result!.heldOut).toBe(30)
    expect(result!.after!).toBeGreaterThanOrEqual(result!.before!)
    expect(report.seconds).toBeLessThan(30)
    expect(tuned.card).toMatchObject({
      kind: 'mlp',
      base: 'mlp-best',
      data: { corrections: 151, trainCorrections: 121, heldOut: 30 }
    })
    expect(sha(join(SHIPPED_MODELS_DIR, 'mlp-best', 'weights.bin'))).toBe(weights)
    const all = await finetune(spec('mlp-best', 'mlp-best-all'))
    const allAfter = await evalPages(samples, await loadClassifier(all!.dir), RAW)
    expect(cer(allAfter, ['01_list', '02_letters'])).toBeLessThanOrEqual(0.01)
    expect(cer(allAfter, ['03_haiku', '04_deep'])).toBeLessThanOrEqual(report.cer0304[0])
  }, 120_000)
})

describe('bad inputs: a clear error and nothing written', () => {
  it('NaN in the embeddings', async () => {
    const base = join(scratch, 'nan-base')
    mkdirSync(base)
    copyFileSync(join(root, 'test/fixtures/onnx/nan.onnx'), join(base, 'model.onnx'))
    writeFileSync(
      join(base, 'model.json'),
      JSON.stringify({
        format: 'glyphdesk-onnx',
        formatVersion: 1,
        kind: 'cnn',
        classes: ['A', 'B', 'C', 'D'],
        embeddingDim: 4,
        input: { name: 'glyphs', size: 32, channels: 1, layout: 'NCHW', background: 1, ink: 0 },
        outputs: { logits: 'logits', embedding: 'embedding' }
      })
    )
    const dark = { x: new Float32Array(4 * GLYPH_PIXELS).fill(1), y: Uint8Array.from([0, 1, 2, 3]), n: 4 }
    dark.x.fill(0, 3 * GLYPH_PIXELS) // glyph 3 all ink: the fixture's embedding is sqrt(mean − 0.5) = NaN
    const s = { ...spec('cnn-best', 'from-nan'), baseDir: base, baseName: 'nan', corrections: dark, replayDir: null }
    await expect(finetune(s)).rejects.toThrow(NonFiniteOutputError)
    await expect(finetune(s)).rejects.toThrow(/glyph 3 gave NaN/)
    expect(existsSync(s.outDir)).toBe(false)
  }, 30_000)

  it('a page JSON without corrections', async () => {
    const doc = JSON.parse(readFileSync(join(correctionsDir, '01_list.json'), 'utf8'))
    doc.boxes = doc.boxes.map(({ userLabel: _u, ...b }: Record<string, unknown>) => b)
    doc.image.path = join(samples, '01_list.jpg')
    const pages = join(scratch, 'unreviewed')
    mkdirSync(pages)
    writeFileSync(join(pages, '01_list.json'), JSON.stringify(doc))
    await expect(collectCorrections(readPageDocs(pages))).rejects.toThrow(NoCorrectionsError)
    await expect(collectCorrections(readPageDocs(pages))).rejects.toThrow(/no box has a person's label \(userLabel\)/)
    const out = join(scratch, 'from-unreviewed')
    expect(await main(['finetune', '--base', 'mlp-baseline', '--pages', pages, '--out', out, '--replay', '0'])).toBe(1)
    expect(existsSync(out)).toBe(false)
  }, 30_000)

  it('an --out inside resources/models', async () => {
    const out = join(SHIPPED_MODELS_DIR, 'mine')
    expect(await main(['finetune', '--base', 'mlp-baseline', '--pages', correctionsDir, '--out', out])).toBe(1)
    expect(existsSync(out)).toBe(false)
    await expect(
      finetune({ ...spec('mlp-baseline', 'x'), outDir: join(SHIPPED_MODELS_DIR, 'mlp-best') })
    ).rejects.toThrow(FinetuneOutputError)
    await expect(finetune({ ...spec('mlp-baseline', 'x'), outDir: SHIPPED_MODELS_DIR })).rejects.toThrow(
      /never written to/
    )
  })

  it('cancelling stops after a batch and saves nothing', async () => {
    const controller = new AbortController()
    const s = spec('mlp-baseline', 'cancelled', { epochs: 50 })
    const r = await finetune(s, { signal: controller.signal, onBatch: () => controller.abort() })
    expect(r).toBeNull()
    expect(existsSync(s.outDir)).toBe(false)
  }, 30_000)
})

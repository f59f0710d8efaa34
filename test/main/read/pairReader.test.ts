// The pair reader (read/pairReader.ts): the shipped network gives PyTorch's numbers through onnxruntime-node on 12
// committed crops, and a damaged folder is a clear, typed error at load.
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { NUM_CLASSES } from '../../../src/shared/classes.ts'
import { loadPairReader, NO_PAIR, PAIR_WIDTH, softmaxRows } from '../../../src/main/read/pairReader.ts'
import { DEFAULT_PAIRS_DIR, defaultPairReader } from '../../../src/main/read/readLines.ts'
import { CorruptModelError, ModelCardError, NonFiniteOutputError } from '../../../src/main/recognize/modelCard.ts'

const fixtures = join(__dirname, '..', '..', 'fixtures', 'onnx')

interface PairFixture {
  modelSha256: string
  n: number
  truth: [string, string][]
  left: number[][]
  right: number[][]
}

let scratch: string
beforeAll(() => {
  scratch = mkdtempSync(join(tmpdir(), 'glyphdesk-pairs-'))
})
afterAll(() => rmSync(scratch, { recursive: true, force: true }))

/** A copy of the shipped folder with its card changed by `edit` (and its ONNX file replaced by `onnx`). */
function copyWith(name: string, edit: (card: Record<string, unknown>) => void, onnx?: Buffer): string {
  const dir = join(scratch, name)
  mkdirSync(dir, { recursive: true })
  const card = JSON.parse(readFileSync(join(DEFAULT_PAIRS_DIR, 'model.json'), 'utf8')) as Record<string, unknown>
  edit(card)
  writeFileSync(join(dir, 'model.json'), JSON.stringify(card))
  if (onnx) writeFileSync(join(dir, 'model.onnx'), onnx)
  else copyFileSync(join(DEFAULT_PAIRS_DIR, 'model.onnx'), join(dir, 'model.onnx'))
  return dir
}

describe('softmaxRows', () => {
  it('matches hand-computed values, is stable for large logits, and refuses NaN', () => {
    // Row 2 would overflow exp() without the row maximum taken off first.
    const x = new Float32Array([0, Math.log(3), 1000, 1001])
    softmaxRows(x, 2, 2, 'test')
    const e = Math.E
    expect(x[0]).toBeCloseTo(0.25, 6)
    expect(x[1]).toBeCloseTo(0.75, 6)
    expect(x[2]).toBeCloseTo(1 / (1 + e), 6)
    expect(x[3]).toBeCloseTo(e / (1 + e), 6)
    expect(() => softmaxRows(new Float32Array([0, NaN]), 1, 2, 'test')).toThrow(NonFiniteOutputError)
  })
})

describe('the shipped pair reader', () => {
  it('gives the probabilities PyTorch gave on 12 committed crops (max abs diff < 1e-4), and reads the pairs', async () => {
    const buf = readFileSync(join(fixtures, 'cnn-pairs-12.glyphs.f32'))
    const glyphs = new Float32Array(buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength))
    const torch = JSON.parse(readFileSync(join(fixtures, 'cnn-pairs-12.torch.json'), 'utf8')) as PairFixture
    const reader = (await defaultPairReader())!
    expect(reader).not.toBeNull()
    const r = await reader.read(glyphs, torch.n)
    expect(r.left.length).toBe(torch.n * PAIR_WIDTH)
    let worst = 0
    for (const [mine, theirs] of [
      [r.left, torch.left],
      [r.right, torch.right]
    ] as const)
      theirs.flat().forEach((v, i) => (worst = Math.max(worst, Math.abs(mine[i] - v))))
    expect(worst).toBeLessThan(1e-4)
    // Most of the committed pairs read as both their letters; the crops of one character read as no pair.
    const names = [...'ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789', 'none']
    const argmax = (p: Float32Array, i: number) => {
      let k = 0
      for (let c = 1; c < PAIR_WIDTH; c++) if (p[i * PAIR_WIDTH + c] > p[i * PAIR_WIDTH + k]) k = c
      return names[k]
    }
    const right = torch.truth.filter(([a, b], i) => argmax(r.left, i) === a && argmax(r.right, i) === b).length
    expect(right).toBeGreaterThanOrEqual(10)
    expect(names[NO_PAIR]).toBe('none')
    expect(NO_PAIR).toBe(NUM_CLASSES)
  })

  it('batches of any size read as one glyph at a time does', async () => {
    const buf = readFileSync(join(fixtures, 'cnn-pairs-12.glyphs.f32'))
    const glyphs = new Float32Array(buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength))
    const reader = (await defaultPairReader())!
    const all = await reader.read(glyphs, 12)
    const one = await reader.read(glyphs.subarray(5 * 1024, 6 * 1024), 1)
    for (let c = 0; c < PAIR_WIDTH; c++) expect(one.right[c]).toBeCloseTo(all.right[5 * PAIR_WIDTH + c], 5)
    expect((await reader.read(new Float32Array(0), 0)).left.length).toBe(0)
  })

  it('refuses a damaged file, a wrong card and a card of another kind, with what is wrong', async () => {
    const bad = copyWith('bytes', () => {}, Buffer.from('not an onnx file'))
    await expect(loadPairReader(bad)).rejects.toThrow(CorruptModelError)
    await expect(loadPairReader(bad)).rejects.toThrow(/SHA-256/)
    await expect(loadPairReader(copyWith('classes', (c) => (c['classes'] as string[]).reverse()))).rejects.toThrow(
      ModelCardError
    )
    await expect(loadPairReader(copyWith('format', (c) => (c['format'] = 'glyphdesk-onnx')))).rejects.toThrow(
      ModelCardError
    )
    await expect(
      loadPairReader(copyWith('outputs', (c) => (c['outputs'] = { left: 'left', right: 'logits' })))
    ).rejects.toThrow(/no output "logits"/)
  })
})

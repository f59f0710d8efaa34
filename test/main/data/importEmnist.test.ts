// `glyphdesk data import emnist`: EMNIST idx files become a NIST36-layout glyph set that every
// trainer reads. Built on small idx files written here, with a distinct image per glyph so each
// imported glyph can be traced back to its source image and label.
import { spawnSync } from 'node:child_process'
import { createHash } from 'node:crypto'
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { gzipSync } from 'node:zlib'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { CLASSES, GLYPH_PIXELS } from '../../../src/shared/classes.ts'
import { emnistLabelMap, IdxFormatError, readEmnistDir } from '../../../src/main/data/emnist.ts'
import { readGlyphSet } from '../../../src/main/data/glyphset.ts'
import { importEmnist } from '../../../src/main/data/importEmnist.ts'

const root = resolve(__dirname, '..', '..', '..')
let work: string
let src: string

/** An idx file of unsigned bytes: magic 0x00 0x00 0x08 <ndims>, big-endian dims, data. */
function idx(dims: number[], data: Uint8Array): Buffer {
  const head = Buffer.alloc(4 + 4 * dims.length)
  head.writeUInt8(0x08, 2); head.writeUInt8(dims.length, 3)
  dims.forEach((d, i) => head.writeUInt32BE(d, 4 + 4 * i))
  return Buffer.concat([head, Buffer.from(data)])
}

/** Balanced-split idx files: `per` images of each of the 47 labels; image k has its own pixel pattern. */
function writeSplit(dir: string, part: 'train' | 'test', per: number, gz: boolean): void {
  const labels: number[] = []
  for (let l = 0; l < 47; l++) for (let k = 0; k < per; k++) labels.push(l)
  const n = labels.length
  const images = new Uint8Array(n * 784)
  for (let i = 0; i < n; i++) {
    const salt = part === 'train' ? 0 : 101
    // A filled block whose place and size depend on the image: distinct, and with real ink for framing.
    const r0 = 3 + ((i + salt) % 9), c0 = 3 + (Math.floor((i + salt) / 9) % 9), h = 8 + (i % 5), w = 6 + ((i * 7) % 7)
    for (let r = r0; r < r0 + h; r++) for (let c = c0; c < c0 + w; c++) images[i * 784 + c * 28 + r] = 255
    images[i * 784 + 27 * 28 + 27] = (i * 37 + salt) % 256 // a per-image marker in the corner
  }
  const write = (name: string, b: Buffer) => writeFileSync(join(dir, gz ? `${name}.gz` : name), gz ? gzipSync(b) : b)
  write(`emnist-balanced-${part}-images-idx3-ubyte`, idx([n, 28, 28], images))
  write(`emnist-balanced-${part}-labels-idx1-ubyte`, idx([n], Uint8Array.from(labels)))
}

const hash = (x: Float32Array, i: number) => createHash('sha1').update(Buffer.from(x.buffer, x.byteOffset + i * GLYPH_PIXELS * 4, GLYPH_PIXELS * 4)).digest('hex')

beforeAll(() => {
  work = mkdtempSync(join(tmpdir(), 'glyphdesk-emnist-'))
  src = join(work, 'fetched')
  mkdirSync(join(src, 'gzip'), { recursive: true })
  writeSplit(join(src, 'gzip'), 'train', 10, true)
  writeSplit(join(src, 'gzip'), 'test', 3, false)
})
afterAll(() => rmSync(work, { recursive: true, force: true }))

describe('importEmnist', () => {
  it('writes train/valid/test with every glyph traceable to its EMNIST image and mapped label', async () => {
    const out = join(work, 'pad')
    const m = await importEmnist(src, out, { split: 'balanced', framing: 'pad', seed: 5, validShare: 0.2 })
    // 36 of 47 balanced classes are Glyphdesk's; 10 train images each → 2 valid + 8 train; test 3 each.
    expect(m.counts).toEqual({ train: 36 * 8, valid: 36 * 2, test: 36 * 3 })
    expect(m.classesPresent).toEqual(CLASSES)
    expect(m.source.droppedClasses).toBe(11 * 10 + 11 * 3)
    const set = await readGlyphSet(out)
    const sourceTrain = await readEmnistDir(join(src, 'gzip'), 'balanced', 'train')
    const sourceTest = await readEmnistDir(join(src, 'gzip'), 'balanced', 'test')
    const labelOf = (g: typeof sourceTrain) => new Map(Array.from({ length: g.n }, (_, i) => [hash(g.x, i), g.y[i]]))
    const trainLabels = labelOf(sourceTrain), testLabels = labelOf(sourceTest)
    const seen = new Set<string>()
    for (const [split, labels] of [['train', trainLabels], ['valid', trainLabels], ['test', testLabels]] as const) {
      const g = set[split]
      for (let i = 0; i < g.n; i++) {
        const h = hash(g.x, i)
        expect(labels.get(h), `${split} glyph ${i} comes from EMNIST ${split === 'test' ? 'test' : 'train'}`).toBe(g.y[i])
        expect(seen.has(h), 'no glyph is in two splits').toBe(false)
        seen.add(h)
      }
    }
    // Labels went through the balanced map: EMNIST label 10 is 'A', label 0 is '0'.
    expect(emnistLabelMap('balanced')[10]).toBe(CLASSES.indexOf('A'))
    expect(JSON.parse(readFileSync(join(out, 'manifest.json'), 'utf8'))).toMatchObject({ kind: 'imported', seed: 5, framing: 'pad', counts: m.counts })
  })

  it('is reproducible from its seed, and another seed picks another valid split', async () => {
    const a = join(work, 'a'), b = join(work, 'b'), c = join(work, 'c')
    await importEmnist(src, a, { split: 'balanced', seed: 3, perClass: 6 })
    await importEmnist(src, b, { split: 'balanced', seed: 3, perClass: 6 })
    await importEmnist(src, c, { split: 'balanced', seed: 4, perClass: 6 })
    for (const f of ['emnist_balanced_train.mat', 'emnist_balanced_valid.mat', 'emnist_balanced_test.mat'])
      expect(readFileSync(join(a, f)).equals(readFileSync(join(b, f))), f).toBe(true)
    expect(readFileSync(join(a, 'emnist_balanced_valid.mat')).equals(readFileSync(join(c, 'emnist_balanced_valid.mat')))).toBe(false)
    // --per-class 6: train 6, valid and test ⌈6/3⌉ = 2 per class.
    const set = await readGlyphSet(a)
    expect([set.train.n, set.valid.n, set.test.n]).toEqual([216, 72, 72])
    // NIST framing: the ink box's longer side is resized to 26 px of 32, like page glyphs.
    let minRow = 32, maxRow = -1, minCol = 32, maxCol = -1
    for (let r = 0; r < 32; r++) for (let col = 0; col < 32; col++) if (set.train.x[r * 32 + col] < 0.5) { minRow = Math.min(minRow, r); maxRow = Math.max(maxRow, r); minCol = Math.min(minCol, col); maxCol = Math.max(maxCol, col) }
    expect(Math.max(maxRow - minRow, maxCol - minCol) + 1).toBeGreaterThanOrEqual(24)
  })

  it('says where it looked when the files are missing, and writes nothing', async () => {
    const empty = join(work, 'empty')
    mkdirSync(empty)
    const out = join(work, 'never')
    await expect(importEmnist(empty, out, { split: 'balanced' })).rejects.toThrow(IdxFormatError)
    await expect(importEmnist(empty, out, { split: 'balanced' })).rejects.toThrow(/not found in .*gzip\.zip \(glyphdesk data fetch emnist/)
    expect(existsSync(out)).toBe(false)
    expect(readdirSync(work).filter((f) => f.startsWith('.never-'))).toEqual([])
  })

  it('runs as `glyphdesk data import emnist` and the result trains an MLP', () => {
    const out = join(work, 'cli')
    const run = (...args: string[]) => spawnSync(process.execPath, [join(root, 'bin', 'glyphdesk.mjs'), ...args], { cwd: root, encoding: 'utf8', timeout: 120_000 })
    const r = run('data', 'import', 'emnist', src, '--split', 'balanced', '--out', out, '--seed', '2')
    expect(r.status, r.stderr).toBe(0)
    expect(r.stdout).toMatch(/train 288, valid 72, test 108 glyphs of 36 classes \(143 EMNIST glyphs of classes Glyphdesk does not have were left out\)/)
    const t = run('train', 'mlp', '--data', out, '--out', join(work, 'mlp'), '--epochs', '2', '--seed', '1')
    expect(t.status, t.stderr).toBe(0)
    const bad = run('data', 'import', 'emnist', src, '--split', 'kanji', '--out', join(work, 'x'))
    expect(bad.status).toBe(2)
    expect(bad.stderr).toMatch(/--split must be one of byclass, bymerge, balanced, digits, letters, mnist/)
  })
})

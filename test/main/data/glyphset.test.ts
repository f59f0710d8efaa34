import { describe, it, expect, beforeAll, afterAll } from 'vitest'
import { readFileSync, existsSync } from 'node:fs'
import { mkdtemp, rm, copyFile, readdir, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { spawnSync } from 'node:child_process'
import {
  readGlyphFile,
  readGlyphSet,
  readGlyphSetMadeBy,
  writeGlyphSet,
  subset,
  concat,
  GlyphSetError,
  type LabelledGlyphs
} from '../../../src/main/data/glyphset.ts'
import { glyphGridPng } from '../../../src/main/data/grid.ts'
import { readMat } from '../../../src/main/data/mat.ts'
import { classIndex } from '../../../src/shared/classes.ts'

const FIX = join(import.meta.dirname, '../../fixtures')
const MAT = join(FIX, 'mat')
const MINI = join(FIX, 'nist26-mini/nist26_mini_valid.mat')
const expected = JSON.parse(readFileSync(join(MAT, 'glyphs_expected.json'), 'utf8')) as {
  glyphs_row_major: number[][]
  labels: number[]
}
const PY = '/usr/bin/python3'
const hasScipy = existsSync(PY) && spawnSync(PY, ['-c', 'import scipy.io'], { encoding: 'utf8' }).status === 0

const px = (g: LabelledGlyphs, i: number, r: number, c: number): number => g.x[i * 1024 + r * 32 + c]
/** Mean ink (1 − value) over rows r0..r1-1 and columns c0..c1-1 of every glyph in idx. */
function meanInk(g: LabelledGlyphs, idx: number[], r0: number, r1: number, c0: number, c1: number): number {
  let s = 0,
    k = 0
  for (const i of idx)
    for (let r = r0; r < r1; r++)
      for (let c = c0; c < c1; c++) {
        s += 1 - px(g, i, r, c)
        k++
      }
  return s / k
}
const ofClass = (g: LabelledGlyphs, ch: string): number[] =>
  [...g.y].flatMap((y, i) => (y === classIndex(ch) ? [i] : []))

describe('readGlyphFile', () => {
  it.each(['glyphs_compressed.mat', 'glyphs_uncompressed.mat'])(
    'turns each column-major glyph row into an upright row-major glyph (%s)',
    async (f) => {
      const g = await readGlyphFile(join(MAT, f))
      expect(g.n).toBe(2)
      expect(g.split).toBe('train')
      expect(g.fileClasses).toBe(36)
      expect([...g.y]).toEqual(expected.labels)
      expect([...g.x]).toEqual(expected.glyphs_row_major.flat())
    }
  )

  it('puts the ink of the fixture "L" in the left column and the bottom row', async () => {
    const g = await readGlyphFile(join(MAT, 'glyphs_compressed.mat'))
    expect(meanInk(g, [0], 3, 29, 4, 8)).toBe(1) // vertical bar, left
    expect(meanInk(g, [0], 25, 29, 4, 25)).toBe(1) // foot, bottom
    expect(meanInk(g, [0], 3, 20, 20, 32)).toBeLessThan(0.01) // top right is empty
    expect(px(g, 0, 10, 20)).toBe(0.25) // the marker pixel is at row 10, column 20, not transposed
    // The arrow points up: its head (wide) is above its shaft.
    expect(meanInk(g, [1], 4, 12, 0, 32)).toBeGreaterThan(meanInk(g, [1], 20, 28, 0, 32))
    expect(px(g, 1, 0, 31)).toBe(0.75)
  })

  it('maps a 26-class letters-only file onto indices 0..25 of the 36', async () => {
    const g = await readGlyphFile(join(MAT, 'letters26_valid.mat'))
    expect(g.fileClasses).toBe(26)
    expect(g.split).toBe('valid')
    expect([...g.y]).toEqual([classIndex('L'), classIndex('A')])
  })

  it('rejects label rows that are not one-hot, naming the row', async () => {
    await expect(readGlyphFile(join(MAT, 'not_one_hot.mat'))).rejects.toThrow(
      /not_one_hot\.mat: test_labels row 1 is not one-hot \(column 3 = 1, column 26 = 1\)/
    )
  })

  it('rejects glyph rows that are not 1024 wide', async () => {
    await expect(readGlyphFile(join(MAT, 'wrong_width.mat'))).rejects.toThrow(
      /wrong_width\.mat: test_data is 2×1000; expected n×1024/
    )
  })

  it('says which variables a file has when it has no <split>_data/<split>_labels pair', async () => {
    await expect(readGlyphFile(join(MAT, 'mixed_le.mat'))).rejects.toThrow(
      /no <split>_data \/ <split>_labels pair.*variables: dbl_as_u8/
    )
  })
})

describe('real NIST26 letters (test/fixtures/nist26-mini)', () => {
  let g: LabelledGlyphs & { fileClasses: number }
  beforeAll(async () => {
    g = await readGlyphFile(MINI)
  })

  it('holds 3 glyphs of each of the 26 letters', () => {
    expect(g.n).toBe(78)
    expect(g.fileClasses).toBe(26)
    for (let k = 0; k < 26; k++) expect([...g.y].filter((y) => y === k).length).toBe(3)
  })

  it('has NIST polarity: light background, dark ink', () => {
    let sum = 0
    for (const v of g.x) sum += v
    expect(sum / g.x.length).toBeGreaterThan(0.7)
    // corners are background
    const corners = [...g.y.keys()].map((i) => px(g, i, 0, 0) + px(g, i, 0, 31) + px(g, i, 31, 0) + px(g, i, 31, 31))
    expect(corners.reduce((a, b) => a + b) / (4 * g.n)).toBeGreaterThan(0.95)
  })

  it('decodes letters upright: T is heavy on top, L on the left and bottom, J on the right', () => {
    const T = ofClass(g, 'T'),
      L = ofClass(g, 'L'),
      J = ofClass(g, 'J')
    expect(meanInk(g, T, 0, 8, 0, 32)).toBeGreaterThan(meanInk(g, T, 24, 32, 0, 32))
    expect(meanInk(g, L, 0, 32, 0, 16)).toBeGreaterThan(meanInk(g, L, 0, 32, 16, 32))
    expect(meanInk(g, L, 16, 32, 0, 32)).toBeGreaterThan(meanInk(g, L, 0, 16, 0, 32))
    // the hook of J is at the bottom left, its stem right of centre
    expect(meanInk(g, J, 8, 24, 16, 32)).toBeGreaterThan(meanInk(g, J, 8, 24, 0, 16))
  })
})

describe('writeGlyphSet / readGlyphSet', () => {
  let dir: string
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'gd-glyphs-'))
  })
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true })
  })

  function sample(n: number, seed: number): LabelledGlyphs {
    const x = new Float32Array(n * 1024)
    for (let i = 0; i < x.length; i++) x[i] = ((i * 7919 + seed * 104729) % 1000) / 999 // exact in float32 → double
    const y = Uint8Array.from({ length: n }, (_, i) => (i * 5 + seed) % 36)
    return { x, y, n }
  }

  it('round-trips all three splits through the coursework layout', async () => {
    const splits = { train: sample(5, 1), valid: sample(3, 2), test: sample(2, 3) }
    await writeGlyphSet(join(dir, 'rt'), 'mine', splits)
    expect((await readdir(join(dir, 'rt'))).sort()).toEqual(['mine_test.mat', 'mine_train.mat', 'mine_valid.mat'])
    const set = await readGlyphSet(join(dir, 'rt'))
    expect(set.name).toBe('mine')
    for (const s of ['train', 'valid', 'test'] as const) {
      expect(set[s].n).toBe(splits[s].n)
      expect([...set[s].y]).toEqual([...splits[s].y])
      expect(set[s].x).toEqual(splits[s].x)
    }
  })

  it('writes NIST-style keys and types: <split>_data n×1024 double, <split>_labels n×36 uint8 one-hot', async () => {
    const m = await readMat(join(dir, 'rt/mine_train.mat'))
    expect(m.variables.get('train_data')!.class).toBe('double')
    expect(m.variables.get('train_data')!.dims).toEqual([5, 1024])
    expect(m.variables.get('train_labels')!.class).toBe('uint8')
    expect(m.variables.get('train_labels')!.dims).toEqual([5, 36])
  })

  it('stores glyphs column-major, as scipy/MATLAB users expect', async () => {
    if (!hasScipy) {
      console.warn(`SKIPPED scipy orientation check: ${PY} with scipy not available`)
      return
    }
    // An "L" written by Glyphdesk must come out of scipy as an L after reshape(32,32,order='F').
    const x = new Float32Array(1024).fill(1)
    for (let r = 3; r < 29; r++) for (let c = 4; c < 8; c++) x[r * 32 + c] = 0
    const splits = {
      train: { x, y: Uint8Array.of(11), n: 1 },
      valid: { x, y: Uint8Array.of(11), n: 1 },
      test: { x, y: Uint8Array.of(11), n: 1 }
    }
    await writeGlyphSet(join(dir, 'orient'), 'o', splits)
    const py = `
import sys, scipy.io
m = scipy.io.loadmat(sys.argv[1])
g = m['train_data'][0].reshape(32, 32, order='F')
print(int(g[10, 5] == 0), int(g[5, 10] == 1), int(m['train_labels'][0].argmax()), m['train_labels'].dtype)`
    const r = spawnSync(PY, ['-c', py, join(dir, 'orient/o_train.mat')], { encoding: 'utf8' })
    expect(r.stdout.trim()).toBe('1 1 11 uint8')
  })

  it('lists what is missing when a split file is absent', async () => {
    await copyFile(join(dir, 'rt/mine_train.mat'), join(dir, 'nist36_train.mat'))
    await copyFile(join(dir, 'rt/mine_test.mat'), join(dir, 'nist36_test.mat'))
    const err = await readGlyphSet(dir).catch((e: unknown) => e)
    expect(err).toBeInstanceOf(GlyphSetError)
    expect((err as Error).message).toMatch(
      /no complete glyph set.*nist36 \(has train, test; missing nist36_valid\.mat\)/
    )
  })

  it('says so when a directory has no glyph files at all', async () => {
    const empty = join(dir, 'empty')
    await writeGlyphSet(join(dir, 'x'), 'x', { train: sample(1, 0), valid: sample(1, 0), test: sample(1, 0) }) // unrelated dir
    await rm(join(dir, 'x'), { recursive: true })
    await (await import('node:fs/promises')).mkdir(empty)
    await writeFile(join(empty, 'readme.txt'), 'nothing here')
    await expect(readGlyphSet(empty)).rejects.toThrow(/No NAME_<split>\.mat files found/)
  })
})

describe('subset and concat', () => {
  const g: LabelledGlyphs = {
    x: Float32Array.from({ length: 3 * 1024 }, (_, i) => Math.floor(i / 1024)),
    y: Uint8Array.of(4, 5, 6),
    n: 3
  }
  it('subset copies the chosen glyphs in the given order', () => {
    const s = subset(g, [2, 0, 2])
    expect(s.n).toBe(3)
    expect([...s.y]).toEqual([6, 4, 6])
    expect([s.x[0], s.x[1024], s.x[2048 + 1023]]).toEqual([2, 0, 2])
    expect(() => subset(g, [3])).toThrow(/index 3 out of range/)
  })
  it('concat appends sets in order', () => {
    const c = concat(g, subset(g, [1]))
    expect(c.n).toBe(4)
    expect([...c.y]).toEqual([4, 5, 6, 5])
    expect(c.x[3 * 1024]).toBe(1)
    expect(concat().n).toBe(0)
  })
})

describe('glyphGridPng', () => {
  it('renders the mini set as a PNG grid of the expected size', async () => {
    const g = await readGlyphFile(MINI)
    const png = await glyphGridPng(g.x, g.n, 13, { scale: 2, gap: 2 })
    expect(png.subarray(1, 4).toString('latin1')).toBe('PNG')
    const sharp = (await import('sharp')).default
    const meta = await sharp(png).metadata()
    expect([meta.width, meta.height]).toEqual([13 * 64 + 14 * 2, 6 * 64 + 7 * 2])
    if (process.env.GLYPHDESK_GRID_OUT) await writeFile(process.env.GLYPHDESK_GRID_OUT, png)
  })

  it('clamps values to [0,1] and upscales by nearest neighbour', async () => {
    const x = new Float32Array(4).fill(0)
    x[0] = -0.2
    x[1] = 1.3
    x[2] = 0.5
    const png = await glyphGridPng(x, 1, 1, { size: 2, scale: 2, gap: 0 })
    const sharp = (await import('sharp')).default
    expect((await sharp(png).metadata()).channels).toBe(1)
    const { data, info } = await sharp(png).extractChannel(0).raw().toBuffer({ resolveWithObject: true })
    expect([info.width, info.height, info.channels]).toEqual([4, 4, 1])
    expect([...data]).toEqual([0, 0, 255, 255, 0, 0, 255, 255, 128, 128, 0, 0, 128, 128, 0, 0])
  })
})

describe("readGlyphSetMadeBy (a glyph set's manifest.json)", () => {
  let dir: string
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'glyphdesk-madeby-'))
  })
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true })
  })

  it('reads command, seed and version of a synthetic set and ignores the rest of the file', () => {
    expect(readGlyphSetMadeBy(join(FIX, 'synth-mini'))).toEqual({
      command: 'glyphdesk data synth --out test/fixtures/synth-mini --per-class 10 --seed 7',
      seed: 7,
      glyphdeskVersion: '0.1.0'
    })
  })

  it("is undefined for a set without a manifest (the coursework's)", () => {
    expect(readGlyphSetMadeBy(join(FIX, 'nist26-mini'))).toBeUndefined()
  })

  it('names the wrong field, and refuses a file that is not JSON', async () => {
    await writeFile(join(dir, 'manifest.json'), JSON.stringify({ command: 'x', seed: 'seven' }))
    expect(() => readGlyphSetMadeBy(dir)).toThrow(GlyphSetError)
    expect(() => readGlyphSetMadeBy(dir)).toThrow(/seed/)
    await writeFile(join(dir, 'manifest.json'), '{ not json')
    expect(() => readGlyphSetMadeBy(dir)).toThrow(/is not valid JSON/)
  })
})

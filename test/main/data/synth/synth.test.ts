import { describe, expect, it } from 'vitest'
import {
  evalFonts,
  measureGlyphs,
  synthesiseEvalSet,
  synthesiseGlyphSet,
  trainingFonts,
  writeSynthSet
} from '../../../../src/main/data/synth/index.ts'
import { scanFonts } from '../../../../src/main/data/synth/fonts.ts'
import { readGlyphSet } from '../../../../src/main/data/glyphset.ts'
import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

const RESERVED = /humor sans|comic neue/i
const small = { train: 2, valid: 1, test: 1 }

describe('synthesis fonts', () => {
  it('never offers the reserved evaluation families for training', () => {
    const fonts = trainingFonts()
    expect(fonts.length).toBeGreaterThan(10)
    expect(fonts.filter((f) => RESERVED.test(f.family) || RESERVED.test(f.file))).toEqual([])
    expect(new Set(fonts.map((f) => f.family)).size).toBeGreaterThanOrEqual(8)
  })

  it('offers only the reserved families for evaluation', () => {
    const fonts = evalFonts()
    expect(fonts.length).toBeGreaterThan(0)
    expect(fonts.every((f) => RESERVED.test(f.family))).toBe(true)
  })

  it('reads family, style and class coverage from the font files themselves', () => {
    const dejavu = scanFonts().find((f) => f.file.endsWith('DejaVuSans-Bold.ttf'))
    expect(dejavu).toMatchObject({
      family: 'DejaVu Sans',
      style: 'Bold',
      covers: 'ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789'
    })
  })

  it('tells the user to run install-fonts.sh when no fonts are found', () => {
    expect(() => trainingFonts('/nonexistent-font-root')).toThrow(/scripts\/install-fonts\.sh/)
  })
})

describe('synthesiseGlyphSet', () => {
  it('is deterministic for a seed and differs between seeds', async () => {
    const a = await synthesiseGlyphSet({ perClass: small, seed: 11 })
    const b = await synthesiseGlyphSet({ perClass: small, seed: 11 })
    const c = await synthesiseGlyphSet({ perClass: small, seed: 12 })
    expect(Buffer.from(b.train.x.buffer).equals(Buffer.from(a.train.x.buffer))).toBe(true)
    expect(Buffer.from(b.test.x.buffer).equals(Buffer.from(a.test.x.buffer))).toBe(true)
    expect(Buffer.from(c.train.x.buffer).equals(Buffer.from(a.train.x.buffer))).toBe(false)
  })

  it('balances the 36 classes and shapes each split n×1024', async () => {
    const s = await synthesiseGlyphSet({ perClass: { train: 3, valid: 2, test: 1 }, seed: 2 })
    for (const [split, per] of [
      ['train', 3],
      ['valid', 2],
      ['test', 1]
    ] as const) {
      const g = s[split]
      expect(g.n).toBe(36 * per)
      expect(g.x.length).toBe(g.n * 1024)
      const counts = new Array(36).fill(0)
      for (const y of g.y) counts[y]++
      expect(counts).toEqual(new Array(36).fill(per))
      let lo = Infinity,
        hi = -Infinity
      for (const v of g.x) {
        lo = Math.min(lo, v)
        hi = Math.max(hi, v)
      }
      expect(lo).toBeGreaterThanOrEqual(-0.2)
      expect(hi).toBeLessThanOrEqual(1.2)
    }
    expect(s.manifest.counts).toEqual({ train: 108, valid: 72, test: 36 })
  })

  it('does not repeat glyphs across splits', async () => {
    const s = await synthesiseGlyphSet({ perClass: small, seed: 3 })
    const key = (x: Float32Array, i: number): string => Buffer.from(x.buffer, i * 4096, 4096).toString('base64')
    const train = new Set(Array.from({ length: s.train.n }, (_, i) => key(s.train.x, i)))
    for (let i = 0; i < s.valid.n; i++) expect(train.has(key(s.valid.x, i))).toBe(false)
  })

  it('looks like real NIST glyphs in size, ink and stroke width', async () => {
    const s = await synthesiseGlyphSet({ perClass: { train: 8, valid: 1, test: 1 }, seed: 5 })
    const st = measureGlyphs(s.train.x, s.train.n)
    expect(st.longerSide.p50).toBeGreaterThanOrEqual(22)
    expect(st.longerSide.p50).toBeLessThanOrEqual(30)
    expect(st.inkFraction).toBeGreaterThan(0.08)
    expect(st.inkFraction).toBeLessThan(0.25)
    expect(st.strokeWidth.p50).toBeGreaterThan(2.6)
    expect(st.strokeWidth.p50).toBeLessThan(4.2)
    expect(st.values.min).toBeLessThan(0) // ringing like NIST's resampling
    expect(st.values.max).toBeGreaterThan(1)
  })
})

describe('synthesiseEvalSet', () => {
  it('draws only from the reserved fonts', async () => {
    const e = await synthesiseEvalSet({ perClass: 1, seed: 1 })
    expect(e.glyphs.n).toBe(36)
    expect(e.manifest.fonts.every((f) => RESERVED.test(f.family))).toBe(true)
  })
})

describe('writeSynthSet', () => {
  it('writes synth_{train,valid,test}.mat, manifest.json and README.md that read back', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'glyphdesk-synth-'))
    try {
      const m = await writeSynthSet(dir, { perClass: small, seed: 4, command: 'test' })
      const set = await readGlyphSet(dir)
      expect(set.train.n).toBe(72)
      const manifest = JSON.parse(await readFile(join(dir, 'manifest.json'), 'utf8'))
      expect(manifest).toMatchObject({ seed: 4, command: 'test', counts: { train: 72, valid: 36, test: 36 } })
      expect(manifest.fonts.length).toBe(m.fonts.length)
      expect(manifest.glyphdeskVersion).toMatch(/^\d+\.\d+\.\d+/)
      expect(await readFile(join(dir, 'README.md'), 'utf8')).toMatch(/real nist26/)
    } finally {
      await rm(dir, { recursive: true, force: true })
    }
  })
})

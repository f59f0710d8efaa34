import { describe, expect, it } from 'vitest'
import { scanFonts, trainingFonts, type FontStyle } from '../../../../src/main/data/synth/fonts.ts'
import { DEFAULT_AUGMENT, GlyphRenderer } from '../../../../src/main/data/synth/render.ts'
import { glyphShape, handwrittenLookalikeFonts, lookalikeConflict } from '../../../../src/main/data/synth/lookalikes.ts'
import { synthesiseGlyphSet } from '../../../../src/main/data/synth/index.ts'
import { Rng } from '../../../../src/main/nn/rng.ts'
import { CLASSES } from '../../../../src/shared/classes.ts'
import { glyphInkBox } from '../../helpers/glyphInk.ts'

const font = (suffix: string): FontStyle => {
  const f = scanFonts().find((s) => s.file.endsWith(suffix))
  if (!f) throw new Error(`font ${suffix} is not installed (scripts/install-fonts.sh)`)
  return f
}

/** Ink-box width ÷ height of a 32×32 glyph (ink < 0.5). */
function inkAspect(g: Float32Array): number {
  const b = glyphInkBox(g)
  return (b.x1 - b.x0 + 1) / (b.y1 - b.y0 + 1)
}

function medianAspect(ch: string, f: FontStyle, n = 40, r = new GlyphRenderer()): number {
  const rng = new Rng(5)
  const out = new Float32Array(1024)
  const a: number[] = []
  for (let i = 0; i < n; i++) {
    r.render(ch, f, rng, out)
    a.push(inkAspect(out))
  }
  return a.sort((p, q) => p - q)[n >> 1]
}

describe('look-alikes drawn as hands draw them', () => {
  it('measures a serifed I as barred and a sans I as a plain bar', () => {
    const mono = glyphShape(font('LiberationMono-Regular.ttf'), 'I')!
    const sans = glyphShape(font('LiberationSans-Regular.ttf'), 'I')!
    expect(Math.max(mono.topSpan, mono.bottomSpan)).toBeGreaterThan(3 * mono.midSpan)
    expect(sans.topSpan).toBeLessThanOrEqual(sans.midSpan + 1)
    expect(sans.aspect).toBeLessThan(0.25)
    expect(lookalikeConflict(font('LiberationMono-Regular.ttf'), 'I')).toBeNull()
    expect(lookalikeConflict(font('LiberationSans-Regular.ttf'), 'I')).toMatch(/without bars/)
    // A slanted plain bar is still a plain bar.
    expect(lookalikeConflict(font('LiberationSans-Italic.ttf'), 'I')).toMatch(/without bars/)
  })

  it('keeps the 0 and O of a font whose 0 is narrower, and drops them where the 0 is wider', () => {
    const sans = font('LiberationSans-Regular.ttf')
    expect(glyphShape(sans, '0')!.aspect).toBeLessThan(glyphShape(sans, 'O')!.aspect)
    expect(lookalikeConflict(sans, '0')).toBeNull()
    expect(lookalikeConflict(sans, 'O')).toBeNull()
    const wideZero = trainingFonts().find((f) => glyphShape(f, '0')!.aspect > 1.05 * glyphShape(f, 'O')!.aspect)
    expect(wideZero).toBeDefined()
    expect(lookalikeConflict(wideZero!, '0')).toMatch(/0 wider than O/)
    expect(lookalikeConflict(wideZero!, 'O')).toMatch(/0 wider than O/)
    // Other classes are never touched.
    for (const ch of 'ABZ25SG68') expect(lookalikeConflict(wideZero!, ch)).toBeNull()
  })

  it('marks plain-bar I fonts for bars and takes 0/O only out of the fonts that contradict handwriting', () => {
    const before = trainingFonts()
    const { fonts, changes } = handwrittenLookalikeFonts(before)
    expect(fonts).toHaveLength(before.length)
    for (let i = 0; i < fonts.length; i++) {
      const conflictI = lookalikeConflict(before[i], 'I') !== null
      expect(fonts[i].barI === true).toBe(conflictI)
      expect(fonts[i].covers.includes('I')).toBe(before[i].covers.includes('I'))
      const zeroOut = lookalikeConflict(before[i], '0') !== null
      expect(fonts[i].covers.includes('0')).toBe(before[i].covers.includes('0') && !zeroOut)
      expect(fonts[i].covers.includes('O')).toBe(before[i].covers.includes('O') && !zeroOut)
      // Every other class is as the font has it.
      expect(fonts[i].covers.replace(/[0O]/g, '')).toBe(before[i].covers.replace(/[0O]/g, ''))
    }
    expect(changes.filter((c) => c.change === 'bars drawn').length).toBe(fonts.filter((f) => f.barI).length)
    // Every class still has a font to be drawn from.
    for (const ch of CLASSES) expect(fonts.some((f) => f.covers.includes(ch))).toBe(true)
    // 'i-bars': the same bars, every class kept.
    const bars = handwrittenLookalikeFonts(before, 'i-bars')
    expect(bars.fonts.map((f) => f.covers)).toEqual(before.map((f) => f.covers))
    expect(bars.fonts.map((f) => f.barI === true)).toEqual(fonts.map((f) => f.barI === true))
    expect(bars.changes.every((c) => c.change === 'bars drawn')).toBe(true)
  })

  it('draws bars on a plain-bar I: the rendered glyph becomes about as wide as a written I', () => {
    const sans = font('LiberationSans-Regular.ttf')
    const plain = medianAspect('I', sans)
    const barred = medianAspect('I', { ...sans, barI: true })
    expect(plain).toBeLessThan(0.4)
    expect(barred).toBeGreaterThan(0.55)
    // The 1 of the same font is untouched by the flag.
    expect(medianAspect('1', { ...sans, barI: true })).toBeCloseTo(medianAspect('1', sans), 5)
    // On a share of the I's only: none, and about half.
    const share = (p: number) => new GlyphRenderer({ ...DEFAULT_AUGMENT, bars: { ...DEFAULT_AUGMENT.bars!, p } })
    const aspects = (p: number) => {
      const r = share(p),
        rng = new Rng(9),
        out = new Float32Array(1024)
      return Array.from({ length: 60 }, () => (r.render('I', { ...sans, barI: true }, rng, out), inkAspect(out)))
    }
    expect(aspects(0).filter((a) => a > 0.5)).toHaveLength(0)
    expect(aspects(1).filter((a) => a > 0.5).length).toBeGreaterThan(55)
    const half = aspects(0.5).filter((a) => a > 0.5).length
    expect(half).toBeGreaterThan(15)
    expect(half).toBeLessThan(45)
  })

  it('records the changes in the manifest only when asked, and stays deterministic', async () => {
    const small = { train: 2, valid: 1, test: 1 }
    const plain = await synthesiseGlyphSet({ perClass: small, seed: 4 })
    const a = await synthesiseGlyphSet({ perClass: small, seed: 4, handwrittenLookalikes: 'hand' })
    const b = await synthesiseGlyphSet({ perClass: small, seed: 4, handwrittenLookalikes: 'hand' })
    expect(plain.manifest.lookalikes).toBeUndefined()
    expect(a.manifest.lookalikes?.rule).toBe('hand')
    expect(a.manifest.lookalikes!.changes.length).toBeGreaterThan(0)
    expect(Buffer.from(a.train.x.buffer).equals(Buffer.from(b.train.x.buffer))).toBe(true)
    expect(Buffer.from(a.train.x.buffer).equals(Buffer.from(plain.train.x.buffer))).toBe(false)
  })
})

describe('glyphdesk data synth --lookalikes', () => {
  it('refuses an unknown rule, and a bar share without a rule that draws bars', async () => {
    const { dataCommand } = await import('../../../../src/main/cli/data.ts')
    await expect(dataCommand(['synth', '--out', 'unused', '--lookalikes', 'serif'])).rejects.toThrow(
      /--lookalikes must be fonts, i-bars or hand/
    )
    await expect(dataCommand(['synth', '--out', 'unused', '--bar-share', '0.5'])).rejects.toThrow(
      /--bar-share needs --lookalikes/
    )
    await expect(
      dataCommand(['synth', '--out', 'unused', '--lookalikes', 'i-bars', '--bar-share', '2'])
    ).rejects.toThrow(/bar-share/)
  })
})

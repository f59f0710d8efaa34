// Look-alike pairs drawn as hands draw them. Fonts draw some look-alikes the opposite way from the
// handwriting Glyphdesk reads: most sans and several handwriting fonts draw the capital I as a plain
// bar, the shape real writers give the digit 1, and some draw a 0 wider than their O. Measured on the
// real sets (docs/MODELS.md, "Real handwritten digits"; training/aspect_stats.py): real NIST I's
// carry bars (ink-box width ÷ height median 1.00) while real 1's are bars (0.38), and real 0's are
// narrower than real O's (0.85 against 0.94). With `handwrittenLookalikes`, a training font's I without
// bars is drawn with bars added (GlyphRenderer, `FontStyle.barI`), and the 0 and O of a font whose 0 is
// wider than its O are not used. The rules look at each font's own outline, never at an evaluation set.
import { createCanvas } from '@napi-rs/canvas'
import { fontAlias } from './fontAlias.ts'
import type { FontStyle } from './fonts.ts'

/** The outline of one character of a font, upright and untransformed. */
export interface GlyphShape {
  /** Ink-box width ÷ height. */
  aspect: number
  /** Widest ink row span in the top and bottom 12% of the ink box, and the median span of its middle fifth, px. */
  topSpan: number
  bottomSpan: number
  midSpan: number
  /** Ink-box height, px, and the centre of the ink in its top and bottom 12% against the ink box's centre, px. */
  height: number
  topX: number
  bottomX: number
}

const SIDE = 160
const PX = 96
const shapes = new Map<string, GlyphShape | null>()

/** `ch` of `font` rendered once at 96 px and measured; null when the font draws no ink for it. */
export function glyphShape(font: Pick<FontStyle, 'file'>, ch: string): GlyphShape | null {
  const key = font.file + '\u0000' + ch
  if (shapes.has(key)) return shapes.get(key)!
  const alias = fontAlias(font.file)
  const ctx = createCanvas(SIDE, SIDE).getContext('2d')
  ctx.font = `${PX}px "${alias}"`
  ctx.fillStyle = '#000'
  ctx.textBaseline = 'middle'
  ctx.textAlign = 'center'
  ctx.fillText(ch, SIDE / 2, SIDE / 2)
  const a = ctx.getImageData(0, 0, SIDE, SIDE).data
  const rows: [number, number][] = []
  let y0 = -1,
    y1 = -1,
    x0 = SIDE,
    x1 = -1
  for (let y = 0; y < SIDE; y++) {
    let l = -1,
      r = -1
    for (let x = 0; x < SIDE; x++)
      if (a[4 * (y * SIDE + x) + 3] >= 128) {
        if (l < 0) l = x
        r = x
      }
    rows.push([l, r])
    if (l >= 0) {
      if (y0 < 0) y0 = y
      y1 = y
      if (l < x0) x0 = l
      if (r > x1) x1 = r
    }
  }
  let shape: GlyphShape | null = null
  if (y0 >= 0) {
    const h = y1 - y0 + 1
    const band = Math.max(1, Math.round(0.12 * h))
    const span = (y: number) => (rows[y][0] < 0 ? 0 : rows[y][1] - rows[y][0] + 1)
    const centre = (y: number) => (rows[y][0] + rows[y][1]) / 2
    let top = 0,
      bottom = 0,
      topX = 0,
      bottomX = 0,
      nt = 0,
      nb = 0
    for (let i = 0; i < band; i++) {
      top = Math.max(top, span(y0 + i))
      bottom = Math.max(bottom, span(y1 - i))
      if (rows[y0 + i][0] >= 0) {
        topX += centre(y0 + i)
        nt++
      }
      if (rows[y1 - i][0] >= 0) {
        bottomX += centre(y1 - i)
        nb++
      }
    }
    const mid = (x0 + x1) / 2
    const mids: number[] = []
    for (let y = y0 + Math.round(0.4 * h); y <= y0 + Math.round(0.6 * h); y++) mids.push(span(y))
    mids.sort((p, q) => p - q)
    shape = {
      aspect: (x1 - x0 + 1) / h,
      topSpan: top,
      bottomSpan: bottom,
      midSpan: mids[mids.length >> 1],
      height: h,
      topX: nt ? topX / nt - mid : 0,
      bottomX: nb ? bottomX / nb - mid : 0
    }
  }
  shapes.set(key, shape)
  return shape
}

/** Why a class of a font is left out under `handwrittenLookalikes`, or null when it is kept. */
export function lookalikeConflict(font: Pick<FontStyle, 'file' | 'covers'>, ch: string): string | null {
  if (ch === 'I') {
    const s = glyphShape(font, 'I')
    // Bars: a top or bottom row at least twice as wide as the stem (a slanted plain bar's rows are not).
    if (s && Math.max(s.topSpan, s.bottomSpan) < 2 * s.midSpan) return 'I without bars (the shape of a written 1)'
  }
  if ((ch === '0' || ch === 'O') && font.covers.includes('0') && font.covers.includes('O')) {
    const zero = glyphShape(font, '0'),
      o = glyphShape(font, 'O')
    if (zero && o && zero.aspect > 1.05 * o.aspect)
      return `0 wider than O (${zero.aspect.toFixed(2)} against ${o.aspect.toFixed(2)})`
  }
  return null
}

export interface LookalikeChange {
  family: string
  style: string
  char: string
  change: 'bars drawn' | 'left out'
  why: string
}

/**
 * Training fonts as handwriting draws the look-alikes: an I without bars gets them drawn (`barI`), a 0 or O that
 * contradicts handwriting is left out of `covers`; and what was changed (for the set's manifest).
 */
export function handwrittenLookalikeFonts(
  fonts: readonly FontStyle[],
  rules: 'hand' | 'i-bars' = 'hand'
): {
  fonts: FontStyle[]
  changes: LookalikeChange[]
} {
  const changes: LookalikeChange[] = []
  const out = fonts.map((f) => {
    let covers = ''
    let barI = false
    for (const ch of f.covers) {
      const why = rules === 'i-bars' && ch !== 'I' ? null : lookalikeConflict(f, ch)
      if (why && ch === 'I') {
        barI = true
        changes.push({ family: f.family, style: f.style, char: ch, change: 'bars drawn', why })
        covers += ch
      } else if (why) changes.push({ family: f.family, style: f.style, char: ch, change: 'left out', why })
      else covers += ch
    }
    return barI ? { ...f, covers, barI } : { ...f, covers }
  })
  return { fonts: out, changes }
}

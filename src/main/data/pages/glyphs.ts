// Ink bitmaps of single characters for the generated pages. Evaluation pages take them from sources no shipped
// model trained on: the reserved fonts (Humor Sans, Comic Neue) drawn at page size with a hand's jitter, and the
// real NIST26 letters the models' cards leave out (every glyph of a class after the first `skipPerClass`).
// Training pages (`data pages --glyphs training`) take them from the training fonts and only the first
// `skipPerClass` NIST26 letters of each class (`onlySkipped`), the ones the models already train on.
import { createCanvas, type SKRSContext2D } from '@napi-rs/canvas'
import type { Rng } from '../../nn/rng.ts'
import type { FontStyle } from '../synth/fonts.ts'
import { fontAlias } from '../synth/fontAlias.ts'
import { CLASS_INDEX, GLYPH_PIXELS, NUM_CLASSES } from '../../../shared/classes.ts'

/** Ink amount 0..1, row-major; `baseline` is the row the character stands on (may lie inside for Q's tail). */
export interface InkBitmap {
  w: number
  h: number
  ink: Float32Array
  baseline: number
  /** What drew it: a font's family and style, "nist26#<index>" or "digits#<index>" (`data pages --digits`). */
  source: string
}

const FONT_PX = 100

/** Draws characters of one font at a given cap height with small rotation, slant and size jitter. */
export class FontInk {
  private readonly ctx: SKRSContext2D
  private readonly side: number
  private readonly capScale: number
  readonly name: string

  constructor(
    readonly font: FontStyle,
    readonly capHeight: number
  ) {
    this.side = Math.ceil(capHeight * 3.2)
    this.ctx = createCanvas(this.side, this.side).getContext('2d')
    this.ctx.font = `${FONT_PX}px "${fontAlias(font.file)}"`
    this.ctx.fillStyle = '#000'
    this.ctx.textBaseline = 'alphabetic'
    this.ctx.textAlign = 'center'
    const m = this.ctx.measureText('H')
    this.capScale = capHeight / Math.max(1, m.actualBoundingBoxAscent)
    this.name = `${font.family} ${font.style}`
  }

  draw(ch: string, rng: Rng): InkBitmap {
    const ctx = this.ctx,
      S = this.side
    const rot = (clip(rng.normal(0, 2), -5, 5) * Math.PI) / 180
    const slant = (clip(rng.normal(0, 4), -10, 10) * Math.PI) / 180
    const size = this.capScale * clip(rng.normal(1, 0.05), 0.88, 1.12)
    const aspect = Math.exp(rng.uniformIn(-0.08, 0.08))
    const baseY = S * 0.62
    ctx.setTransform(1, 0, 0, 1, 0, 0)
    ctx.clearRect(0, 0, S, S)
    ctx.translate(S / 2, baseY)
    ctx.rotate(rot)
    ctx.transform(1, 0, -Math.tan(slant), 1, 0, 0)
    ctx.scale(size * aspect, size / aspect)
    ctx.fillText(ch, 0, 0)
    const rgba = ctx.getImageData(0, 0, S, S).data
    const full = new Float32Array(S * S)
    for (let i = 0; i < S * S; i++) full[i] = rgba[4 * i + 3] / 255
    return cropInk(full, S, S, Math.round(baseY), 0.02, this.name)
  }
}

/**
 * Real handwritten glyphs from a NIST36-layout file (values 1 = paper, 0 = ink). `NistInk`: the NIST26 letters that
 * are not among the first `skipPerClass` of their class — or, for training pages (`onlySkipped`), exactly those
 * first ones (the glyphs the shipped models train on). `RealDigitInk`: every digit of such a file (`data pages
 * --digits`, e.g. the test part of `data import mnist`, which no shipped model trained on).
 */
export class NistInk {
  /** Per class (CLASSES order), the file indices that may be used. */
  readonly pool: number[][]

  constructor(
    private readonly x: Float32Array,
    y: Uint8Array,
    n: number,
    readonly skipPerClass: number,
    onlySkipped = false,
    /** The classes drawn from the file (CLASSES indices [from, to)): the letters by default. */
    classes: readonly [number, number] = [0, 26],
    /** How `source` names a glyph: `${label}#<index in the file>`. */
    private readonly label = 'nist26'
  ) {
    const seen = new Array<number>(NUM_CLASSES).fill(0)
    this.pool = Array.from({ length: NUM_CLASSES }, () => [])
    for (let i = 0; i < n; i++) {
      const c = y[i]
      if (c < classes[0] || c >= classes[1]) continue
      if (seen[c]++ >= skipPerClass !== onlySkipped) this.pool[c].push(i)
    }
  }

  has(ch: string): boolean {
    const c = CLASS_INDEX.get(ch)
    return c !== undefined && this.pool[c].length > 0
  }

  /** A glyph of class `ch` from the pool, scaled so its ink is `capHeight` tall (±5%). */
  draw(ch: string, capHeight: number, rng: Rng): InkBitmap {
    const list = this.pool[CLASS_INDEX.get(ch)!]
    const idx = list[rng.int(list.length)]
    const g = this.x.subarray(idx * GLYPH_PIXELS, (idx + 1) * GLYPH_PIXELS)
    const source = `${this.label}#${idx}`
    // Ink = 1 − value; the resampling ringing of the file (values a little outside 0..1) is cut off.
    const src = new Float32Array(GLYPH_PIXELS)
    let x0 = 32,
      y0 = 32,
      x1 = -1,
      y1 = -1
    for (let i = 0; i < GLYPH_PIXELS; i++) {
      const v = clip((0.92 - g[i]) / 0.72, 0, 1)
      src[i] = v
      if (v > 0.3) {
        const xx = i % 32,
          yy = (i / 32) | 0
        if (xx < x0) x0 = xx
        if (xx > x1) x1 = xx
        if (yy < y0) y0 = yy
        if (yy > y1) y1 = yy
      }
    }
    if (x1 < 0) return { w: 1, h: 1, ink: new Float32Array(1), baseline: 1, source }
    const scale = (capHeight * clip(rng.normal(1, 0.05), 0.88, 1.12)) / (y1 - y0 + 1)
    const pad = 1
    const w = Math.max(1, Math.round((x1 - x0 + 1 + 2 * pad) * scale))
    const h = Math.max(1, Math.round((y1 - y0 + 1 + 2 * pad) * scale))
    const ink = new Float32Array(w * h)
    for (let yy = 0; yy < h; yy++)
      for (let xx = 0; xx < w; xx++) {
        const sx = x0 - pad + (xx + 0.5) / scale - 0.5
        const sy = y0 - pad + (yy + 0.5) / scale - 0.5
        ink[yy * w + xx] = bilinear(src, 32, 32, sx, sy)
      }
    return cropInk(ink, w, h, h - Math.round(pad * scale), 0.05, source)
  }
}

/** Every digit of a NIST36-layout file, as `NistInk` draws them (sources named "digits#<index>"). */
export class RealDigitInk extends NistInk {
  constructor(x: Float32Array, y: Uint8Array, n: number) {
    super(x, y, n, 0, false, [26, 36], 'digits')
  }
}

/** Crops a bitmap to its ink (values above `floor`; lower ones are set to 0) and keeps the baseline row. */
export function cropInk(full: Float32Array, W: number, H: number, baseline: number, floor: number, source: string) {
  let x0 = W,
    y0 = H,
    x1 = -1,
    y1 = -1
  for (let y = 0; y < H; y++)
    for (let x = 0; x < W; x++) {
      const v = full[y * W + x]
      if (v > floor) {
        if (x < x0) x0 = x
        if (x > x1) x1 = x
        if (y < y0) y0 = y
        if (y > y1) y1 = y
      }
    }
  if (x1 < 0) return { w: 1, h: 1, ink: new Float32Array(1), baseline: 1, source }
  const w = x1 - x0 + 1,
    h = y1 - y0 + 1
  const ink = new Float32Array(w * h)
  for (let y = 0; y < h; y++)
    for (let x = 0; x < w; x++) {
      const v = full[(y + y0) * W + x + x0]
      ink[y * w + x] = v > floor ? v : 0
    }
  // The baseline of a glyph without descender is its ink bottom; rendering rounds it by a pixel or two.
  return { w, h, ink, baseline: Math.min(h, Math.max(1, baseline - y0)), source }
}

/**
 * The glyph as a felt-tip marker draws it: every stroke widened by `r` px on each side (the ink at each pixel the
 * most within a disk of radius `r`), on a bitmap grown by ⌈r⌉ each way so nothing is cut; the baseline moves with
 * it, so the glyph sits where it did.
 */
export function thicken(g: InkBitmap, r: number): InkBitmap {
  const p = Math.ceil(r)
  const w = g.w + 2 * p,
    h = g.h + 2 * p
  const offsets: [number, number][] = []
  for (let dy = -p; dy <= p; dy++)
    for (let dx = -p; dx <= p; dx++) if (dx * dx + dy * dy <= r * r) offsets.push([dx, dy])
  const ink = new Float32Array(w * h)
  for (let y = 0; y < h; y++)
    for (let x = 0; x < w; x++) {
      let m = 0
      for (const [dx, dy] of offsets) {
        const sx = x - p + dx,
          sy = y - p + dy
        if (sx < 0 || sy < 0 || sx >= g.w || sy >= g.h) continue
        const v = g.ink[sy * g.w + sx]
        if (v > m) m = v
      }
      ink[y * w + x] = m
    }
  return { ...g, w, h, ink, baseline: g.baseline + p }
}

/**
 * Erases a straight band of ink (a pen that skipped): the band's centre line passes near the glyph's
 * centre at a random angle. Returns the share of ink removed; tries a few bands until one cuts ink.
 */
export function breakStroke(g: InkBitmap, bandWidth: number, rng: Rng): number {
  let total = 0
  for (let i = 0; i < g.ink.length; i++) total += g.ink[i]
  if (total === 0) return 0
  for (let attempt = 0; attempt < 6; attempt++) {
    const theta = rng.uniform() * Math.PI
    const nx = Math.cos(theta),
      ny = Math.sin(theta)
    const cx = g.w * rng.uniformIn(0.35, 0.65),
      cy = g.h * rng.uniformIn(0.3, 0.7)
    let removed = 0
    for (let y = 0; y < g.h; y++)
      for (let x = 0; x < g.w; x++) {
        const d = Math.abs((x + 0.5 - cx) * nx + (y + 0.5 - cy) * ny)
        if (d < bandWidth / 2) removed += g.ink[y * g.w + x]
      }
    if (removed / total < 0.04 || removed / total > 0.3) continue
    for (let y = 0; y < g.h; y++)
      for (let x = 0; x < g.w; x++) {
        const d = Math.abs((x + 0.5 - cx) * nx + (y + 0.5 - cy) * ny)
        // A soft edge of one pixel, like a pen lifting.
        const keep = clip(d - bandWidth / 2 + 0.5, 0, 1)
        g.ink[y * g.w + x] *= keep
      }
    return removed / total
  }
  return 0
}

export function clip(v: number, lo: number, hi: number): number {
  return v < lo ? lo : v > hi ? hi : v
}

export function bilinear(src: Float32Array, W: number, H: number, x: number, y: number): number {
  const x0 = Math.floor(x),
    y0 = Math.floor(y)
  if (x0 < -1 || y0 < -1 || x0 >= W || y0 >= H) return 0
  const fx = x - x0,
    fy = y - y0
  const at = (xx: number, yy: number) => (xx >= 0 && yy >= 0 && xx < W && yy < H ? src[yy * W + xx] : 0)
  return (
    (1 - fy) * ((1 - fx) * at(x0, y0) + fx * at(x0 + 1, y0)) +
    fy * ((1 - fx) * at(x0, y0 + 1) + fx * at(x0 + 1, y0 + 1))
  )
}

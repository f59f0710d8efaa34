// Draws one synthetic handwritten character: a font glyph rendered large with @napi-rs/canvas,
// bent the way pens and phone photos bend letters, then passed through the same
// normaliseGlyph the page pipeline uses, so synthetic and real crops share their geometry.
//
// Order: (canvas) rotation, slant, aspect → (96×96 raster) elastic distortion, photo-like
// paper/ink levels and sensor noise, occasional tight-crop cut → normaliseGlyph with a drawn
// longer side, stroke width and sub-pixel offset → (32×32) blur and resampling ringing.
import { createCanvas, type SKRSContext2D } from '@napi-rs/canvas'
import { pixelNoise, type Rng } from '../../nn/rng.ts'
import { normaliseGlyph, GLYPH_SIDE } from '../../vision/normalise.ts'
import type { FontStyle } from './fonts.ts'
import { fontAlias } from './fontAlias.ts'
import { glyphShape } from './lookalikes.ts'

/** Ranges of the augmentation draws. Angles in degrees, lengths in px of the 32×32 glyph. */
export interface AugmentParams {
  /** Rotation ~ Normal(0, sd) clipped to ±max. */
  rotation: { sd: number; max: number }
  /** Slant (shear of x by y; positive leans right) ~ Normal(mean, sd) clipped to ±max. */
  slant: { mean: number; sd: number; max: number }
  /** Width/height stretch, log-uniform in [1/max, max]. */
  aspect: { max: number }
  /** Elastic distortion: smoothed random displacement, sd as a fraction of the glyph size. */
  elastic: { sd: number; grid: number }
  /** Longer side: median, lower and upper sd (a two-piece normal), clipped to [min, max]. */
  longerSide: { median: number; sdLow: number; sdHigh: number; min: number; max: number }
  /** Stroke width at 32×32: log-normal with this median and log-sd, clipped to [min, max]. */
  stroke: { median: number; logSd: number; min: number; max: number }
  /** Box-centre offset ~ Normal(0, sd) per axis. */
  shift: { sd: number }
  /** Gaussian blur sigma at 32×32, uniform in [min, max]. */
  blur: { min: number; max: number }
  /** Unsharp-mask overshoot that imitates the ringing of NIST's resampling, uniform in [min, max]. */
  ringing: { min: number; max: number }
  /** Photo look of the crop: paper level uniform in [paperMin, 1], ink in [0, inkMax], noise sd. */
  photo: { paperMin: number; inkMax: number; noiseSd: number }
  /** With probability p one side of the ink box is cut by up to `max` of its extent. */
  cut: { p: number; max: number }
  /**
   * Bars drawn on the I of a font marked `barI`, on a share `p` of its I's (default 1): length uniform in [min, max]
   * of the letter's height (real NIST I's: ink-box width ÷ height median 1.00, quartiles 0.82–1.15), as thick as its
   * stem.
   */
  bars?: { p?: number; min: number; max: number }
}

export const DEFAULT_AUGMENT: AugmentParams = {
  rotation: { sd: 4, max: 10 },
  slant: { mean: 3, sd: 7, max: 20 },
  aspect: { max: 1.2 },
  elastic: { sd: 0.025, grid: 5 },
  // Real NIST36: 19 / 26 / 31 px at the 5 / 50 / 95th percentile.
  longerSide: { median: 26, sdLow: 4.3, sdHigh: 3.0, min: 14, max: 32 },
  // Real NIST (estimateStrokeWidth): 2.4 / 3.3 / 4.7 px at the 5 / 50 / 95th percentile.
  stroke: { median: 3.3, logSd: 0.2, min: 1.8, max: 6 },
  shift: { sd: 0.7 },
  blur: { min: 0.2, max: 0.5 },
  ringing: { min: 0.15, max: 0.45 },
  photo: { paperMin: 0.7, inkMax: 0.3, noiseSd: 0.03 },
  cut: { p: 0.05, max: 0.04 },
  bars: { min: 0.45, max: 1.05 }
}

const CANVAS = 96
const GLYPH_EXTENT = 54 // px of the longer side of the untransformed glyph on the canvas
const PIXELS = GLYPH_SIDE * GLYPH_SIDE
const FONT_PX = 64

/** Renders glyphs; owns one canvas and its scratch buffers, so reuse one per thread. */
export class GlyphRenderer {
  // One canvas per font: setting ctx.font costs milliseconds in @napi-rs/canvas, so each
  // context keeps its font at a fixed size and glyph size comes from the transform.
  private readonly surfaces = new Map<string, SKRSContext2D>()
  private readonly metrics = new Map<string, { scale: number; cx: number; cy: number; h: number }>()
  private readonly ink = new Float32Array(CANVAS * CANVAS)
  private readonly crop = new Float32Array(CANVAS * CANVAS)
  private readonly fieldX: Float32Array
  private readonly fieldY: Float32Array
  private readonly tmp = new Float32Array(PIXELS)
  private readonly tmp2 = new Float32Array(PIXELS)
  private readonly kernel = new Float32Array(7)

  constructor(readonly params: AugmentParams = DEFAULT_AUGMENT) {
    const g = params.elastic.grid
    this.fieldX = new Float32Array(g * g)
    this.fieldY = new Float32Array(g * g)
  }

  /** Renders `ch` in `font` with augmentation drawn from `rng` into out[offset … offset+1023]. */
  render(ch: string, font: FontStyle, rng: Rng, out: Float32Array, offset = 0): void {
    const p = this.params
    this.drawGlyph(ch, font, rng)
    this.distort(rng)
    this.photograph(rng)
    const glyph = out.subarray(offset, offset + PIXELS)
    normaliseGlyph(this.crop, CANVAS, CANVAS, glyph, {
      longerSide: twoPieceNormal(
        rng,
        p.longerSide.median,
        p.longerSide.sdLow,
        p.longerSide.sdHigh,
        p.longerSide.min,
        p.longerSide.max
      ),
      targetStroke: clip(p.stroke.median * Math.exp(rng.normal(0, p.stroke.logSd)), p.stroke.min, p.stroke.max),
      shift: { x: rng.normal(0, p.shift.sd), y: rng.normal(0, p.shift.sd) }
    })
    this.finish(glyph, rng)
  }

  private surface(font: FontStyle): SKRSContext2D {
    let ctx = this.surfaces.get(font.file)
    if (!ctx) {
      const alias = fontAlias(font.file)
      ctx = createCanvas(CANVAS, CANVAS).getContext('2d')
      ctx.font = `${FONT_PX}px "${alias}"`
      ctx.fillStyle = '#000'
      ctx.textBaseline = 'alphabetic'
      ctx.textAlign = 'left'
      this.surfaces.set(font.file, ctx)
    }
    return ctx
  }

  /** Canvas stage: centred glyph with rotation, slant and aspect; ink amount into this.ink. */
  private drawGlyph(ch: string, font: FontStyle, rng: Rng): void {
    const p = this.params
    const ctx = this.surface(font)
    const key = font.file + '\u0000' + ch
    let m = this.metrics.get(key)
    if (!m) {
      const t = ctx.measureText(ch)
      const w = t.actualBoundingBoxLeft + t.actualBoundingBoxRight
      const h = t.actualBoundingBoxAscent + t.actualBoundingBoxDescent
      m = {
        h,
        scale: GLYPH_EXTENT / Math.max(1, w, h),
        cx: (t.actualBoundingBoxRight - t.actualBoundingBoxLeft) / 2,
        cy: (t.actualBoundingBoxDescent - t.actualBoundingBoxAscent) / 2
      }
      this.metrics.set(key, m)
    }
    const rot = (clip(rng.normal(0, p.rotation.sd), -p.rotation.max, p.rotation.max) * Math.PI) / 180
    const slant = (clip(rng.normal(p.slant.mean, p.slant.sd), -p.slant.max, p.slant.max) * Math.PI) / 180
    const aspect = Math.exp(rng.uniformIn(-1, 1) * Math.log(p.aspect.max))
    ctx.setTransform(1, 0, 0, 1, 0, 0)
    ctx.clearRect(0, 0, CANVAS, CANVAS)
    ctx.translate(CANVAS / 2, CANVAS / 2)
    ctx.rotate(rot)
    ctx.transform(1, 0, -Math.tan(slant), 1, 0, 0) // y points down: the top moves right
    ctx.scale(m.scale * Math.sqrt(aspect), m.scale / Math.sqrt(aspect))
    ctx.fillText(ch, -m.cx, -m.cy)
    if (ch === 'I' && font.barI) this.drawBars(font, m.h, rng)
    const rgba = ctx.getImageData(0, 0, CANVAS, CANVAS).data
    for (let i = 0; i < CANVAS * CANVAS; i++) this.ink[i] = rgba[4 * i + 3] / 255
  }

  /**
   * Bars across the top and bottom of a plain-bar I (`FontStyle.barI`), in the glyph's own coordinates: the ink box
   * is centred on the origin and `h` high; each bar is centred over the stem's end, as thick as the stem.
   */
  private drawBars(font: FontStyle, h: number, rng: Rng): void {
    const shape = glyphShape(font, 'I')
    const range = this.params.bars ?? DEFAULT_AUGMENT.bars!
    if (!shape) return
    if (range.p !== undefined && range.p < 1 && !(rng.uniform() < range.p)) return
    const s = h / shape.height
    const t = Math.max(0.06 * h, shape.midSpan * s)
    const ctx = this.surface(font)
    for (const [x, y] of [
      [shape.topX * s, -h / 2],
      [shape.bottomX * s, h / 2 - t]
    ]) {
      const len = rng.uniformIn(range.min, range.max) * h
      ctx.fillRect(x - len / 2, y, len, t)
    }
  }

  /** Elastic distortion: a coarse random displacement grid, bilinearly smoothed, then remap. */
  private distort(rng: Rng): void {
    const g = this.params.elastic.grid
    const amp = this.params.elastic.sd * GLYPH_EXTENT
    for (let i = 0; i < g * g; i++) {
      this.fieldX[i] = rng.normal(0, amp)
      this.fieldY[i] = rng.normal(0, amp)
    }
    const src = this.ink,
      dst = this.crop,
      S = CANVAS
    const cell = (S - 1) / (g - 1)
    for (let y = 0; y < S; y++) {
      const gy = y / cell,
        iy = Math.min(g - 2, gy | 0),
        fy = gy - iy
      for (let x = 0; x < S; x++) {
        const gx = x / cell,
          ix = Math.min(g - 2, gx | 0),
          fx = gx - ix
        const k = iy * g + ix
        const w00 = (1 - fx) * (1 - fy),
          w10 = fx * (1 - fy),
          w01 = (1 - fx) * fy,
          w11 = fx * fy
        const dx =
          w00 * this.fieldX[k] + w10 * this.fieldX[k + 1] + w01 * this.fieldX[k + g] + w11 * this.fieldX[k + g + 1]
        const dy =
          w00 * this.fieldY[k] + w10 * this.fieldY[k + 1] + w01 * this.fieldY[k + g] + w11 * this.fieldY[k + g + 1]
        dst[y * S + x] = bilinear(src, S, x + dx, y + dy)
      }
    }
  }

  /** Turns the ink amount in this.crop into a grey photo-like crop (paper light, ink dark, noise). */
  private photograph(rng: Rng): void {
    const p = this.params
    const S = CANVAS,
      c = this.crop
    // Occasional tight segmentation: one side of the ink box loses a sliver.
    if (rng.uniform() < p.cut.p) {
      let x0 = S,
        y0 = S,
        x1 = -1,
        y1 = -1
      for (let y = 0; y < S; y++)
        for (let x = 0; x < S; x++)
          if (c[y * S + x] > 0.5) {
            if (x < x0) x0 = x
            if (x > x1) x1 = x
            if (y < y0) y0 = y
            if (y > y1) y1 = y
          }
      if (x1 >= 0) {
        const side = rng.int(4)
        const ext = side < 2 ? x1 - x0 + 1 : y1 - y0 + 1
        const cut = Math.round(rng.uniform() * p.cut.max * ext)
        for (let y = 0; y < S; y++)
          for (let x = 0; x < S; x++) {
            const gone =
              side === 0 ? x < x0 + cut : side === 1 ? x > x1 - cut : side === 2 ? y < y0 + cut : y > y1 - cut
            if (gone) c[y * S + x] = 0
          }
      }
    }
    const paper = rng.uniformIn(p.photo.paperMin, 1)
    const ink = rng.uniformIn(0, p.photo.inkMax)
    const noise = rng.uniform() * p.photo.noiseSd
    const nextNoise = pixelNoise(rng, noise)
    for (let i = 0; i < S * S; i++) c[i] = paper - (paper - ink) * c[i] + nextNoise()
  }

  /** 32×32 stage: mild blur, then unsharp-mask overshoot like NIST's resampling ringing. */
  private finish(glyph: Float32Array, rng: Rng): void {
    const p = this.params
    blur(glyph, glyph, this.tmp2, rng.uniformIn(p.blur.min, p.blur.max), this.kernel)
    const amount = rng.uniformIn(p.ringing.min, p.ringing.max)
    blur(glyph, this.tmp, this.tmp2, 0.8, this.kernel)
    for (let i = 0; i < PIXELS; i++) {
      const v = glyph[i] + amount * (glyph[i] - this.tmp[i])
      glyph[i] = v < -0.15 ? -0.15 : v > 1.15 ? 1.15 : v
    }
  }
}

function clip(v: number, lo: number, hi: number): number {
  return v < lo ? lo : v > hi ? hi : v
}

function twoPieceNormal(rng: Rng, median: number, sdLow: number, sdHigh: number, lo: number, hi: number): number {
  const z = rng.normal()
  return clip(median + z * (z < 0 ? sdLow : sdHigh), lo, hi)
}

/** Bilinear sample with paper (0 ink) outside. */
function bilinear(src: Float32Array, S: number, x: number, y: number): number {
  const x0 = Math.floor(x),
    y0 = Math.floor(y)
  if (x0 < -1 || y0 < -1 || x0 >= S || y0 >= S) return 0
  const fx = x - x0,
    fy = y - y0
  const i = y0 * S + x0
  const inX0 = x0 >= 0,
    inX1 = x0 + 1 < S,
    inY0 = y0 >= 0,
    inY1 = y0 + 1 < S
  const a = inX0 && inY0 ? src[i] : 0
  const b = inX1 && inY0 ? src[i + 1] : 0
  const c = inX0 && inY1 ? src[i + S] : 0
  const d = inX1 && inY1 ? src[i + S + 1] : 0
  return (1 - fy) * ((1 - fx) * a + fx * b) + fy * ((1 - fx) * c + fx * d)
}

/**
 * Separable Gaussian blur of a 32×32 glyph into `dst` (may be `g`), with `spare` as scratch.
 * Edges replicate, so paper stays paper.
 */
function blur(g: Float32Array, dst: Float32Array, spare: Float32Array, sigma: number, k: Float32Array): void {
  const S = GLYPH_SIDE,
    R = 3
  if (sigma < 0.05) {
    if (dst !== g) dst.set(g.subarray(0, PIXELS))
    return
  }
  let sum = 0
  for (let i = -R; i <= R; i++) {
    k[i + R] = Math.exp((-i * i) / (2 * sigma * sigma))
    sum += k[i + R]
  }
  for (let i = 0; i < 2 * R + 1; i++) k[i] /= sum
  for (let y = 0; y < S; y++)
    for (let x = 0; x < S; x++) {
      let s = 0
      for (let i = -R; i <= R; i++) s += k[i + R] * g[y * S + clip(x + i, 0, S - 1)]
      spare[y * S + x] = s
    }
  for (let y = 0; y < S; y++)
    for (let x = 0; x < S; x++) {
      let s = 0
      for (let i = -R; i <= R; i++) s += k[i + R] * spare[clip(y + i, 0, S - 1) * S + x]
      dst[y * S + x] = s
    }
}

// A phone photo of a sheet: the sheet placed in perspective on a textured desk with clutter around it,
// an uneven light with a shadow, sensor noise; blur and JPEG happen when the file is encoded.
// RGB float planes (0..255) throughout; every random draw comes from the page's own Rng.
import { pixelNoise, type Rng } from '../../nn/rng.ts'
import { bilinear, clip } from './glyphs.ts'
import { applyH, invertH, type Homography, type Point } from '../../vision/geometry.ts'

export { applyH, homography, type Homography, type Point } from '../../vision/geometry.ts'

export interface RgbImage {
  w: number
  h: number
  /** Three planes, R then G then B, each w×h, values 0..255. */
  r: Float32Array
  g: Float32Array
  b: Float32Array
}

export function rgbImage(w: number, h: number, fill: readonly [number, number, number]): RgbImage {
  const img = { w, h, r: new Float32Array(w * h), g: new Float32Array(w * h), b: new Float32Array(w * h) }
  img.r.fill(fill[0])
  img.g.fill(fill[1])
  img.b.fill(fill[2])
  return img
}

/** Smooth value noise in 0..1: a random grid of `cell` px, bilinearly interpolated. */
function valueNoise(rng: Rng, w: number, h: number, cellX: number, cellY: number): (x: number, y: number) => number {
  const gw = Math.ceil(w / cellX) + 2,
    gh = Math.ceil(h / cellY) + 2
  const grid = new Float32Array(gw * gh)
  for (let i = 0; i < grid.length; i++) grid[i] = rng.uniform()
  return (x, y) => {
    const gx = x / cellX,
      gy = y / cellY
    const x0 = Math.floor(gx),
      y0 = Math.floor(gy)
    const fx = gx - x0,
      fy = gy - y0
    const sx = fx * fx * (3 - 2 * fx),
      sy = fy * fy * (3 - 2 * fy)
    const i = y0 * gw + x0
    return (1 - sy) * ((1 - sx) * grid[i] + sx * grid[i + 1]) + sy * ((1 - sx) * grid[i + gw] + sx * grid[i + gw + 1])
  }
}

const DESKS: readonly { base: [number, number, number]; grain: number }[] = [
  { base: [150, 104, 68], grain: 38 }, // oak
  { base: [96, 64, 44], grain: 30 }, // walnut
  { base: [128, 126, 120], grain: 16 }, // grey laminate
  { base: [186, 160, 122], grain: 26 } // pine
]

/** A wooden or laminate desk: grain stripes bent by noise, plus knots of darker tone. */
export function desk(w: number, h: number, rng: Rng): { img: RgbImage; kind: string } {
  const kind = rng.int(DESKS.length)
  const d = DESKS[kind]
  const img = rgbImage(w, h, d.base)
  // Grain runs along x or y, so the noise fields cover the larger side both ways.
  const side = Math.max(w, h)
  const bend = valueNoise(rng, side, side, 260, 70)
  const fine = valueNoise(rng, side, side, 90, 9)
  const tone = valueNoise(rng, side, side, 400, 400)
  const period = rng.uniformIn(14, 30)
  const vertical = rng.uniform() < 0.5
  for (let y = 0; y < h; y++)
    for (let x = 0; x < w; x++) {
      const [a, b] = vertical ? [y, x] : [x, y]
      const s = Math.sin((2 * Math.PI * (b + 40 * bend(a, b))) / period)
      const v = d.grain * (0.55 * s + 0.6 * (fine(a, b) - 0.5)) + 30 * (tone(x, y) - 0.5)
      const i = y * w + x
      img.r[i] += v
      img.g[i] += v * 0.85
      img.b[i] += v * 0.7
    }
  return { img, kind: ['oak', 'walnut', 'grey laminate', 'pine'][kind] }
}

const LIGHT_DESKS: readonly { base: [number, number, number]; grain: number; kind: string }[] = [
  { base: [238, 238, 234], grain: 0, kind: 'white laminate' },
  { base: [214, 214, 210], grain: 0, kind: 'pale grey laminate' },
  { base: [226, 210, 178], grain: 10, kind: 'birch' },
  { base: [246, 245, 240], grain: 0, kind: 'white cloth' }
]

/**
 * A light surface for the `light-desk` condition: a white or pale grey table, a light wood, a white cloth — as bright
 * as a sheet of paper or brighter. Tone varies slowly; the wood has a faint grain, the cloth a fine weave.
 */
export function lightDesk(w: number, h: number, rng: Rng): { img: RgbImage; kind: string } {
  const d = LIGHT_DESKS[rng.int(LIGHT_DESKS.length)]
  const img = rgbImage(w, h, d.base)
  const side = Math.max(w, h)
  const tone = valueNoise(rng, side, side, 400, 400)
  const fine = valueNoise(rng, side, side, 90, 9)
  const period = rng.uniformIn(14, 30)
  const cloth = d.kind === 'white cloth'
  for (let y = 0; y < h; y++)
    for (let x = 0; x < w; x++) {
      const grain = d.grain * (0.55 * Math.sin((2 * Math.PI * y) / period) + 0.6 * (fine(x, y) - 0.5))
      const weave = cloth ? 3 * (((x >> 1) + (y >> 1)) % 2) - 1.5 : 0
      const v = grain + weave + 12 * (tone(x, y) - 0.5)
      const i = y * w + x
      img.r[i] += v
      img.g[i] += v * 0.95
      img.b[i] += v * 0.9
    }
  return { img, kind: d.kind }
}

function fillWhere(img: RgbImage, inside: (x: number, y: number) => number, c: readonly [number, number, number]) {
  for (let y = 0; y < img.h; y++)
    for (let x = 0; x < img.w; x++) {
      const a = inside(x + 0.5, y + 0.5)
      if (a <= 0) continue
      const i = y * img.w + x
      img.r[i] += (c[0] - img.r[i]) * a
      img.g[i] += (c[1] - img.g[i]) * a
      img.b[i] += (c[2] - img.b[i]) * a
    }
}

/** Anti-aliased coverage of a rotated rectangle (centre, half sizes, angle). */
function rectCoverage(cx: number, cy: number, hw: number, hh: number, angle: number) {
  const c = Math.cos(angle),
    s = Math.sin(angle)
  return (x: number, y: number) => {
    const dx = x - cx,
      dy = y - cy
    const u = Math.abs(dx * c + dy * s),
      v = Math.abs(-dx * s + dy * c)
    return clip(Math.min(hw - u, hh - v) + 0.5, 0, 1)
  }
}

/** Clutter: pens, a mug ring, a phone, a sticky note, a cable — shapes a segmenter may take for letters. */
export function clutter(img: RgbImage, rng: Rng, avoid: { x0: number; y0: number; x1: number; y1: number }): string[] {
  const placed: string[] = []
  const n = 3 + rng.int(3)
  const W = img.w,
    H = img.h
  const spot = (): [number, number] => {
    // Mostly around the sheet (it is drawn over whatever lies under it).
    for (let k = 0; k < 20; k++) {
      const x = rng.uniform() * W,
        y = rng.uniform() * H
      if (x < avoid.x0 || x > avoid.x1 || y < avoid.y0 || y > avoid.y1) return [x, y]
    }
    return [rng.uniform() * W, rng.uniform() * H]
  }
  for (let k = 0; k < n; k++) {
    const what = rng.int(5)
    const [cx, cy] = spot()
    const angle = rng.uniform() * Math.PI
    if (what === 0) {
      const len = rng.uniformIn(0.15, 0.3) * Math.max(W, H)
      const th = rng.uniformIn(6, 12)
      const body: [number, number, number] = rng.uniform() < 0.5 ? [30, 40, 110] : [25, 25, 28]
      fillWhere(img, rectCoverage(cx, cy, len / 2, th, angle), body)
      fillWhere(
        img,
        rectCoverage(cx + Math.cos(angle) * len * 0.3, cy + Math.sin(angle) * len * 0.3, len * 0.12, th * 0.35, angle),
        [200, 200, 205]
      )
      placed.push('pen')
    } else if (what === 1) {
      const r = rng.uniformIn(50, 90),
        t = rng.uniformIn(5, 10)
      fillWhere(
        img,
        (x, y) => {
          const d = Math.hypot(x - cx, y - cy)
          return clip(t / 2 - Math.abs(d - r) + 0.5, 0, 1) * 0.6
        },
        [90, 50, 25]
      )
      placed.push('mug ring')
    } else if (what === 2) {
      const hw = rng.uniformIn(70, 100),
        hh = hw * 2
      fillWhere(img, rectCoverage(cx, cy, hw, hh, angle), [20, 20, 24])
      fillWhere(img, rectCoverage(cx, cy, hw - 8, hh - 14, angle), [45, 55, 70])
      placed.push('phone')
    } else if (what === 3) {
      const s = rng.uniformIn(60, 110)
      fillWhere(img, rectCoverage(cx, cy, s, s, angle), [245, 225, 90])
      placed.push('sticky note')
    } else {
      // A cable: a thick sine wave across part of the desk.
      const len = rng.uniformIn(0.3, 0.6) * W,
        amp = rng.uniformIn(20, 60),
        th = rng.uniformIn(4, 8)
      const c = Math.cos(angle),
        s = Math.sin(angle)
      fillWhere(
        img,
        (x, y) => {
          const u = (x - cx) * c + (y - cy) * s,
            v = -(x - cx) * s + (y - cy) * c
          if (Math.abs(u) > len / 2) return 0
          return clip(th / 2 - Math.abs(v - amp * Math.sin(u / 45)) + 0.5, 0, 1)
        },
        [35, 35, 35]
      )
      placed.push('cable')
    }
  }
  return placed
}

/**
 * Draws `sheet` onto `dst` through the homography `H` (sheet → photo), with a soft drop shadow; pixels
 * outside the sheet keep the desk.
 */
export function placeSheet(dst: RgbImage, sheet: RgbImage, H: Homography, shadow: Point): void {
  const inv = invertH(H)
  const sw = sheet.w,
    sh = sheet.h
  // Shadow first: the sheet's footprint moved by `shadow`, darkening the desk by up to 35%.
  for (let y = 0; y < dst.h; y++)
    for (let x = 0; x < dst.w; x++) {
      const [u, v] = applyH(inv, x - shadow[0], y - shadow[1])
      const edge = Math.min(u, v, sw - u, sh - v)
      if (edge <= -12) continue
      const a = 0.35 * clip((edge + 12) / 24, 0, 1)
      const i = y * dst.w + x
      dst.r[i] *= 1 - a
      dst.g[i] *= 1 - a
      dst.b[i] *= 1 - a
    }
  for (let y = 0; y < dst.h; y++)
    for (let x = 0; x < dst.w; x++) {
      const [u, v] = applyH(inv, x + 0.5, y + 0.5)
      const edge = Math.min(u, v, sw - u, sh - v)
      if (edge <= -0.5) continue
      const a = clip(edge + 0.5, 0, 1)
      const i = y * dst.w + x
      const su = u - 0.5,
        sv = v - 0.5
      dst.r[i] += (bilinearClamped(sheet.r, sw, sh, su, sv) - dst.r[i]) * a
      dst.g[i] += (bilinearClamped(sheet.g, sw, sh, su, sv) - dst.g[i]) * a
      dst.b[i] += (bilinearClamped(sheet.b, sw, sh, su, sv) - dst.b[i]) * a
    }
}

/** Uneven light: a linear falloff in a random direction and a soft elliptic shadow (a hand or the phone). */
export function light(img: RgbImage, rng: Rng): { falloff: number; shadow: number } {
  const dir = rng.uniform() * 2 * Math.PI
  const falloff = rng.uniformIn(0.15, 0.4)
  const shadow = rng.uniformIn(0.15, 0.35)
  const sx = rng.uniform() * img.w,
    sy = rng.uniform() * img.h
  const rx = rng.uniformIn(0.2, 0.45) * img.w,
    ry = rng.uniformIn(0.2, 0.45) * img.h
  const dx = Math.cos(dir),
    dy = Math.sin(dir)
  const span = Math.abs(dx) * img.w + Math.abs(dy) * img.h
  for (let y = 0; y < img.h; y++)
    for (let x = 0; x < img.w; x++) {
      const t = ((x - img.w / 2) * dx + (y - img.h / 2) * dy) / span + 0.5
      const e = Math.hypot((x - sx) / rx, (y - sy) / ry)
      const f = (1 - falloff * t) * (1 - shadow * clip(1.3 - e, 0, 1))
      const i = y * img.w + x
      img.r[i] *= f
      img.g[i] *= f
      img.b[i] *= f
    }
  return { falloff, shadow }
}

/** Sensor noise: the sum of two uniforms per pixel and channel from an xorshift seeded by `rng`. */
export function noise(img: RgbImage, rng: Rng, sd: number): void {
  const next = pixelNoise(rng, sd)
  for (const plane of [img.r, img.g, img.b]) for (let i = 0; i < plane.length; i++) plane[i] += next()
}

/** Interleaved 8-bit RGB for the encoder. */
export function toRgbBytes(img: RgbImage): Buffer {
  const out = Buffer.alloc(img.w * img.h * 3)
  for (let i = 0; i < img.w * img.h; i++) {
    out[3 * i] = clip(Math.round(img.r[i]), 0, 255)
    out[3 * i + 1] = clip(Math.round(img.g[i]), 0, 255)
    out[3 * i + 2] = clip(Math.round(img.b[i]), 0, 255)
  }
  return out
}

function bilinearClamped(src: Float32Array, W: number, H: number, x: number, y: number): number {
  return bilinear(src, W, H, clip(x, 0, W - 1.001), clip(y, 0, H - 1.001))
}

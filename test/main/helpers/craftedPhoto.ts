// Crafted photos for the sheet tests: a sheet of printed capitals whose every character box is known,
// placed on a desk with clutter through a known homography (the page composer's desk and clutter).
import { createCanvas } from '@napi-rs/canvas'
import { Rng } from '../../../src/main/nn/rng.ts'
import { desk, clutter, light, noise, placeSheet, rgbImage } from '../../../src/main/data/pages/photo.ts'
import { homography, type Point } from '../../../src/main/vision/geometry.ts'
import type { GrayImage } from '../../../src/main/vision/image.ts'
import type { Rect } from '../../../src/main/vision/layout.ts'

const FONT = '"DejaVu Sans"'

/** A sheet with lines of capitals; returns its gray pixels and every character's ink box. */
export function craftedSheet(lines: string[], W = 900, H = 640, px = 54) {
  const c = createCanvas(W, H)
  const ctx = c.getContext('2d')
  ctx.fillStyle = '#fff'
  ctx.fillRect(0, 0, W, H)
  ctx.fillStyle = '#111'
  ctx.font = `bold ${px}px ${FONT}`
  ctx.textBaseline = 'alphabetic'
  const chars: { ch: string; box: Rect }[] = []
  lines.forEach((line, li) => {
    let x = 70
    const base = 120 + li * px * 1.9
    for (const ch of line) {
      if (ch !== ' ') {
        ctx.fillText(ch, x, base)
        const m = ctx.measureText(ch)
        chars.push({
          ch,
          box: {
            x: x - m.actualBoundingBoxLeft,
            y: base - m.actualBoundingBoxAscent,
            w: m.actualBoundingBoxLeft + m.actualBoundingBoxRight,
            h: m.actualBoundingBoxAscent + m.actualBoundingBoxDescent
          }
        })
      }
      x += ctx.measureText(ch).width + px * 0.12
    }
  })
  const rgba = ctx.getImageData(0, 0, W, H).data
  const gray = new Float32Array(W * H)
  for (let i = 0; i < W * H; i++) gray[i] = rgba[4 * i]
  return { gray, W, H, chars }
}

/** A hard shadow: the side (x − cx)·cos(angle) + (y − cy)·sin(angle) > 0 of the photo keeps `dark` of its light. */
export interface CraftedShadow {
  cx: number
  cy: number
  angleDeg: number
  dark: number
}

/**
 * The sheet on a desk, turned by `deg` and in perspective: the photo (gray) and the sheet → photo map; with
 * `shadow`, a hard-edged shadow over desk and sheet; with `surface`, the sheet (its paper at `paper`) lies on an
 * even table of brightness `table` instead of a wooden desk.
 */
export function craftedPhoto(
  sheet: ReturnType<typeof craftedSheet> | null,
  deg: number,
  seed: number,
  shadow?: CraftedShadow,
  surface?: { table: number; paper: number }
) {
  const rng = new Rng(seed)
  const W = 1400,
    H = 1100
  const { img } = surface ? { img: rgbImage(W, H, [surface.table, surface.table, surface.table]) } : desk(W, H, rng)
  const paper = surface?.paper ?? 245
  const sw = sheet?.W ?? 900,
    sh = sheet?.H ?? 640
  const th = (deg * Math.PI) / 180
  const cx = W / 2,
    cy = H / 2
  // Perspective: the top edge 8% shorter than the bottom one.
  const corners: Point[] = (
    [
      [(-sw / 2) * 0.92, -sh / 2],
      [(sw / 2) * 0.92, -sh / 2],
      [sw / 2, sh / 2],
      [-sw / 2, sh / 2]
    ] as Point[]
  ).map(([x, y]) => [cx + x * Math.cos(th) - y * Math.sin(th), cy + x * Math.sin(th) + y * Math.cos(th)])
  clutter(img, rng, { x0: 200, y0: 150, x1: 1200, y1: 950 })
  const toPhoto = homography(
    [
      [0, 0],
      [sw, 0],
      [sw, sh],
      [0, sh]
    ],
    corners
  )
  if (sheet) {
    const s = rgbImage(sw, sh, [0, 0, 0])
    for (let i = 0; i < sw * sh; i++) {
      const v = 40 + (sheet.gray[i] / 255) * (paper - 40)
      s.r[i] = v
      s.g[i] = v
      s.b[i] = v * 0.97
    }
    placeSheet(img, s, toPhoto, [8, 10])
  }
  if (shadow) {
    const a = (shadow.angleDeg * Math.PI) / 180
    for (let y = 0; y < H; y++)
      for (let x = 0; x < W; x++)
        if ((x - shadow.cx) * Math.cos(a) + (y - shadow.cy) * Math.sin(a) > 0) {
          const i = y * W + x
          img.r[i] *= shadow.dark
          img.g[i] *= shadow.dark
          img.b[i] *= shadow.dark
        }
  }
  light(img, rng)
  noise(img, rng, 2)
  const data = new Uint8Array(W * H)
  for (let i = 0; i < W * H; i++)
    data[i] = Math.max(0, Math.min(255, Math.round(0.299 * img.r[i] + 0.587 * img.g[i] + 0.114 * img.b[i])))
  const photo: GrayImage = { width: W, height: H, data }
  // The same photo in colour (interleaved R, G, B), for the steps that look at colour.
  const rgb = { width: W, height: H, data: new Uint8Array(W * H * 3) }
  const c8 = (v: number) => Math.max(0, Math.min(255, Math.round(v)))
  for (let i = 0; i < W * H; i++) {
    rgb.data[3 * i] = c8(img.r[i])
    rgb.data[3 * i + 1] = c8(img.g[i])
    rgb.data[3 * i + 2] = c8(img.b[i])
  }
  return { photo, corners, toPhoto, rgb }
}

// Quarter turns of a page: a page scanned sideways or upside down is read turned upright (read/orientation.ts
// decides when), and every box is mapped back onto the pixels the person sees. A turn is exact: pixels move, none
// is resampled, and a rectangle turns into a rectangle.
import { frameCorners, homography, type Homography, type Point } from './geometry.ts'
import type { GrayImage } from './image.ts'
import type { PageTurn } from '../../shared/pagedoc.ts'

/** Clockwise quarter turns: 1 = 90°, 2 = 180°, 3 = 270°. */
export type QuarterTurns = 1 | 2 | 3

const DEGREES: Record<QuarterTurns, PageTurn> = { 1: 90, 2: 180, 3: 270 }
const QUARTERS: Record<PageTurn, QuarterTurns> = { 90: 1, 180: 2, 270: 3 }

/** Quarter turns in degrees, and back. */
export const turnDegrees = (k: QuarterTurns): PageTurn => DEGREES[k]
export const quarterTurns = (deg: PageTurn): QuarterTurns => QUARTERS[deg]

/** The image turned clockwise by `k` quarter turns (width and height swap for odd k). */
export function turnGray(img: GrayImage, k: QuarterTurns): GrayImage {
  const { width: W, height: H, data } = img
  const out = new Uint8Array(W * H)
  if (k === 2) {
    for (let i = 0, n = W * H; i < n; i++) out[i] = data[n - 1 - i]
    return { width: W, height: H, data: out }
  }
  // Odd turns: the result is H wide and W high. Clockwise, pixel (u, v) of the result is pixel (v, H − 1 − u) of
  // the image; anticlockwise, pixel (W − 1 − v, u).
  for (let v = 0; v < W; v++) {
    const row = v * H
    if (k === 1) for (let u = 0; u < H; u++) out[row + u] = data[(H - 1 - u) * W + v]
    else for (let u = 0; u < H; u++) out[row + u] = data[u * W + (W - 1 - v)]
  }
  return { width: H, height: W, data: out }
}

/**
 * The point of a W × H image that a point of the image turned by `k` (turnGray) shows, in continuous pixel
 * coordinates (a pixel (x, y) covers [x, x + 1) × [y, y + 1)).
 */
export function turnedToImage(W: number, H: number, k: QuarterTurns, u: number, v: number): Point {
  if (k === 1) return [v, H - u]
  if (k === 2) return [W - u, H - v]
  return [W - v, u]
}

/**
 * The homography from the turned image's pixels to the pixels `toImage` maps the unturned ones to (identity when
 * absent): how a page turned after its sheet was flattened maps back to the photo.
 */
export function turnHomography(W: number, H: number, k: QuarterTurns, toImage?: (p: Point) => Point): Homography {
  const tw = k === 2 ? W : H,
    th = k === 2 ? H : W
  const corners = frameCorners(tw, th)
  const on = corners.map(([u, v]) => {
    const p = turnedToImage(W, H, k, u, v)
    return toImage ? toImage(p) : p
  })
  return homography(corners, on)
}

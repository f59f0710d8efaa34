// Plane geometry for pages: homographies (a photographed sheet → the flat sheet and back) and the
// rectangles they move. Pure functions over plain numbers; the page composer and the sheet finder share them.
import type { Rect } from './layout.ts'

export type Point = [number, number]
/** Row-major 3×3 homography (h[8] normalised to 1). */
export type Homography = number[]

/** The homography that maps the four `src` points onto the four `dst` points (Gaussian elimination, 8×8). */
export function homography(src: readonly Point[], dst: readonly Point[]): Homography {
  const A: number[][] = []
  for (let i = 0; i < 4; i++) {
    const [x, y] = src[i],
      [u, v] = dst[i]
    A.push([x, y, 1, 0, 0, 0, -u * x, -u * y, u])
    A.push([0, 0, 0, x, y, 1, -v * x, -v * y, v])
  }
  for (let c = 0; c < 8; c++) {
    let p = c
    for (let r = c + 1; r < 8; r++) if (Math.abs(A[r][c]) > Math.abs(A[p][c])) p = r
    ;[A[c], A[p]] = [A[p], A[c]]
    if (Math.abs(A[c][c]) < 1e-12) throw new RangeError('homography: three of the points are on one line')
    for (let r = 0; r < 8; r++) {
      if (r === c) continue
      const f = A[r][c] / A[c][c]
      for (let k = c; k < 9; k++) A[r][k] -= f * A[c][k]
    }
  }
  return [...A.map((row, i) => row[8] / row[i]), 1]
}

/** The corners of a w × h image, clockwise from its top-left (the order every sheet's corners take). */
export function frameCorners(w: number, h: number): [Point, Point, Point, Point] {
  return [
    [0, 0],
    [w, 0],
    [w, h],
    [0, h]
  ]
}

/**
 * A w × h image's pixels mapped by `first` and then by `then`, as one homography (fitted on the image's corners):
 * a flat sheet made from another flat sheet, mapped back to the photo both came from.
 */
export function chainOnFrame(w: number, h: number, first: Homography, then: Homography): Homography {
  const corners = frameCorners(w, h)
  return homography(
    corners,
    corners.map(([u, v]) => {
      const [x, y] = applyH(first, u, v)
      return applyH(then, x, y)
    })
  )
}

export function applyH(H: Homography, x: number, y: number): Point {
  const w = H[6] * x + H[7] * y + H[8]
  return [(H[0] * x + H[1] * y + H[2]) / w, (H[3] * x + H[4] * y + H[5]) / w]
}

export function invertH(m: Homography): Homography {
  const [a, b, c, d, e, f, g, h, i] = m
  const A = e * i - f * h,
    B = -(d * i - f * g),
    C = d * h - e * g
  const det = a * A + b * B + c * C
  return [
    A / det,
    -(b * i - c * h) / det,
    (b * f - c * e) / det,
    B / det,
    (a * i - c * g) / det,
    -(a * f - c * d) / det,
    C / det,
    -(a * h - b * g) / det,
    (a * e - b * d) / det
  ]
}

/** The axis-aligned rectangle around the image of `r`'s four corners under `H`, in whole pixels. */
export function mapRect(H: Homography, r: Rect): Rect {
  const pts = [
    applyH(H, r.x, r.y),
    applyH(H, r.x + r.w, r.y),
    applyH(H, r.x + r.w, r.y + r.h),
    applyH(H, r.x, r.y + r.h)
  ]
  const x0 = Math.floor(Math.min(...pts.map((p) => p[0]))),
    y0 = Math.floor(Math.min(...pts.map((p) => p[1])))
  const x1 = Math.ceil(Math.max(...pts.map((p) => p[0]))),
    y1 = Math.ceil(Math.max(...pts.map((p) => p[1])))
  return { x: x0, y: y0, w: Math.max(1, x1 - x0), h: Math.max(1, y1 - y0) }
}

/** Area of a simple polygon (shoelace), positive for either orientation. */
export function polygonArea(pts: readonly Point[]): number {
  let s = 0
  for (let i = 0; i < pts.length; i++) {
    const [x0, y0] = pts[i],
      [x1, y1] = pts[(i + 1) % pts.length]
    s += x0 * y1 - x1 * y0
  }
  return Math.abs(s) / 2
}

/** Whether (x, y) lies inside the convex polygon `q` (edges included). */
export function insideConvex(q: readonly Point[], x: number, y: number): boolean {
  let sign = 0
  for (let i = 0; i < q.length; i++) {
    const [ax, ay] = q[i],
      [bx, by] = q[(i + 1) % q.length]
    const c = (bx - ax) * (y - ay) - (by - ay) * (x - ax)
    if (c === 0) continue
    const s = Math.sign(c)
    if (sign === 0) sign = s
    else if (s !== sign) return false
  }
  return true
}

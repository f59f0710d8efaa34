// Quarter turns of a page (vision/turn.ts): pixels move exactly, and the homography that maps the turned page back
// agrees with them pixel for pixel.
import { describe, expect, it } from 'vitest'
import { applyH } from '../../../src/main/vision/geometry.ts'
import type { GrayImage } from '../../../src/main/vision/image.ts'
import { turnGray, turnHomography, turnedToImage } from '../../../src/main/vision/turn.ts'
import { turnRect } from '../../../src/shared/pagedoc.ts'

// 3 wide, 2 high:
//   1 2 3
//   4 5 6
const img: GrayImage = { width: 3, height: 2, data: Uint8Array.from([1, 2, 3, 4, 5, 6]) }

describe('turnGray', () => {
  it('turns a 3 × 2 image by a quarter, a half and three quarters, by hand', () => {
    // Clockwise: the left column, read bottom up, becomes the top row.
    expect(turnGray(img, 1)).toEqual({ width: 2, height: 3, data: Uint8Array.from([4, 1, 5, 2, 6, 3]) })
    expect(turnGray(img, 2)).toEqual({ width: 3, height: 2, data: Uint8Array.from([6, 5, 4, 3, 2, 1]) })
    // Anticlockwise: the right column, read top down, becomes the top row.
    expect(turnGray(img, 3)).toEqual({ width: 2, height: 3, data: Uint8Array.from([3, 6, 2, 5, 1, 4]) })
  })

  it('comes back after four quarter turns, and a half is two quarters', () => {
    let t = img
    for (let i = 0; i < 4; i++) t = turnGray(t, 1)
    expect(t).toEqual(img)
    expect(turnGray(turnGray(img, 1), 1)).toEqual(turnGray(img, 2))
    expect(turnGray(turnGray(img, 1), 2)).toEqual(turnGray(img, 3))
  })
})

describe('turnHomography', () => {
  const W = 7,
    H = 5
  const src = { width: W, height: H, data: Uint8Array.from({ length: W * H }, (_, i) => i) }
  for (const k of [1, 2, 3] as const) {
    it(`maps every pixel centre of the page turned by ${k * 90}° onto the pixel it came from`, () => {
      const t = turnGray(src, k)
      const Hm = turnHomography(W, H, k)
      for (let v = 0; v < t.height; v++)
        for (let u = 0; u < t.width; u++) {
          const [x, y] = applyH(Hm, u + 0.5, v + 0.5)
          expect(Math.abs(x - Math.round(x - 0.5) - 0.5)).toBeLessThan(1e-9)
          expect(src.data[Math.round(y - 0.5) * W + Math.round(x - 0.5)]).toBe(t.data[v * t.width + u])
          expect(turnedToImage(W, H, k, u + 0.5, v + 0.5)[0]).toBeCloseTo(x, 9)
        }
    })

    it(`and turnRect (${k * 90}°) puts a rectangle where its pixels went`, () => {
      // The pixels of a 2 × 3 rectangle at (1, 1), turned with the page, are the turned rectangle's pixels.
      const r = { x: 1, y: 1, w: 2, h: 3 }
      const mark = { width: W, height: H, data: new Uint8Array(W * H) }
      for (let y = r.y; y < r.y + r.h; y++) for (let x = r.x; x < r.x + r.w; x++) mark.data[y * W + x] = 1
      const t = turnGray(mark, k)
      const q = turnRect(r, W, H, (k * 90) as 90 | 180 | 270)
      for (let y = 0; y < t.height; y++)
        for (let x = 0; x < t.width; x++) {
          const inside = x >= q.x && x < q.x + q.w && y >= q.y && y < q.y + q.h
          expect(t.data[y * t.width + x]).toBe(inside ? 1 : 0)
        }
    })
  }

  it('composes with the map of a sheet it was turned from', () => {
    const shift = (p: [number, number]): [number, number] => [p[0] * 2 + 10, p[1] * 2 + 20]
    const Hm = turnHomography(W, H, 1, shift)
    const [x, y] = applyH(Hm, 1.5, 2.5)
    const [ex, ey] = shift(turnedToImage(W, H, 1, 1.5, 2.5))
    expect(x).toBeCloseTo(ex, 9)
    expect(y).toBeCloseTo(ey, 9)
  })
})

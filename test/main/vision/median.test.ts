// The WebAssembly SIMD median filter that segmentPage uses must give exactly OpenCV's medianBlur pixels
// (edges replicated), whatever the image size: the boxes found on a page depend on every one of them.
import { describe, expect, it } from 'vitest'
import { closeCrossSimd, loadOpenCv, medianNetwork, medianSimd } from '../../../src/main/vision/segment.ts'

function randomImage(w: number, h: number, seed: number): Uint8Array {
  const data = new Uint8Array(w * h)
  let s = seed
  for (let i = 0; i < data.length; i++) {
    s = (s * 1103515245 + 12345) % 2147483648
    // Mostly paper with dark specks and strokes, plus a few fully random rows: ties and extremes both occur.
    const r = s / 2147483648
    data[i] = (i / w) % 7 === 3 ? Math.floor(r * 256) : r < 0.8 ? 255 - Math.floor(r * 10) : Math.floor(r * 120)
  }
  return data
}

describe('medianSimd and closeCrossSimd', () => {
  it('is a correct median network (0–1 principle, all 512 inputs of the 3×3 window)', () => {
    const net = medianNetwork(9)
    for (let bits = 0; bits < 512; bits++) {
      const v = Array.from({ length: 9 }, (_, i) => (bits >> i) & 1)
      for (const { a, b } of net) {
        const lo = Math.min(v[a], v[b]),
          hi = Math.max(v[a], v[b])
        v[a] = lo
        v[b] = hi
      }
      const ones = [...Array(9).keys()].filter((i) => (bits >> i) & 1).length
      expect(v[4]).toBe(ones >= 5 ? 1 : 0)
    }
  })

  it('matches cv.medianBlur exactly for 3×3 and 5×5 on images of many sizes', async () => {
    const { cv } = await loadOpenCv()
    const sizes: [number, number][] = [
      [1, 1],
      [2, 3],
      [5, 3],
      [15, 4],
      [16, 16],
      [17, 2],
      [31, 9],
      [64, 33],
      [301, 120]
    ]
    for (const [w, h] of sizes) {
      const data = randomImage(w, h, w * 31 + h)
      const src = cv.matFromArray(h, w, cv.CV_8UC1, data),
        dst = new cv.Mat()
      try {
        for (const k of [3, 5] as const) {
          cv.medianBlur(src, dst, k)
          const want = new Uint8Array(dst.data)
          const got = medianSimd(data, w, h, k === 3 ? 1 : 2)
          expect(Buffer.compare(Buffer.from(got), Buffer.from(want)), `${w}×${h} k=${k}`).toBe(0)
        }
      } finally {
        src.delete()
        dst.delete()
      }
    }
  })

  it('closes a binary image exactly like cv.morphologyEx(MORPH_CLOSE, 3×3 ellipse)', async () => {
    const { cv } = await loadOpenCv()
    for (const [w, h] of [
      [1, 1],
      [3, 2],
      [17, 5],
      [40, 31],
      [301, 120]
    ] as [number, number][]) {
      const data = randomImage(w, h, w + 7 * h).map((v) => (v < 200 ? 255 : 0))
      const src = cv.matFromArray(h, w, cv.CV_8UC1, data),
        dst = new cv.Mat()
      const k = cv.getStructuringElement(cv.MORPH_ELLIPSE, new cv.Size(3, 3))
      try {
        cv.morphologyEx(src, dst, cv.MORPH_CLOSE, k)
        expect(
          Buffer.compare(Buffer.from(closeCrossSimd(data, w, h)), Buffer.from(new Uint8Array(dst.data))),
          `${w}×${h}`
        ).toBe(0)
      } finally {
        src.delete()
        dst.delete()
        k.delete()
      }
    }
  })
})

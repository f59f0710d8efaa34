// Segmentation divides the page by its paper colour with a plain-TypeScript cv.divide; every pixel must be
// OpenCV's, because the threshold and so every box depend on them.
import { describe, expect, it } from 'vitest'
import { divideBy, labelComponents } from '../../../src/main/vision/cvExact.ts'
import { loadOpenCv } from '../../../src/main/vision/segment.ts'

describe('divideBy', () => {
  it('gives cv.divide(a, b, out, 255) for all 65 536 pairs of 8-bit values', async () => {
    const { cv } = await loadOpenCv()
    // Row b, column a: every pair once, including b = 0 (OpenCV writes 0) and the ties (a·255/b = k + ½).
    const a = new Uint8Array(65536),
      b = new Uint8Array(65536)
    for (let i = 0; i < 65536; i++) {
      a[i] = i & 255
      b[i] = i >> 8
    }
    const ma = cv.matFromArray(256, 256, cv.CV_8UC1, a),
      mb = cv.matFromArray(256, 256, cv.CV_8UC1, b),
      ref = new cv.Mat()
    try {
      cv.divide(ma, mb, ref, 255)
      const ours = new Uint8Array(65536)
      divideBy(a, b, ours)
      const expected = new Uint8Array(ref.data)
      expect(ours.reduce((n, v, i) => n + (v !== expected[i] ? 1 : 0), 0)).toBe(0)
    } finally {
      ma.delete()
      mb.delete()
      ref.delete()
    }
  })

  it('rounds ties to even and saturates, as computed by hand', () => {
    const at = (n: number, d: number) => {
      const out = new Uint8Array(1)
      divideBy(Uint8Array.of(n), Uint8Array.of(d), out)
      return out[0]
    }
    expect(at(1, 2)).toBe(128) // 127.5 → 128 (even)
    expect(at(1, 6)).toBe(42) // 42.5 → 42 (even)
    expect(at(1, 10)).toBe(26) // 25.5 → 26 (even)
    expect(at(100, 3)).toBe(255) // 8500 saturates
    expect(at(77, 0)).toBe(0) // division by zero gives 0
    expect(at(200, 255)).toBe(200)
  })

  it('refuses images of different sizes', () => {
    expect(() => divideBy(new Uint8Array(4), new Uint8Array(3), new Uint8Array(4))).toThrow(/different sizes/)
  })
})

describe('labelComponents', () => {
  /** OpenCV's own labelling of the same image, for comparison. */
  async function reference(bin: Uint8Array, w: number, h: number, connectivity: 4 | 8) {
    const { cv } = await loadOpenCv()
    const m = cv.matFromArray(h, w, cv.CV_8UC1, bin),
      labels = new cv.Mat(),
      stats = new cv.Mat(),
      cents = new cv.Mat()
    try {
      const n = cv.connectedComponentsWithStats(m, labels, stats, cents, connectivity, cv.CV_32S)
      return { n, labels: new Int32Array(labels.data32S), stats: new Int32Array(stats.data32S) }
    } finally {
      for (const x of [m, labels, stats, cents]) x.delete()
    }
  }

  function mismatches(a: ArrayLike<number>, b: ArrayLike<number>): number {
    let d = a.length === b.length ? 0 : Math.max(a.length, b.length)
    for (let i = 0; i < Math.min(a.length, b.length); i++) if (a[i] !== b[i]) d++
    return d
  }

  async function expectSameAsOpenCv(bin: Uint8Array, w: number, h: number): Promise<void> {
    for (const connectivity of [4, 8] as const) {
      const ref = await reference(bin, w, h, connectivity)
      const ours = labelComponents(bin, w, h, connectivity)
      expect(ours.n).toBe(ref.n)
      expect(mismatches(ours.labels, ref.labels)).toBe(0)
      // The background's row (label 0) is not compared: nothing reads it.
      expect(mismatches(ours.stats.subarray(5), ref.stats.subarray(5))).toBe(0)
      // Without the label map: the same components.
      const bare = labelComponents(bin, w, h, connectivity, false)
      expect(bare.labels.length).toBe(0)
      expect(bare.n).toBe(ours.n)
      expect(mismatches(bare.stats, ours.stats)).toBe(0)
    }
  }

  /** Deterministic pseudo-random numbers in [0, 1). */
  function rng(seed: number): () => number {
    let s = seed >>> 0
    return () => {
      s = (s * 1664525 + 1013904223) >>> 0
      return s / 4294967296
    }
  }

  it('keeps 16-bit labels while every label fits, and 32-bit ones past 65 535 components, both as OpenCV labels', async () => {
    // A checkerboard: every ink pixel its own component with 4-connectivity, one component with 8.
    const w = 400,
      h = 400
    const bin = new Uint8Array(w * h)
    for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) bin[y * w + x] = (x + y) % 2 ? 255 : 0
    const four = labelComponents(bin, w, h, 4)
    expect(four.n - 1).toBe((w * h) / 2)
    expect(four.labels).toBeInstanceOf(Int32Array)
    expect(four.labels[h * w - 2]).toBe((w * h) / 2)
    const eight = labelComponents(bin, w, h, 8)
    expect(eight.n - 1).toBe(1)
    expect(eight.labels).toBeInstanceOf(Uint16Array)
    // 255 × 257 = 65 535 isolated pixels with 4-connectivity: the largest label, 65 535, still fits 16 bits.
    const w2 = 2 * 255,
      h2 = 2 * 257
    const dots = new Uint8Array(w2 * h2)
    for (let y = 0; y < h2; y += 2) for (let x = 0; x < w2; x += 2) dots[y * w2 + x] = 255
    const edge = labelComponents(dots, w2, h2, 4)
    expect(edge.n - 1).toBe(65_535)
    expect(edge.labels).toBeInstanceOf(Uint16Array)
    expect(edge.labels[(h2 - 2) * w2 + w2 - 2]).toBe(65_535)
    await expectSameAsOpenCv(bin, w, h)
    await expectSameAsOpenCv(dots, w2, h2)
  })

  it('labels hand-made shapes as OpenCV does: diagonal touches, a U whose arms join late, a hook', async () => {
    // A diagonal pair (one component with 8-connectivity, two with 4), a U whose arms join on its last row, a
    // hook that curls back under its own start, single pixels and a bar down the right edge.
    const rows = [
      '#.......#..###...',
      '.#..#...#....#...',
      '....#...#.##.#..#',
      '....#####.#..#..#',
      '..........####..#',
      '##.#............#'
    ]
    const w = rows[0].length,
      h = rows.length
    const bin = new Uint8Array(w * h)
    rows.forEach((r, y) => [...r].forEach((c, x) => (bin[y * w + x] = c === '#' ? 255 : 0)))
    const eight = labelComponents(bin, w, h, 8),
      four = labelComponents(bin, w, h, 4)
    // Counted by hand: 8-connected, the diagonal pair joins; 4-connected it does not.
    expect(eight.n - 1).toBe(6)
    expect(four.n - 1).toBe(7)
    // The U (first pixel at (4,1)) and the bar at column 8 are one component, labelled by the bar's first pixel.
    expect(eight.labels[1 * w + 4]).toBe(eight.labels[0 * w + 8])
    await expectSameAsOpenCv(bin, w, h)
  })

  it('labels random images of every ink density as OpenCV does', async () => {
    const next = rng(7)
    for (const density of [0, 0.05, 0.3, 0.5, 0.7, 1]) {
      for (const [w, h] of [
        [1, 1],
        [1, 37],
        [41, 1],
        [63, 47],
        [200, 150]
      ]) {
        const bin = new Uint8Array(w * h)
        for (let i = 0; i < bin.length; i++) bin[i] = next() < density ? 1 + Math.floor(next() * 255) : 0
        await expectSameAsOpenCv(bin, w, h)
      }
    }
  })

  it('labels blobs and strokes (page-like ink) as OpenCV does', async () => {
    const next = rng(11)
    const w = 400,
      h = 300
    for (let t = 0; t < 5; t++) {
      const bin = new Uint8Array(w * h)
      for (let k = 0; k < 60; k++) {
        // Discs and thin lines at random: shapes that meet, enclose one another and touch at corners.
        const cx = next() * w,
          cy = next() * h,
          r = 1 + next() * 12
        if (next() < 0.5) {
          for (let y = Math.max(0, Math.floor(cy - r)); y < Math.min(h, cy + r); y++)
            for (let x = Math.max(0, Math.floor(cx - r)); x < Math.min(w, cx + r); x++)
              if ((x - cx) ** 2 + (y - cy) ** 2 <= r * r && (x - cx) ** 2 + (y - cy) ** 2 >= (r - 2) ** 2)
                bin[y * w + x] = 255
        } else {
          const dx = next() * 2 - 1,
            dy = next() * 2 - 1
          for (let s = 0; s < 20 * r; s++) {
            const x = Math.round(cx + dx * s),
              y = Math.round(cy + dy * s)
            if (x >= 0 && x < w && y >= 0 && y < h) bin[y * w + x] = 255
          }
        }
      }
      await expectSameAsOpenCv(bin, w, h)
    }
  })

  it('labels an image whose data does not start on a 4-byte boundary (the pixel-by-pixel path)', async () => {
    const next = rng(3)
    const w = 57,
      h = 33
    const backing = new Uint8Array(w * h + 1)
    for (let i = 0; i < backing.length; i++) backing[i] = next() < 0.2 ? 255 : 0
    const bin = backing.subarray(1)
    expect(bin.byteOffset % 4).not.toBe(0)
    await expectSameAsOpenCv(bin, w, h)
  })

  it('refuses data whose size is not width × height', () => {
    expect(() => labelComponents(new Uint8Array(10), 3, 3, 8)).toThrow(/size/)
  })
})

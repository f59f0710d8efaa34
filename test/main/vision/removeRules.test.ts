// removeRules looks for long runs only from sample positions (one per minLength pixels); it must erase
// exactly what the scan of every pixel erased. The reference below is that full scan, kept verbatim.
import { describe, expect, it } from 'vitest'
import { removeRules } from '../../../src/main/vision/clutter.ts'
import { mulberry32 } from '../helpers/rng.ts'

function referenceRemoveRules(bin: Uint8Array, w: number, h: number, minLength: number, maxThickness: number): number {
  const line = new Uint8Array(w * h)
  let horizontal = 0,
    vertical = 0
  // Horizontal runs over the row and its neighbours (a vertical dilation by one pixel).
  for (let y = 0; y < h; y++) {
    const row = y * w,
      up = y > 0 ? row - w : row,
      down = y + 1 < h ? row + w : row
    let start = -1
    for (let x = 0; x <= w; x++) {
      const on = x < w && (bin[row + x] | bin[up + x] | bin[down + x]) !== 0
      if (on) {
        if (start < 0) start = x
      } else if (start >= 0) {
        if (x - start >= minLength)
          for (let k = start; k < x; k++)
            if (bin[row + k]) {
              line[row + k] = 1
              horizontal++
            }
        start = -1
      }
    }
  }
  // Vertical runs over the column and its neighbours, scanned row by row (one run start per column).
  const runStart = new Int32Array(w).fill(-1)
  for (let y = 0; y <= h; y++) {
    const row = y * w
    for (let x = 0; x < w; x++) {
      const on = y < h && (bin[row + x] | (x > 0 ? bin[row + x - 1] : 0) | (x + 1 < w ? bin[row + x + 1] : 0)) !== 0
      if (on) {
        if (runStart[x] < 0) runStart[x] = y
      } else if (runStart[x] >= 0) {
        if (y - runStart[x] >= minLength)
          for (let k = runStart[x]; k < y; k++)
            if (bin[k * w + x]) {
              line[k * w + x] |= 2
              vertical++
            }
        runStart[x] = -1
      }
    }
  }
  let erased = 0
  // Horizontal lines: per column, bands of line pixels.
  for (let x = 0; horizontal > 0 && x < w; x++) {
    let y = 0
    while (y < h) {
      if (!(line[y * w + x] & 1)) {
        y++
        continue
      }
      const y0 = y
      while (y < h && line[y * w + x] & 1) y++
      const y1 = y - 1
      if (y1 - y0 + 1 > maxThickness) continue
      const above = y0 > 0 && bin[(y0 - 1) * w + x] !== 0 && !(line[(y0 - 1) * w + x] & 1)
      const below = y1 + 1 < h && bin[(y1 + 1) * w + x] !== 0 && !(line[(y1 + 1) * w + x] & 1)
      if (above && below) continue
      for (let k = y0; k <= y1; k++) {
        bin[k * w + x] = 0
        erased++
      }
    }
  }
  // Vertical lines: per row, bands of line pixels.
  for (let y = 0; vertical > 0 && y < h; y++) {
    let x = 0
    while (x < w) {
      if (!(line[y * w + x] & 2)) {
        x++
        continue
      }
      const x0 = x
      while (x < w && line[y * w + x] & 2) x++
      const x1 = x - 1
      if (x1 - x0 + 1 > maxThickness) continue
      const left = x0 > 0 && bin[y * w + x0 - 1] !== 0 && !(line[y * w + x0 - 1] & 2)
      const right = x1 + 1 < w && bin[y * w + x1 + 1] !== 0 && !(line[y * w + x1 + 1] & 2)
      if (left && right) continue
      for (let k = x0; k <= x1; k++) {
        if (bin[y * w + k]) erased++
        bin[y * w + k] = 0
      }
    }
  }
  return erased
}

/** A binary page: letter-like strokes, ruled lines (tilted a pixel or two), margins, crossings, noise. */
function page(w: number, h: number, seed: number): Uint8Array {
  const rand = mulberry32(seed)
  const bin = new Uint8Array(w * h)
  const set = (x: number, y: number) => {
    if (x >= 0 && y >= 0 && x < w && y < h) bin[y * w + x] = 255
  }
  for (let i = 0; i < (w * h) / 400; i++) {
    // Short strokes in every direction.
    const x0 = rand() * w,
      y0 = rand() * h,
      a = rand() * Math.PI,
      len = 5 + rand() * 60,
      t = 1 + Math.floor(rand() * 4)
    for (let s = 0; s < len; s++)
      for (let d = 0; d < t; d++) set(Math.round(x0 + s * Math.cos(a)) + d, Math.round(y0 + s * Math.sin(a)))
  }
  const lines = 1 + Math.floor(rand() * 5)
  for (let l = 0; l < lines; l++) {
    const horizontal = rand() < 0.6,
      at = Math.floor(rand() * (horizontal ? h : w)),
      thick = 1 + Math.floor(rand() * 6),
      tilt = (rand() - 0.5) * 0.02,
      from = Math.floor(rand() * 0.3 * (horizontal ? w : h)),
      to = Math.floor((0.5 + rand() * 0.5) * (horizontal ? w : h))
    for (let s = from; s < to; s++)
      for (let d = 0; d < thick; d++) {
        const off = Math.round(at + s * tilt) + d
        if (horizontal) set(s, off)
        else set(off, s)
      }
  }
  for (let i = 0; i < bin.length; i++) if (rand() < 0.002) bin[i] = 255 - bin[i]
  return bin
}

describe('removeRules', () => {
  it('erases exactly what a scan of every pixel erases, on pages with lines, strokes and noise', () => {
    const sizes: [number, number][] = [
      [300, 200],
      [513, 257],
      [64, 900],
      [1200, 90],
      [97, 61]
    ]
    let erasedSomewhere = 0
    for (let seed = 1; seed <= 40; seed++) {
      const [w, h] = sizes[seed % sizes.length]
      const minLength = [12, 40, 96, 192, 1][seed % 5]
      const maxThickness = 2 + (seed % 5)
      const ours = page(w, h, seed),
        ref = ours.slice()
      const n = removeRules(ours, w, h, minLength, maxThickness)
      const nRef = referenceRemoveRules(ref, w, h, minLength, maxThickness)
      expect({ seed, n }).toEqual({ seed, n: nRef })
      expect(Buffer.compare(ours, ref)).toBe(0)
      erasedSomewhere += n
    }
    // The pages do have lines to remove: the comparison is not of untouched images.
    expect(erasedSomewhere).toBeGreaterThan(1000)
  })

  it('erases a ruled line under a letter standing on it, and keeps the letter and a stroke crossing it', () => {
    const w = 200,
      h = 50
    const bin = new Uint8Array(w * h)
    for (let x = 0; x < w; x++) for (let y = 30; y < 32; y++) bin[y * w + x] = 255 // the rule, 2 px
    for (let y = 10; y < 30; y++) for (let x = 50; x < 53; x++) bin[y * w + x] = 255 // a stem ending on it
    for (let y = 10; y < 45; y++) for (let x = 120; x < 123; x++) bin[y * w + x] = 255 // a stem crossing it
    const n = removeRules(bin, w, h, 100, 4)
    // The line's rows are found with a pixel of slack (its run is counted over the rows next to it too), so the
    // stem's last row, which touches the line, goes with it: 2 × (200 − 6) line pixels and 3 × 3 under the stem.
    expect(n).toBe(2 * (w - 6) + 9)
    for (let x = 50; x < 53; x++) {
      expect([bin[28 * w + x], bin[29 * w + x], bin[30 * w + x], bin[31 * w + x]]).toEqual([255, 0, 0, 0]) // no foot
      for (let y = 10; y < 29; y++) expect(bin[y * w + x]).toBe(255) // the letter, but for the row on the line
    }
    for (let x = 120; x < 123; x++) for (let y = 10; y < 45; y++) expect(bin[y * w + x]).toBe(255) // the crossing kept
    expect(bin[30 * w + 10]).toBe(0)
  })

  it('gives a bowl resting on an underline no foot', () => {
    // An O whose bottom touches a 3-px underline: before, the band under its bottom columns was kept and read as
    // a flat foot (an O read Q). Its ring is untouched; the line under it goes.
    const w = 240,
      h = 60
    const bin = new Uint8Array(w * h)
    for (let x = 0; x < w; x++) for (let y = 44; y < 47; y++) bin[y * w + x] = 255
    const [cx, cy, r] = [100, 28, 16]
    for (let y = 0; y < h; y++)
      for (let x = 0; x < w; x++) {
        const d = Math.hypot(x - cx, y - cy)
        if (d <= r && d >= r - 4) bin[y * w + x] = 255
      }
    const ring = bin.slice()
    removeRules(bin, w, h, 100, 4)
    for (let y = 44; y < 47; y++) for (let x = 0; x < w; x++) expect(bin[y * w + x], `${x},${y}`).toBe(0)
    // The ring above the row that touches the line is untouched (that row goes with the line, as above).
    for (let y = 0; y < 43; y++) for (let x = 0; x < w; x++) expect(bin[y * w + x]).toBe(ring[y * w + x])
    expect(bin.subarray(0, 43 * w).some((v) => v !== 0)).toBe(true)
  })

  describe("a form's cells", () => {
    // A comb field at the working scale (characters ~64 px): cells 70 px wide and 96 tall, lines 2 px; the top and
    // bottom lines broken into dashes (a thin printed line after binarisation) and too short to be rules alone.
    const w = 420,
      h = 160,
      top = 20,
      bottom = 116,
      x0 = 30,
      cell = 70,
      cells = 4
    const field = (dashed: boolean): Uint8Array => {
      const bin = new Uint8Array(w * h)
      for (let x = x0; x <= x0 + cells * cell + 1; x++)
        for (const y of [top, top + 1, bottom, bottom + 1]) if (!dashed || (x - x0) % 24 < 16) bin[y * w + x] = 255 // dashes of 16 px, gaps of 8
      for (let k = 0; k <= cells; k++)
        for (let y = top; y <= bottom + 1; y++) for (let t = 0; t < 2; t++) bin[y * w + x0 + k * cell + t] = 255
      return bin
    }
    const ink = (bin: Uint8Array) => bin.reduce((n, v) => n + (v ? 1 : 0), 0)

    it('erases the walls and the broken lines they join, and keeps a letter inside a cell and one crossing a wall', () => {
      const bin = field(true)
      // An I in the second cell, touching neither line; an H whose bar crosses the third wall.
      for (let y = 40; y < 100; y++) for (let t = 0; t < 3; t++) bin[y * w + x0 + cell + 33 + t] = 255
      const hBar = 70
      for (let x = x0 + 3 * cell - 20; x < x0 + 3 * cell + 20; x++)
        for (let t = 0; t < 3; t++) bin[(hBar + t) * w + x] = 255
      const before = bin.slice()
      // minLength 192 (no rule is that long here), maxThickness 13, walls from 77 px (1.2 character heights).
      removeRules(bin, w, h, 192, 13, 77)
      // Every wall and line pixel is gone but where the H's bar crosses the wall.
      for (let k = 0; k <= cells; k++)
        for (let y = top; y <= bottom + 1; y++)
          for (let t = 0; t < 2; t++) {
            const i = y * w + x0 + k * cell + t
            expect(bin[i], `wall ${k} at ${y}`).toBe(k === 3 && y >= hBar && y < hBar + 3 ? 255 : 0)
          }
      for (let x = x0 + 2; x < x0 + cells * cell; x++)
        for (const y of [top, bottom]) expect(bin[y * w + x], `line at ${x},${y}`).toBe(0)
      // The letters are whole.
      for (let y = 40; y < 100; y++) for (let t = 0; t < 3; t++) expect(bin[y * w + x0 + cell + 33 + t]).toBe(255)
      for (let x = x0 + 3 * cell - 20; x < x0 + 3 * cell + 20; x++) expect(bin[hBar * w + x]).toBe(255)
      expect(ink(bin)).toBe(60 * 3 + 40 * 3)
      expect(ink(before)).toBeGreaterThan(ink(bin) + 5 * 96 * 2)
    })

    it('takes no letter for a wall: strokes shorter than a wall, and a tall one between wavy letter tops', () => {
      // A row of touching E-like letters: a stem 64 px tall (one character height) from a top bar to a bottom bar,
      // the bars running into each other along the whole row.
      const bin = new Uint8Array(w * h)
      for (let k = 0; k < 5; k++) {
        const x = 20 + k * 60
        for (let y = 30; y < 94; y++) for (let t = 0; t < 3; t++) bin[y * w + x + t] = 255
      }
      for (let x = 20; x < 323; x++) for (const y of [30, 31, 92, 93]) bin[y * w + x] = 255
      const letters = bin.slice()
      removeRules(bin, w, h, 400, 13, 77)
      expect(Buffer.compare(bin, letters)).toBe(0)
      // Stems as tall as a wall whose tops are joined by a chain that wanders by 16 px (letters' tops, not a line).
      const wavy = new Uint8Array(w * h)
      for (let k = 0; k < 5; k++)
        for (let y = 20; y < 118; y++) for (let t = 0; t < 2; t++) wavy[y * w + 20 + k * 60 + t] = 255
      for (let x = 20; x < 262; x++) {
        const yTop = 20 + Math.round(8 + 8 * Math.sin(x / 12))
        for (let t = 0; t < 2; t++) wavy[(yTop + t) * w + x] = 255
        for (let t = 0; t < 2; t++) wavy[(116 + t) * w + x] = 255
      }
      const before = wavy.slice()
      removeRules(wavy, w, h, 400, 13, 77)
      // The wandering top is no line, so the stems are no walls (the straight bottom alone makes none).
      for (let k = 0; k < 5; k++) for (let y = 40; y < 100; y++) expect(wavy[y * w + 20 + k * 60]).toBe(255)
      expect(ink(wavy)).toBeGreaterThan(0.8 * ink(before))
    })

    it('leaves a page alone when no minimum wall is given (the default)', () => {
      const bin = field(false)
      const before = bin.slice()
      removeRules(bin, w, h, 400, 13)
      expect(Buffer.compare(bin, before)).toBe(0)
    })
  })
})

// glyphMask against the straightforward implementation it replaced (kept here as the reference): the same
// mask, pixel for pixel, on random label maps, boxes of one or several labels, pieces cut along a path,
// crops that run off the working image, scales on both sides of 1 and halos 0–3.
import { describe, expect, it } from 'vitest'
import type { Rect } from '../../../src/main/vision/layout.ts'
import { glyphMask } from '../../../src/main/vision/glyphMask.ts'
import type { CharBox, SegmentResult } from '../../../src/main/vision/segment.ts'
import { mulberry32 as rng } from '../helpers/rng.ts'

function referenceGlyphMask(
  seg: Pick<SegmentResult, 'labels' | 'binary' | 'binaryScale'>,
  box: CharBox,
  crop: Rect,
  halo = 2
): Uint8Array | null {
  if (!box.ink) return null
  const {
    labels: lab,
    binary: { width: ww, height: wh },
    binaryScale: s
  } = seg
  const own = new Set(box.ink.labels)
  const r = box.ink.rect
  const h = Math.max(0, Math.round(halo))
  // Working-scale window under the crop, with room for the halo.
  const wx0 = Math.max(0, Math.floor(crop.x * s) - h),
    wy0 = Math.max(0, Math.floor(crop.y * s) - h)
  const wx1 = Math.min(ww, Math.ceil((crop.x + crop.w) * s) + h),
    wy1 = Math.min(wh, Math.ceil((crop.y + crop.h) * s) + h)
  const winW = Math.max(0, wx1 - wx0),
    winH = Math.max(0, wy1 - wy0)
  // The box's own ink in the window, then everything within `halo` of it.
  const ownInk = new Uint8Array(winW * winH)
  const rows = box.ink.rows
  for (let y = Math.max(wy0, r.y); y < Math.min(wy1, r.y + r.h); y++) {
    const row = y * ww
    let xa = Math.max(wx0, r.x),
      xb = Math.min(wx1, r.x + r.w)
    if (rows) {
      // A piece cut along a path: its own side of the cut only.
      const i = y - rows.y
      if (i < 0 || i >= rows.from.length) continue
      xa = Math.max(xa, rows.from[i])
      xb = Math.min(xb, rows.to[i])
    }
    for (let x = xa; x < xb; x++) {
      if (own.has(lab[row + x])) ownInk[(y - wy0) * winW + (x - wx0)] = 1
    }
  }
  // Square dilation by h, separably: rows then columns.
  const tmp = new Uint8Array(winW * winH),
    near = new Uint8Array(winW * winH)
  for (let y = 0; y < winH; y++) {
    for (let x = 0; x < winW; x++) {
      let v = 0
      for (let d = Math.max(0, x - h); d <= Math.min(winW - 1, x + h) && !v; d++) v = ownInk[y * winW + d]
      tmp[y * winW + x] = v
    }
  }
  for (let y = 0; y < winH; y++) {
    for (let x = 0; x < winW; x++) {
      let v = 0
      for (let d = Math.max(0, y - h); d <= Math.min(winH - 1, y + h) && !v; d++) v = tmp[d * winW + x]
      near[y * winW + x] = v
    }
  }
  const mask = new Uint8Array(crop.w * crop.h)
  for (let y = 0; y < crop.h; y++) {
    const wy = Math.min(wh - 1, Math.max(0, Math.floor((crop.y + y + 0.5) * s)))
    for (let x = 0; x < crop.w; x++) {
      const wx = Math.min(ww - 1, Math.max(0, Math.floor((crop.x + x + 0.5) * s)))
      if (wx < wx0 || wx >= wx1 || wy < wy0 || wy >= wy1) continue
      const i = (wy - wy0) * winW + (wx - wx0)
      // Own ink, or paper next to it; ink of any other component (or of the other part of a split) is not ours.
      if (ownInk[i] || (lab[wy * ww + wx] === 0 && near[i])) mask[y * crop.w + x] = 1
    }
  }
  return mask
}

describe('glyphMask', () => {
  it('equals the reference implementation on 400 random cases', () => {
    const r = rng(7)
    const int = (lo: number, hi: number) => lo + Math.floor(r() * (hi - lo + 1))
    let inked = 0
    for (let t = 0; t < 400; t++) {
      const ww = int(8, 60),
        wh = int(8, 60)
      // Blobs of a few labels on paper (0).
      const labels = new Int32Array(ww * wh)
      const blobs: { id: number; cx: number; cy: number; rad: number }[] = []
      for (let b = 0; b < int(1, 6); b++) {
        const id = int(1, 5),
          cx = int(0, ww - 1),
          cy = int(0, wh - 1),
          rad = int(1, 8)
        blobs.push({ id, cx, cy, rad })
        for (let y = Math.max(0, cy - rad); y < Math.min(wh, cy + rad); y++)
          for (let x = Math.max(0, cx - rad); x < Math.min(ww, cx + rad); x++) if (r() < 0.7) labels[y * ww + x] = id
      }
      const s = [0.5, 0.8, 1, 1.5, 2][int(0, 4)]
      const seg: Pick<SegmentResult, 'labels' | 'binary' | 'binaryScale'> = {
        labels,
        binary: { width: ww, height: wh, data: new Uint8Array(ww * wh) },
        binaryScale: s
      }
      // The box is one of the blobs (its rectangle jittered), sometimes with another label or two.
      const blob = blobs[int(0, blobs.length - 1)]
      const bx = Math.max(0, blob.cx - blob.rad + int(-2, 2)),
        by = Math.max(0, blob.cy - blob.rad + int(-2, 2))
      const inkRect: Rect = {
        x: bx,
        y: by,
        w: Math.max(1, 2 * blob.rad + int(-2, 2)),
        h: Math.max(1, 2 * blob.rad + int(-2, 2))
      }
      const own = [...new Set([blob.id, ...Array.from({ length: int(0, 2) }, () => int(1, 5))])]
      const rows =
        r() < 0.4
          ? (() => {
              const n = int(0, inkRect.h + 2)
              const from = Array.from({ length: n }, () => int(inkRect.x - 2, inkRect.x + inkRect.w))
              return { y: inkRect.y + int(-2, 2), from, to: from.map((f) => f + int(0, inkRect.w)) }
            })()
          : undefined
      const box: CharBox = {
        x: inkRect.x / s,
        y: inkRect.y / s,
        w: inkRect.w / s,
        h: inkRect.h / s,
        origin: rows ? 'split' : 'component',
        ink: { labels: own, rect: inkRect, ...(rows ? { rows } : {}) }
      }
      // Mostly the box's own neighbourhood (as transcribe crops it), sometimes anywhere, off the image too.
      const crop: Rect =
        r() < 0.7
          ? {
              x: Math.floor(box.x) - int(0, 4),
              y: Math.floor(box.y) - int(0, 4),
              w: Math.ceil(box.w) + int(0, 8),
              h: Math.ceil(box.h) + int(0, 8)
            }
          : { x: int(-5, ww / s), y: int(-5, wh / s), w: int(1, 40), h: int(1, 40) }
      const halo = int(0, 3)
      const got = glyphMask(seg, box, crop, halo)
      const want = referenceGlyphMask(seg, box, crop, halo)
      expect(got).toEqual(want)
      if (want && want.some((v) => v === 1)) inked++
    }
    // The cases are not all empty masks.
    expect(inked).toBeGreaterThan(100)
  })
})

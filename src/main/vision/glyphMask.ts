// Masking a crop to its own character's ink (segmentation's component labels), so an overlapping
// neighbour's strokes do not leak into a glyph (nor, for a piece of a touching pair cut along a path, the
// other side of the cut).
import type { Rect } from './layout.ts'
import type { CharBox, SegmentResult } from './segment.ts'

/**
 * Which pixels of `crop` (a rectangle in input pixels) belong to `box`'s own character: 1 for its ink and
 * for paper within `halo` working pixels of that ink (the soft, anti-aliased edge of its strokes), 0 for
 * everything else — a neighbour's overlapping strokes, specks, the other part of a split pair. Row-major,
 * crop.w × crop.h. Null when the box carries no ink description (then the plain rectangle is all there is).
 */
export function glyphMask(
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
  const labels = box.ink.labels
  const single = labels.length === 1 ? labels[0] : -1
  const own = new Set(labels)
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
    const out = (y - wy0) * winW - wx0
    if (single >= 0) {
      for (let x = xa; x < xb; x++) if (lab[row + x] === single) ownInk[out + x] = 1
    } else for (let x = xa; x < xb; x++) if (own.has(lab[row + x])) ownInk[out + x] = 1
  }
  // Square dilation by h, separably: along each row, then along each column.
  const tmp = new Uint8Array(winW * winH),
    near = new Uint8Array(winW * winH)
  for (let y = 0; y < winH; y++) dilateRun(ownInk, tmp, y * winW, 1, winW, h)
  for (let x = 0; x < winW; x++) dilateRun(tmp, near, x, winW, winH, h)
  // Each crop column's working pixel, once (−1 outside the window).
  const colOf = new Int32Array(crop.w)
  for (let x = 0; x < crop.w; x++) {
    const wx = Math.min(ww - 1, Math.max(0, Math.floor((crop.x + x + 0.5) * s)))
    colOf[x] = wx < wx0 || wx >= wx1 ? -1 : wx
  }
  const mask = new Uint8Array(crop.w * crop.h)
  for (let y = 0; y < crop.h; y++) {
    const wy = Math.min(wh - 1, Math.max(0, Math.floor((crop.y + y + 0.5) * s)))
    if (wy < wy0 || wy >= wy1) continue
    const win = (wy - wy0) * winW - wx0,
      labRow = wy * ww,
      out = y * crop.w
    for (let x = 0; x < crop.w; x++) {
      const wx = colOf[x]
      if (wx < 0) continue
      const i = win + wx
      // Own ink, or paper next to it; ink of any other component (or of the other part of a split) is not ours.
      if (ownInk[i] || (lab[labRow + wx] === 0 && near[i])) mask[out + x] = 1
    }
  }
  return mask
}

/**
 * One run of a binary image (n pixels from `start`, `step` apart) dilated by h: dst is 1 where src has ink
 * within h places along the run. A running count of ink in the 2h + 1 window, so each pixel costs the same
 * whatever h is (the count is above zero exactly where the window's maximum is 1).
 */
function dilateRun(src: Uint8Array, dst: Uint8Array, start: number, step: number, n: number, h: number): void {
  let count = 0
  for (let d = 0; d < Math.min(n, h); d++) count += src[start + d * step]
  for (let k = 0; k < n; k++) {
    if (k + h < n) count += src[start + (k + h) * step]
    if (k - h - 1 >= 0) count -= src[start + (k - h - 1) * step]
    dst[start + k * step] = count > 0 ? 1 : 0
  }
}

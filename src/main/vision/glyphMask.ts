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
  return box.ink ? glyphMaskInto(seg, box, crop, halo, new Uint8Array(crop.w * crop.h)) : null
}

// Scratch of glyphMaskInto, grown as needed: a page masks hundreds of candidates one after another (never
// re-entrant: JavaScript runs one call at a time on a thread, and every worker has its own module).
let ownScratch = new Uint8Array(0),
  tmpScratch = new Uint8Array(0),
  nearScratch = new Uint8Array(0),
  colScratch = new Int32Array(0)

/**
 * glyphMask written into `mask` (at least crop.w × crop.h; its first crop.w × crop.h entries are all set), without
 * allocating: its working arrays are kept between calls. `box` must carry its ink description.
 */
export function glyphMaskInto(
  seg: Pick<SegmentResult, 'labels' | 'binary' | 'binaryScale'>,
  box: CharBox,
  crop: Rect,
  halo: number,
  mask: Uint8Array
): Uint8Array {
  if (!box.ink) throw new Error('glyphMaskInto: the box carries no ink description')
  const {
    labels: lab,
    binary: { width: ww, height: wh },
    binaryScale: s
  } = seg
  const labels = box.ink.labels
  const single = labels.length === 1 ? labels[0] : -1
  // A box of one component (most of them) compares labels directly; only a merged box needs the set.
  const own = single >= 0 ? null : new Set(labels)
  const r = box.ink.rect
  const h = Math.max(0, Math.round(halo))
  // Working-scale window under the crop, with room for the halo, kept to the box's ink rectangle and its halo: the
  // own ink lies inside that rectangle, so outside it no pixel is ink or near ink, and the mask is 0 there anyway.
  const wx0 = Math.max(0, Math.floor(crop.x * s) - h, r.x - h),
    wy0 = Math.max(0, Math.floor(crop.y * s) - h, r.y - h)
  const wx1 = Math.min(ww, Math.ceil((crop.x + crop.w) * s) + h, r.x + r.w + h),
    wy1 = Math.min(wh, Math.ceil((crop.y + crop.h) * s) + h, r.y + r.h + h)
  const winW = Math.max(0, wx1 - wx0),
    winH = Math.max(0, wy1 - wy0)
  // The box's own ink in the window, then everything within `halo` of it.
  const area = winW * winH
  if (ownScratch.length < area) {
    const grown = Math.max(area, ownScratch.length * 2)
    ownScratch = new Uint8Array(grown)
    tmpScratch = new Uint8Array(grown)
    nearScratch = new Uint8Array(grown)
  }
  const ownInk = ownScratch.fill(0, 0, area)
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
    if (own === null) {
      for (let x = xa; x < xb; x++) if (lab[row + x] === single) ownInk[out + x] = 1
    } else for (let x = xa; x < xb; x++) if (own.has(lab[row + x])) ownInk[out + x] = 1
  }
  // Square dilation by h, separably: along each row, then along each column.
  // dilateRun writes every entry of its run, so the two passes need no clearing.
  const tmp = tmpScratch,
    near = nearScratch
  for (let y = 0; y < winH; y++) dilateRun(ownInk, tmp, y * winW, 1, winW, h)
  for (let x = 0; x < winW; x++) dilateRun(tmp, near, x, winW, winH, h)
  // Each crop column's working pixel, once (−1 outside the window).
  if (colScratch.length < crop.w) colScratch = new Int32Array(Math.max(crop.w, colScratch.length * 2))
  const colOf = colScratch
  for (let x = 0; x < crop.w; x++) {
    const wx = Math.min(ww - 1, Math.max(0, Math.floor((crop.x + x + 0.5) * s)))
    colOf[x] = wx < wx0 || wx >= wx1 ? -1 : wx
  }
  mask.fill(0, 0, crop.w * crop.h)
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

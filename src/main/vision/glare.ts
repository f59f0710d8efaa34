// A lamp's or a flash's glare on glossy paper: in a soft spot the paper is lit up towards the camera's white and the
// ink there is washed towards it, to a pale grey that the page-wide threshold reads as paper. Dividing by the
// background does not bring it back (the glare adds light to ink and paper alike; it does not scale them), so the
// ink's depth is restored where the page shows both signs of a glare at once:
//  - the paper itself is lit: 30% of the way from the page's median paper to white; and
//  - the ink there is shallower than the page's ink elsewhere.
// Pale writing on paper of the page's own colour (a back showing through, light pencil), shadows (darker paper),
// scans whose paper is white already and pages whose ink is pale everywhere are left as they are; so are a hard
// shadow's edge (the background steps there) and lit paper reaching two sides of the image (a light desk around
// the sheet, a shadow's lit side), unless the image is a sheet cut out of a photo.
import { upperMedian } from '../../shared/stats.ts'
import { Levels } from './levels.ts'

/** A gain per cell of a grid laid over the page: ink depth (255 − level) is multiplied by it. */
export interface GainGrid {
  cols: number
  rows: number
  /** Row-major, one per cell; 1 where nothing changes. */
  gain: Float32Array
}

export interface WashedInkOptions {
  /** Cells across the page's long side. */
  cellsAcross?: number
  /** The paper counts as lit where it is this share of the way from the page's median paper to white… */
  litShare?: number
  /** …and at least this many levels above it. */
  minBrightening?: number
  /** A cell's ink is stretched back towards this share of the page's median ink depth. */
  depthTarget?: number
  /** A cell with less depth than this (levels) holds no ink. */
  inkFloor?: number
  maxGain?: number
  /**
   * The image is one sheet of paper cut out of a photo: lit paper reaching its sides is still the sheet's (a glare
   * on it, where the light also falls off towards a corner), not a desk around it (unlitSurrounds).
   */
  wholeSheet?: boolean
  /** No stretch on a page whose target depth (levels) is below this. */
  minTarget?: number
  /** A cell whose background spans more levels than this holds a shadow's edge. */
  stepLevels?: number
}

/**
 * The gain that restores washed-out ink, per cell, or null when no cell needs one. `bg` is the background
 * estimate (the paper, ink erased) and `norm` the page divided by it, each at its own scale over the same page.
 * A cell's depth is how far its darkest pixel lies below white in `norm` (a median-filtered copy, so a single
 * noisy pixel is no ink). A lit cell with no ink of its own takes its depth from the deepest cell beside it (none at
 * a shadow's edge), so that the ink a gain interpolated from it reaches is stretched like its neighbours'.
 */
export function washedInkGain(
  bg: { data: Uint8Array; width: number; height: number },
  norm: { data: Uint8Array; width: number; height: number },
  opts: WashedInkOptions = {}
): GainGrid | null {
  const litShare = opts.litShare ?? 0.3
  const minBrightening = opts.minBrightening ?? 3
  const depthTarget = opts.depthTarget ?? 0.8
  const inkFloor = opts.inkFloor ?? 12
  const maxGain = opts.maxGain ?? 6
  const stepLevels = opts.stepLevels ?? 30
  const minTarget = opts.minTarget ?? 64
  const paper = new Levels(bg.data).at(0.5)
  const litLevel = paper + Math.max(minBrightening, litShare * (255 - paper))
  if (litLevel > 255) return null
  const across = opts.cellsAcross ?? 24
  const long = Math.max(norm.width, norm.height)
  const cols = Math.max(1, Math.round((across * norm.width) / long)),
    rows = Math.max(1, Math.round((across * norm.height) / long))
  const n = cols * rows
  // Each cell's lit share (background pixels at the lit level) and its ink depth.
  const lit = new Uint32Array(n),
    litCount = new Uint32Array(n)
  const bgMin = new Uint8Array(n).fill(255),
    bgMax = new Uint8Array(n)
  const bgCellOfX = cellIndex(bg.width, cols)
  for (let y = 0; y < bg.height; y++) {
    const first = Math.min(rows - 1, Math.floor((y * rows) / bg.height)) * cols
    for (let x = 0; x < bg.width; x++) {
      const c = first + bgCellOfX[x]
      const v = bg.data[y * bg.width + x]
      litCount[c]++
      if (v >= litLevel) lit[c]++
      if (v < bgMin[c]) bgMin[c] = v
      if (v > bgMax[c]) bgMax[c] = v
    }
  }
  // A hard shadow's edge: the paper steps by many levels inside one cell, where a glare's light changes smoothly.
  // The background estimate does not follow a step exactly, and the band it leaves reads as shallow ink, so cells
  // at or beside such a step are neither stretched nor measured.
  const nearEdge = new Uint8Array(n)
  for (let c = 0; c < n; c++) {
    if (bgMax[c] - bgMin[c] > stepLevels) eachAround(c, cols, rows, (o) => (nearEdge[o] = 1))
  }
  const darkest = new Uint8Array(n).fill(255)
  const cellOfX = cellIndex(norm.width, cols)
  for (let y = 0; y < norm.height; y++) {
    const first = Math.min(rows - 1, Math.floor((y * rows) / norm.height)) * cols
    const row = y * norm.width
    for (let x = 0; x < norm.width; x++) {
      const c = first + cellOfX[x]
      const v = norm.data[row + x]
      if (v < darkest[c]) darkest[c] = v
    }
  }
  const isLit = new Uint8Array(n)
  let anyLit = false
  const depths: number[] = []
  for (let c = 0; c < n; c++) {
    if (nearEdge[c]) continue
    isLit[c] = litCount[c] > 0 && lit[c] >= 0.5 * litCount[c] ? 1 : 0
    anyLit ||= isLit[c] === 1
    const d = 255 - darkest[c]
    if (!isLit[c] && d >= inkFloor) depths.push(d)
  }
  if (!anyLit || depths.length === 0 || (!opts.wholeSheet && !unlitSurrounds(isLit, cols, rows))) return null
  const target = depthTarget * upperMedian(depths)
  // Washed-out ink is told from the page's own ink: on a page whose ink is pale everywhere (light pencil, a faded
  // scan: faintInkStretch's pages) a shallower cell is a stroke's end, not a glare.
  if (target < minTarget) return null
  const gain = new Float32Array(n).fill(1)
  let any = false
  for (let c = 0; c < n; c++) {
    if (!isLit[c]) continue
    let depth = 255 - darkest[c]
    if (depth < inkFloor)
      eachAround(c, cols, rows, (o) => {
        if (!nearEdge[o]) depth = Math.max(depth, 255 - darkest[o])
      })
    if (depth < inkFloor || depth >= target) continue
    gain[c] = Math.min(maxGain, target / depth)
    any = true
  }
  return any ? { cols, rows, gain } : null
}

/**
 * Multiplies each pixel's depth below white by the grid's gain, interpolated bilinearly between cell centres so
 * that no cell's edge shows as a step. In place.
 */
export function applyInkGain(img: { data: Uint8Array; width: number; height: number }, grid: GainGrid): void {
  const { cols, rows, gain } = grid
  const { width: w, height: h, data } = img
  for (let y = 0; y < h; y++) {
    const fy = Math.min(rows - 1, Math.max(0, ((y + 0.5) * rows) / h - 0.5))
    const y0 = Math.floor(fy),
      y1 = Math.min(rows - 1, y0 + 1),
      ty = fy - y0
    for (let x = 0; x < w; x++) {
      const fx = Math.min(cols - 1, Math.max(0, ((x + 0.5) * cols) / w - 0.5))
      const x0 = Math.floor(fx),
        x1 = Math.min(cols - 1, x0 + 1),
        tx = fx - x0
      const g =
        (1 - ty) * ((1 - tx) * gain[y0 * cols + x0] + tx * gain[y0 * cols + x1]) +
        ty * ((1 - tx) * gain[y1 * cols + x0] + tx * gain[y1 * cols + x1])
      if (g === 1) continue
      const i = y * w + x
      data[i] = Math.max(0, Math.round(255 - (255 - data[i]) * g))
    }
  }
}

/**
 * A glare is a spot on the sheet. Lit paper that reaches two or more sides of the image is something else: the
 * light desk or table around a sheet, or the lit side of a shadow across the page. Clears those regions' cells
 * (8-connected) in place; returns whether any lit cell is left.
 */
export function unlitSurrounds(isLit: Uint8Array, cols: number, rows: number): boolean {
  const seen = new Uint8Array(cols * rows)
  const stack: number[] = []
  let left = false
  for (let start = 0; start < isLit.length; start++) {
    if (!isLit[start] || seen[start]) continue
    const region: number[] = []
    let sides = 0
    seen[start] = 1
    stack.push(start)
    while (stack.length > 0) {
      const c = stack.pop() ?? 0
      region.push(c)
      const cx = c % cols,
        cy = (c - cx) / cols
      if (cx === 0) sides |= 1
      if (cx === cols - 1) sides |= 2
      if (cy === 0) sides |= 4
      if (cy === rows - 1) sides |= 8
      eachAround(c, cols, rows, (o) => {
        if (isLit[o] && !seen[o]) {
          seen[o] = 1
          stack.push(o)
        }
      })
    }
    // Sides touched: a count of the set bits.
    const touched = (sides & 1) + ((sides >> 1) & 1) + ((sides >> 2) & 1) + ((sides >> 3) & 1)
    if (touched >= 2) for (const c of region) isLit[c] = 0
    else left = true
  }
  return left
}

/** For each of `size` pixels along an axis, the index of the cell (of `cells`) it falls in. */
function cellIndex(size: number, cells: number): Int32Array {
  const out = new Int32Array(size)
  for (let i = 0; i < size; i++) out[i] = Math.min(cells - 1, Math.floor((i * cells) / size))
  return out
}

/** Calls `f` with cell `c` of a `cols` × `rows` grid and each of its 8 neighbours inside the grid. */
function eachAround(c: number, cols: number, rows: number, f: (o: number) => void): void {
  const cx = c % cols,
    cy = (c - cx) / cols
  for (let yy = Math.max(0, cy - 1); yy <= Math.min(rows - 1, cy + 1); yy++)
    for (let xx = Math.max(0, cx - 1); xx <= Math.min(cols - 1, cx + 1); xx++) f(yy * cols + xx)
}

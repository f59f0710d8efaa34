// Edits of a PageDoc as pure functions: each takes a document and returns a new one (boxes that
// did not change keep their identity, so undo snapshots share them) plus the ids of the boxes whose
// pixels changed and must be recognised again. The renderer's undo history, the tests and any
// future scripting all go through these.
import { readingAlong, readingFrame, turnRect, type PageBox, type PageDoc, type PageLine } from './pagedoc.ts'
import { upperMedian as median } from './stats.ts'

export interface Rect {
  x: number
  y: number
  w: number
  h: number
}
export interface EditResult {
  doc: PageDoc
  touched: string[]
  created?: string[]
}
export interface Prediction {
  id: string
  label?: string
  confidence?: number
  top3?: PageBox['top3']
}

const MIN_SIDE = 2

/** Integer rectangle inside the image, at least MIN_SIDE px each way. */
export function clampRect(doc: PageDoc, r: Rect): Rect {
  const W = doc.image.width,
    H = doc.image.height
  let w = Math.max(MIN_SIDE, Math.round(r.w)),
    h = Math.max(MIN_SIDE, Math.round(r.h))
  w = Math.min(w, W)
  h = Math.min(h, H)
  const x = Math.min(Math.max(0, Math.round(r.x)), W - w)
  const y = Math.min(Math.max(0, Math.round(r.y)), H - h)
  return { x, y, w, h }
}

/** A box id not used in the document: p1, p2 … for boxes a person made. */
export function freshIds(doc: PageDoc, count: number): string[] {
  const used = new Set(doc.boxes.map((b) => b.id))
  const out: string[] = []
  for (let i = 1; out.length < count; i++) if (!used.has(`p${i}`)) out.push(`p${i}`)
  return out
}

/** A box's geometry changed: the old prediction no longer describes it, the person's label does. */
function reshaped(b: PageBox, r: Rect): PageBox {
  return { ...b, ...r }
}

function withLineExtents(lines: PageLine[], boxes: PageBox[], touchedLines: Set<number>): PageLine[] {
  if (touchedLines.size === 0) return lines
  return lines.map((l) => {
    if (!touchedLines.has(l.index)) return l
    let x0 = Infinity,
      y0 = Infinity,
      x1 = -Infinity,
      y1 = -Infinity
    for (const b of boxes) {
      if (b.line !== l.index) continue
      x0 = Math.min(x0, b.x)
      y0 = Math.min(y0, b.y)
      x1 = Math.max(x1, b.x + b.w)
      y1 = Math.max(y1, b.y + b.h)
    }
    return x1 < x0 ? l : { index: l.index, x: x0, y: y0, w: x1 - x0, h: y1 - y0 }
  })
}

function finish(doc: PageDoc, boxes: PageBox[], touched: string[], lines: Set<number>, created?: string[]): EditResult {
  return {
    doc: { ...doc, boxes, lines: withLineExtents(doc.lines, boxes, lines) },
    touched,
    ...(created ? { created } : {})
  }
}

export function moveBoxes(doc: PageDoc, ids: readonly string[], dx: number, dy: number): EditResult {
  const set = new Set(ids)
  const touched: string[] = []
  const lines = new Set<number>()
  const boxes = doc.boxes.map((b) => {
    if (!set.has(b.id)) return b
    const r = clampRect(doc, { x: b.x + dx, y: b.y + dy, w: b.w, h: b.h })
    if (r.x === b.x && r.y === b.y) return b
    touched.push(b.id)
    lines.add(b.line)
    return reshaped(b, r)
  })
  return finish(doc, boxes, touched, lines)
}

export function setBoxRect(doc: PageDoc, id: string, rect: Rect): EditResult {
  const lines = new Set<number>()
  let touched: string[] = []
  const boxes = doc.boxes.map((b) => {
    if (b.id !== id) return b
    const r = clampRect(doc, rect)
    if (r.x === b.x && r.y === b.y && r.w === b.w && r.h === b.h) return b
    touched = [id]
    lines.add(b.line)
    return reshaped(b, r)
  })
  return finish(doc, boxes, touched, lines)
}

/** Grows (or shrinks, negative) the boxes' width and height, keeping their top-left corner. */
export function resizeBoxes(doc: PageDoc, ids: readonly string[], dw: number, dh: number): EditResult {
  const set = new Set(ids)
  const touched: string[] = []
  const lines = new Set<number>()
  const boxes = doc.boxes.map((b) => {
    if (!set.has(b.id)) return b
    const r = clampRect(doc, { x: b.x, y: b.y, w: b.w + dw, h: b.h + dh })
    if (r.w === b.w && r.h === b.h && r.x === b.x && r.y === b.y) return b
    touched.push(b.id)
    lines.add(b.line)
    return reshaped(b, r)
  })
  return finish(doc, boxes, touched, lines)
}

/** The line a new box belongs to: the one its vertical centre falls in, else the nearest. */
function lineFor(doc: PageDoc, r: Rect): number | null {
  const cy = r.y + r.h / 2
  let best: number | null = null,
    bestD = Infinity
  for (const l of doc.lines) {
    const d = cy < l.y ? l.y - cy : cy > l.y + l.h ? cy - (l.y + l.h) : 0
    if (d < bestD) {
      bestD = d
      best = l.index
    }
  }
  // Far from every line (more than a line height away): a new line.
  if (best !== null) {
    const l = doc.lines[best]
    if (l && bestD > Math.max(l.h, r.h)) return null
  }
  return best
}

/**
 * An edit that places boxes by reading direction (next to a line's neighbour, side by side), done in the frame a
 * turned page was read in (PageDoc image.turn) and brought back to the file's; `rect` turns a rectangle of the file
 * into that frame.
 */
function inReadingFrame(doc: PageDoc, edit: (d: PageDoc, rect: (r: Rect) => Rect) => EditResult): EditResult {
  const deg = doc.image.turn
  if (!deg) return edit(doc, (r) => r)
  const { doc: upright, backToFile } = readingFrame(doc)
  const res = edit(upright, (r) => turnRect(r, doc.image.width, doc.image.height, deg))
  return { ...res, doc: backToFile(res.doc) }
}

export function addBox(doc: PageDoc, rect: Rect): EditResult {
  return inReadingFrame(doc, (d, turn) => addBoxUpright(d, turn(rect)))
}

function addBoxUpright(doc: PageDoc, rect: Rect): EditResult {
  const r = clampRect(doc, rect)
  const [id] = freshIds(doc, 1)
  let line = lineFor(doc, r)
  let lines = doc.lines
  if (line === null) {
    line = doc.lines.length
    lines = [...doc.lines, { index: line, ...r }]
  }
  // Word and position: next to the horizontally nearest box of the line.
  const cx = r.x + r.w / 2
  let nearest: PageBox | null = null,
    at = -1
  for (const [i, b] of doc.boxes.entries()) {
    if (b.line !== line) continue
    if (!nearest || Math.abs(b.x + b.w / 2 - cx) < Math.abs(nearest.x + nearest.w / 2 - cx)) {
      nearest = b
      at = i
    }
  }
  const near = nearest
  // Far from its nearest neighbour (a gap wider than a character's height): a word of its own, not glued to the next.
  const gap = near ? Math.abs(near.x + near.w / 2 - cx) - (near.w + r.w) / 2 : 0
  const alone = near !== null && gap > Math.max(near.h, r.h)
  const after = near !== null && near.x + near.w / 2 <= cx
  const word = !near ? 0 : !alone ? near.word : after ? near.word + 1 : near.word
  let boxes = [...doc.boxes]
  if (alone)
    boxes = boxes.map((b) =>
      b.line === line && (after ? b.word > near!.word : b.word >= near!.word) ? { ...b, word: b.word + 1 } : b
    )
  const box: PageBox = { id, ...r, line, word, source: 'person' }
  if (near) boxes.splice(after ? at + 1 : at, 0, box)
  else boxes.push(box)
  return finish({ ...doc, lines }, boxes, [id], new Set([line]), [id])
}

export function deleteBoxes(doc: PageDoc, ids: readonly string[]): EditResult {
  const set = new Set(ids)
  const lines = new Set<number>()
  const boxes = doc.boxes.filter((b) => {
    if (set.has(b.id)) {
      lines.add(b.line)
      return false
    }
    return true
  })
  return finish(doc, boxes, [], lines)
}

/** Splits a box into `parts` side-by-side boxes of equal width (default 2). */
export function splitBox(doc: PageDoc, id: string, parts = 2): EditResult {
  return inReadingFrame(doc, (d) => splitBoxUpright(d, id, parts))
}

function splitBoxUpright(doc: PageDoc, id: string, parts: number): EditResult {
  const i = doc.boxes.findIndex((b) => b.id === id)
  if (i < 0) return { doc, touched: [] }
  const b = doc.boxes[i]
  const n = Math.max(2, Math.min(parts, Math.floor(b.w / MIN_SIDE)))
  if (b.w < 2 * MIN_SIDE) return { doc, touched: [] }
  const ids = freshIds(doc, n)
  const made: PageBox[] = []
  for (let k = 0; k < n; k++) {
    const x0 = b.x + Math.round((k * b.w) / n),
      x1 = b.x + Math.round(((k + 1) * b.w) / n)
    made.push({ id: ids[k], x: x0, y: b.y, w: x1 - x0, h: b.h, line: b.line, word: b.word, source: 'person' })
  }
  const boxes = [...doc.boxes.slice(0, i), ...made, ...doc.boxes.slice(i + 1)]
  return finish(doc, boxes, ids, new Set([b.line]), ids)
}

/** Merges boxes into one covering all of them, placed where the first of them was read. */
export function mergeBoxes(doc: PageDoc, ids: readonly string[]): EditResult {
  const set = new Set(ids)
  const parts = doc.boxes.filter((b) => set.has(b.id))
  if (parts.length < 2) return { doc, touched: [] }
  const x0 = Math.min(...parts.map((b) => b.x)),
    y0 = Math.min(...parts.map((b) => b.y))
  const x1 = Math.max(...parts.map((b) => b.x + b.w)),
    y1 = Math.max(...parts.map((b) => b.y + b.h))
  const [id] = freshIds(doc, 1)
  const first = parts[0]
  const merged: PageBox = {
    id,
    x: x0,
    y: y0,
    w: x1 - x0,
    h: y1 - y0,
    line: first.line,
    word: Math.min(...parts.filter((p) => p.line === first.line).map((p) => p.word)),
    source: 'person'
  }
  const boxes: PageBox[] = []
  for (const b of doc.boxes) {
    if (b === first) boxes.push(merged)
    else if (!set.has(b.id)) boxes.push(b)
  }
  return finish(doc, boxes, [id], new Set(parts.map((p) => p.line)), [id])
}

/** The person's label for the boxes (null clears it, back to the model's). */
export function setUserLabel(doc: PageDoc, ids: readonly string[], label: string | null): EditResult {
  const set = new Set(ids)
  let changed = false
  const boxes = doc.boxes.map((b) => {
    if (!set.has(b.id)) return b
    if ((b.userLabel ?? null) === label) return b
    changed = true
    const { userLabel: _old, ...rest } = b
    return label === null ? rest : { ...rest, userLabel: label }
  })
  return changed ? { doc: { ...doc, boxes }, touched: [] } : { doc, touched: [] }
}

/**
 * Applies recognition results to the boxes they were computed for. `geometry` is each box's
 * rectangle at request time: a box that moved since is left alone (its own request is in flight).
 */
export function applyPredictions(
  doc: PageDoc,
  preds: readonly Prediction[],
  geometry?: ReadonlyMap<string, Rect>
): PageDoc {
  const byId = new Map(preds.map((p) => [p.id, p]))
  let changed = false
  const boxes = doc.boxes.map((b) => {
    const p = byId.get(b.id)
    if (!p) return b
    const g = geometry?.get(b.id)
    if (g && (g.x !== b.x || g.y !== b.y || g.w !== b.w || g.h !== b.h)) return b
    if (b.label === p.label && b.confidence === p.confidence && !b.imported) return b
    changed = true
    // The model's reading replaces an imported tool's: the box's label is no longer that tool's.
    const { label: _l, confidence: _c, top3: _t, imported: _i, ...rest } = b
    return {
      ...rest,
      ...(p.label !== undefined ? { label: p.label } : {}),
      ...(p.confidence !== undefined ? { confidence: p.confidence } : {}),
      ...(p.top3 !== undefined ? { top3: p.top3 } : {})
    }
  })
  return changed ? { ...doc, boxes } : doc
}

/** Why a box is worth a look, and how urgently (lower first, on the scale of a confidence). */
export interface ReviewItem {
  box: PageBox
  score: number
  reasons: string[]
}

/** Ratios of a box's width to its line's typical character width that suggest a segmentation mistake. */
export const MERGED_RATIO = 1.6
export const NARROW_RATIO = 0.35
/** Top-2 probabilities closer than this: the model hesitated between two readings. */
export const LOW_MARGIN = 0.15

/**
 * The review queue with reasons: low confidence, and segmentation suspects the confidence does not show — a
 * box much wider than its line's typical character (two letters merged: a merged R+A can read as M at 87%;
 * a wide letter like M or W is ~1.2–1.5×, two letters ≈ 2×), much narrower (a letter cut in two), a close
 * second reading, a box far taller or shorter than its line. Scores: a box's confidence, lowered for a suspect.
 */
export function reviewItems(doc: PageDoc): ReviewItem[] {
  if (!doc.image.turn) return reviewItemsUpright(doc)
  // A page read turned: widths and heights as it was read; the items name the file's own boxes (same order).
  return reviewItemsUpright(readingFrame(doc).doc).map((it, i) => ({ ...it, box: doc.boxes[i] }))
}

function reviewItemsUpright(doc: PageDoc): ReviewItem[] {
  const pageW = median(doc.boxes.map((b) => b.w)),
    pageH = median(doc.boxes.map((b) => b.h))
  const byLine = new Map<number, PageBox[]>()
  for (const b of doc.boxes) byLine.set(b.line, [...(byLine.get(b.line) ?? []), b])
  const typical = new Map<number, { w: number; h: number }>()
  for (const [line, boxes] of byLine)
    typical.set(
      line,
      boxes.length >= 4
        ? { w: median(boxes.map((b) => b.w)), h: median(boxes.map((b) => b.h)) }
        : { w: pageW, h: pageH }
    )
  return doc.boxes.map((b) => {
    const reasons: string[] = []
    let score = b.confidence ?? -1
    const t = typical.get(b.line) ?? { w: pageW, h: pageH }
    const r = t.w > 0 ? b.w / t.w : 1
    if (r >= MERGED_RATIO) {
      reasons.push(`${r.toFixed(1)}× as wide as this line's characters: two merged?`)
      score = Math.min(score, 0.1 / r)
    } else if (r <= NARROW_RATIO) {
      reasons.push(`${r.toFixed(2)}× as wide as this line's characters: part of a letter?`)
      score = Math.min(score, 0.2)
    }
    const hr = t.h > 0 ? b.h / t.h : 1
    if (hr >= 1.8 || hr <= 0.4) {
      reasons.push(`${hr.toFixed(1)}× as tall as this line's characters: outside the line?`)
      score = Math.min(score, 0.25)
    }
    const [p1, p2] = b.top3 ?? []
    if (p1 && p2 && p1.p - p2.p < LOW_MARGIN) {
      reasons.push(`${p1.label} or ${p2.label}? (${Math.round(p1.p * 100)}% vs ${Math.round(p2.p * 100)}%)`)
      score = Math.min(score, 0.3 + (p1.p - p2.p))
    }
    return { box: b, score, reasons }
  })
}

/** Boxes in review order: unrecognised first, then the lowest score (confidence, lowered for suspects), ties in reading order. */
export function reviewOrder(doc: PageDoc): PageBox[] {
  return reviewItems(doc)
    .map((it, i) => ({ it, i }))
    .sort((p, q) => p.it.score - q.it.score || p.i - q.i)
    .map((p) => p.it.box)
}

/** The line's boxes in reading order (word, then x), as boxesByLine orders them. */
function lineBoxes(doc: PageDoc, line: number): PageBox[] {
  const along = readingAlong(doc.image.turn)
  return doc.boxes.filter((b) => b.line === line).sort((a, b) => a.word - b.word || along(a) - along(b))
}

/** Sets each box's word index from a word number per box of the line (in reading order), keeping identity where unchanged. */
function renumberLine(doc: PageDoc, line: number, words: Map<string, number>): EditResult {
  let changed = false
  const boxes = doc.boxes.map((b) => {
    const w = words.get(b.id)
    if (b.line !== line || w === undefined || w === b.word) return b
    changed = true
    return { ...b, word: w }
  })
  return changed ? { doc: { ...doc, boxes }, touched: [] } : { doc, touched: [] }
}

/**
 * Joins words: on each line of the selection, every word from the first selected box's to the last
 * one's becomes one word (a word read as two because of a wide gap). Text only: no pixels change.
 */
export function joinWords(doc: PageDoc, ids: readonly string[]): EditResult {
  const set = new Set(ids)
  let d = doc
  for (const line of new Set(doc.boxes.filter((b) => set.has(b.id)).map((b) => b.line))) {
    const boxes = lineBoxes(d, line)
    const chosen = boxes.filter((b) => set.has(b.id))
    const lo = Math.min(...chosen.map((b) => b.word)),
      hi = Math.max(...chosen.map((b) => b.word))
    if (lo === hi) continue
    const words = new Map<string, number>()
    for (const b of boxes) words.set(b.id, b.word < lo ? b.word : b.word <= hi ? lo : b.word - (hi - lo))
    d = renumberLine(d, line, words).doc
  }
  return { doc: d, touched: [] }
}

/** Splits a word in front of box `id`: it and the rest of its word become a new word (a missed word gap). */
export function splitWord(doc: PageDoc, id: string): EditResult {
  const at = doc.boxes.find((b) => b.id === id)
  if (!at) return { doc, touched: [] }
  const boxes = lineBoxes(doc, at.line)
  const k = boxes.findIndex((b) => b.id === id)
  if (k <= 0 || boxes[k - 1].word !== at.word) return { doc, touched: [] } // already starts a word
  const words = new Map<string, number>()
  boxes.forEach((b, i) => words.set(b.id, b.word < at.word || (b.word === at.word && i < k) ? b.word : b.word + 1))
  return renumberLine(doc, at.line, words)
}

/**
 * The word boundaries of a line from a retyped text: `text` has one character per box (in reading order)
 * and spaces where words break. Returns null when the characters do not pair up with the boxes.
 */
export function setLineWords(doc: PageDoc, line: number, text: string): EditResult | null {
  const boxes = lineBoxes(doc, line)
  const words = text.trim().split(/\s+/).filter(Boolean)
  if (words.join('').length !== boxes.length) return null
  const byId = new Map<string, number>()
  let k = 0
  words.forEach((w, wi) => {
    for (let c = 0; c < w.length; c++) byId.set(boxes[k++].id, wi)
  })
  return renumberLine(doc, line, byId)
}

/**
 * Moves boxes to another line (a box the layout put on the wrong line): they join the word of the target
 * line's horizontally nearest box; the lines' extents follow. Text only: the boxes keep their pixels.
 */
export function moveToLine(doc: PageDoc, ids: readonly string[], line: number): EditResult {
  return inReadingFrame(doc, (d) => moveToLineUpright(d, ids, line))
}

function moveToLineUpright(doc: PageDoc, ids: readonly string[], line: number): EditResult {
  if (line < 0 || line >= doc.lines.length) return { doc, touched: [] }
  const set = new Set(ids)
  const target = doc.boxes.filter((b) => b.line === line && !set.has(b.id))
  const lines = new Set<number>([line])
  let changed = false
  const boxes = doc.boxes.map((b) => {
    if (!set.has(b.id) || b.line === line) return b
    const cx = b.x + b.w / 2
    let near: PageBox | null = null
    for (const t of target) if (!near || Math.abs(t.x + t.w / 2 - cx) < Math.abs(near.x + near.w / 2 - cx)) near = t
    changed = true
    lines.add(b.line)
    return { ...b, line, word: near ? near.word : 0 }
  })
  return changed ? finish(doc, boxes, [], lines) : { doc, touched: [] }
}

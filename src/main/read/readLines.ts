// Segmentation by recognition for a whole page: the candidate lattice of every line (read/lattice.ts),
// every candidate classified in one batch, the space probabilities of every line's gaps
// (read/wordGaps.ts), and one decoding search per line (read/decode.ts) with a shape prior, the
// language model and the lexicon. What comes out are ordinary boxes in reading order with their line,
// word, label and top-3, plus what was weighed for each line (the best few readings and every candidate
// segment with its best class), for `transcribe --format json`.
import { existsSync, readFileSync } from 'node:fs'
import { gunzipSync } from 'node:zlib'
import { dirname, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { CLASSES, GLYPH_PIXELS, NUM_CLASSES } from '../../shared/classes.ts'
import type { Classifier } from '../recognize/classifier.ts'
import type { CharBox, SegmentResult } from '../vision/segment.ts'
import type { PageLayout, Rect } from '../vision/layout.ts'
import { closeGlyphInk } from '../vision/closeGlyph.ts'
import { loadCharLm, type CharLm } from './charLm.ts'
import {
  decodeLine,
  segmentBonus,
  tokenRanges,
  type DecodeEdge,
  type DecodedPath,
  type DecoderOptions,
  decoderOptions,
  type EdgePair,
  type Lexicon,
  pairLabels,
  readsPairs
} from './decode.ts'
import {
  buildLattices,
  CUT_DEFAULTS,
  indicesOf,
  isPlainBox,
  MERGE_DEFAULTS,
  type LatticeOptions,
  type LineLattice,
  type SegmentKind
} from './lattice.ts'
import { lineBand, parseSegmentScore, segmentFeatures, segmentScore, type SegmentScoreModel } from './segmentCrf.ts'
import { gapModel, type GapModelOptions } from './wordGaps.ts'
import { lexiconSplit, type WordSplitOptions } from './wordSplit.ts'
import {
  DEFAULT_WORD_RESCUE,
  MAX_TOKEN,
  pairLetters,
  rescuable,
  rescueWords,
  type WordRescueOptions
} from './wordRescue.ts'
import type { PairReader } from './pairReader.ts'
import { PrefixTable, WordTable } from './wordTable.ts'
import type { QuarterTurns } from '../vision/turn.ts'

export interface ShapePriorOptions {
  /** Segments wider than this many times the line's median width are penalised … (default 1.3) */
  wideRatio?: number
  /** … by this times the squared log of the excess (default 20). */
  wideWeight?: number
  /** ln prior of a cut piece (default −2) and of a merge (default −1). */
  cutPrior?: number
  mergePrior?: number
}

export interface ReadLinesOptions {
  lattice?: LatticeOptions
  gaps?: GapModelOptions
  shape?: ShapePriorOptions
  decoder?: Omit<DecoderOptions, 'lm' | 'lexicon'>
  /** The character language model, or null for none. */
  lm: CharLm | null
  lexicon?: Lexicon | null
  /** Run-together words split into lexicon words (read/wordSplit.ts), with a lexicon only. */
  split?: WordSplitOptions
  /** Misread words read again against the lexicon (read/wordRescue.ts), with a lexicon that has prefixes only. */
  rescue?: WordRescueOptions
  /**
   * The learned candidate score (read/segmentCrf.ts) in place of the shape prior and the touching model's
   * certainty as a prior; null for those hand-set priors.
   */
  segmentScore?: SegmentScoreModel | null
}

/** ln prior of a segment of box `b` in a line of median width W: wide boxes are unlikely single characters. */
export function shapePrior(
  b: { w: number; h: number },
  kind: SegmentKind,
  line: { charWidth: number; charHeight: number },
  opts: ShapePriorOptions = {}
): number {
  const wide = opts.wideRatio ?? 1.3
  const a = opts.wideWeight ?? 20
  const r = b.w / Math.max(1, line.charWidth)
  const excess = Math.max(0, Math.log(r / wide))
  const kindPrior = kind === 'cut' ? (opts.cutPrior ?? -2) : kind === 'merge' ? (opts.mergePrior ?? -1) : 0
  return -a * excess * excess + kindPrior
}

export interface ReadBox {
  box: CharBox
  kind: SegmentKind
  line: number
  word: number
  probs: Float32Array
  label: string
  /** This box's row among the page's candidates, in the order prepareLines classified (and extracted) them. */
  candidate: number
  /**
   * Set where the word rescue read the candidate as two characters (read/pairReader.ts): the box is the candidate's
   * left (0) or right (1) half, and `probs` the pair reader's head for it; the candidate's glyph is the pair's.
   */
  half?: 0 | 1
}

/** The left (0) or right (1) half of a box read as two characters, cut at its middle column (its ink's too). */
export function halfBox(b: CharBox, half: 0 | 1): CharBox {
  const cut = (r: Rect): Rect => {
    const w0 = Math.max(1, Math.round(r.w / 2))
    return half === 0 ? { x: r.x, y: r.y, w: w0, h: r.h } : { x: r.x + w0, y: r.y, w: Math.max(1, r.w - w0), h: r.h }
  }
  return {
    ...cut(b),
    origin: 'split',
    ...(b.ink ? { ink: { labels: b.ink.labels, rect: cut(b.ink.rect) } } : {})
  }
}

/** A pair reader's head (36 classes and "no pair") as class probabilities over the 36 classes. */
export function pairClassRow(head: ArrayLike<number>): Float32Array {
  const out = new Float32Array(NUM_CLASSES)
  let sum = 0
  for (let c = 0; c < NUM_CLASSES; c++) sum += head[c]
  for (let c = 0; c < NUM_CLASSES; c++) out[c] = sum > 0 ? head[c] / sum : 1 / NUM_CLASSES
  return out
}

export interface LineDecoding {
  line: number
  alternatives: { text: string; score: number }[]
  /** Tokens of the best path split into lexicon words after the search (read/wordSplit.ts). */
  splits?: { token: string; words: string[] }[]
  /** Tokens of the best path read again as lexicon words (read/wordRescue.ts), and how far below the token's score. */
  rescues?: { token: string; word: string; below: number }[]
  /**
   * Every candidate of the line: its best class and p, whether the best path took it, and `prior`, what the
   * decoder added for it as a segment besides its reading (the learned candidate score θ·z, or the hand-set shape
   * and touching priors; natural-log units).
   */
  candidates: { box: CharBox; kind: SegmentKind; label: string; p: number; chosen: boolean; prior: number }[]
}

export interface ReadLinesResult {
  boxes: ReadBox[]
  lines: LineDecoding[]
  lattices: LineLattice[]
}

/** All candidate boxes of a page's lattices (for cutting a PageDoc's boxes again: transcribe.ts#pageBoxGlyphs). */
export function candidateBoxes(lattices: readonly LineLattice[]): CharBox[] {
  // Plain loops, not callbacks, on the per-page path (docs/ARCHITECTURE.md, "Per-page code keeps its optimised form").
  const out: CharBox[] = []
  for (const l of lattices) for (const s of l.segments) out.push(s.box)
  return out
}

/** A page's lattices with every candidate classified: what decoding needs, computed once. */
export interface PreparedLines {
  lattices: LineLattice[]
  /** Class probabilities of every candidate, lattice by lattice, segment by segment (n × 36). */
  probs: Float32Array
  /** The glyph of every candidate, in the same order (n × 1024): what was classified. */
  glyphs: Float32Array
  /** An additive ln prior per candidate from the touching-letter model (see `touchingPeak`), if any. */
  prior?: Float32Array
  /** The touching model's top probability of each candidate it read (0 for the others), if it read any. */
  touchPeak?: Float32Array
  /**
   * The pair reader's readings (read/pairReader.ts) of the candidates it was asked about, by candidate row: left and
   * right probabilities over the 36 classes and "no pair". The decoder (DecoderOptions.pairPenalty) and the word
   * rescue use them (set by transcribe.ts).
   */
  pairs?: ReadonlyMap<number, { left: Float32Array; right: Float32Array }>
  /**
   * True when `PrepareLinesOptions.notWriting` said the page is no writing and `notWritingRecheck` had it read all
   * the same: its decoded reading is to be judged again.
   */
  doubtedWriting?: boolean
  /** True when `PrepareLinesOptions.notWriting` said the page is no writing: nothing else was built or read. */
  notWriting?: boolean
  /**
   * Set when `PrepareLinesOptions.orient` said the page is to be read turned by this many clockwise quarter turns:
   * nothing else was built or read (the turned page is segmented and read again: transcribe.ts).
   */
  turn?: QuarterTurns
}

export interface PrepareLinesOptions {
  lattice?: LatticeOptions
  /** The touching-letter model, asked for only when a page has a cut box or a merge unit (null or absent: none). */
  touching?: () => Promise<Classifier | null>
  /**
   * Its weight in the geometric mean on a candidate the page's classifier is sure of (top probability at least
   * `touchingSure`; default 0.65; 0 leaves the touching model out; docs/BENCHMARKS.md) …
   */
  touchingWeight?: number
  /**
   * … and on one it is not sure of (default 0.9): a touching pair or a broken letter, where the touching model
   * knows better, while a clean letter the page's classifier is sure of keeps most of its own reading.
   */
  touchingWeightUnsure?: number
  /** The page classifier's top probability from which a candidate counts as sure (default 0.9). */
  touchingSure?: number
  /**
   * Let it read the merges of neighbouring boxes and the boxes they span too (LatticeSegment.mergeUnit; default
   * true): trained with broken strokes, it reads a broken letter's merge as the letter and each fragment as no
   * letter, which `touchingPeak` then charges (docs/BENCHMARKS.md).
   */
  touchingMerges?: boolean
  /**
   * Weight of the touching model's own certainty as a prior of each candidate it reads: touchingPeak ×
   * ln max_c q_c is added to the candidate's score (default 4; 0: none). That model was trained to read a
   * touching pair as no character at all (uniform probabilities; training/neighbours.py) and its pieces as
   * letters, so its top probability says whether a box is one character. The mixture of the two models is
   * normalised per candidate, which throws that away: a pair the page's classifier reads confidently as one
   * wide letter (NO as M) kept most of its probability. Chosen on the tuning pages (docs/BENCHMARKS.md).
   */
  touchingPeak?: number
  /**
   * Reads the cut pieces and their runs (kind 'cut') in place of `classifier`, where given (asked for only when a
   * page has such candidates): a cheaper network for the candidates whose reading the touching model mostly
   * decides (touchingWeight 0.65 where the page's classifier is sure, 0.9 where not). transcribe passes the
   * classifier's own `pieceReader` (the shipped cnn-best's compact member): on the tuning and validation hard
   * pages it read as well as cnn-best there, in 0.83–0.88 of the time on the sample pages (docs/BENCHMARKS.md,
   * "Cut pieces read by cnn-best's compact member"). Detector boxes and merges are read by `classifier`.
   */
  cutReader?: (() => Promise<Classifier | null>) | null
  /** Unsure boxes and merges read again with their ink closed, before the touching model is mixed in (`HealOptions`). */
  heal?: HealOptions
  /**
   * Whether a page is writing at all (read/notWriting.ts), asked of its detector boxes before anything else is
   * read: each box's top probability, its rectangle and its most probable class (index in CLASSES). The lattice
   * is built, but only its detector boxes are classified, mixed with the touching model where the lattice cuts,
   * holds or merges them (as the candidates are below: that model reads wood grain as no character where the
   * page's classifier may be sure of an M). When this says no, nothing else is classified (a desk's grain gives
   * thousands of boxes, and their cuts and merges cost many times their own reading) and the result is
   * `notWriting`, with no lattices. Otherwise those readings are reused, so the page reads exactly as without the
   * question.
   */
  notWriting?: (conf: readonly number[], boxes: readonly CharBox[], labels: readonly number[]) => boolean
  /**
   * With `notWriting` and a touching model: when `notWriting` says the page is writing but this says the readings
   * are doubtful (read/notWriting.ts#doubtfulPage: the classifier is sure of too few boxes), every detector box is
   * read by the touching model too and `notWriting` asked again. That model reads grain in specks as no character
   * where the page's classifier reads many of them as letters. Pages of writing it is sure of pay nothing.
   */
  notWritingDoubt?: (conf: readonly number[]) => boolean
  /**
   * With `notWriting`: when it says a page of this many detector boxes is no writing, whether to read the page all
   * the same, with `doubtedWriting` set, for the verdict to be asked again of its decoded reading (transcribe.ts).
   * Touching letters make wide boxes the classifier is unsure of, as a desk's grain does; cut, they read as letters.
   */
  notWritingRecheck?: (boxes: number) => boolean
  /**
   * With `notWriting`: which way up the page is (read/orientation.ts#pageTurn), asked of the detector boxes' glyphs
   * and the classifier's readings of them before the page is judged writing or not (a page lying sideways reads as
   * no writing); a turn other than 0 ends the preparation with `turn`.
   */
  orient?: (glyphs: Float32Array, n: number, probs: Float32Array) => Promise<0 | QuarterTurns>
}

export interface HealOptions {
  /** Weight of the closed glyph's reading in the weighted geometric mean (default 0.5; 0 turns the step off). */
  weight?: number
  /** Detector boxes and merges read below this top probability are read again (default 0.5). */
  below?: number
}

/**
 * Builds every line's lattice and classifies all candidates in one batch; then builds it again, classifying only
 * the new candidates, where that first look asks for more: the boxes the cut gate opens (below) and wide merges
 * of the boxes the classifier cannot read (LatticeOptions.mergeWideBelow). When `touching` gives a
 * touching-letter model, the candidates of the boxes the lattice cut (LatticeSegment.cutUnit: a touching
 * pair, its pieces and their runs) and, with `touchingMerges`, of its merges (LatticeSegment.mergeUnit: the
 * merge and the boxes it spans) are classified by it too, in a second batch, and their probabilities
 * become the normalised weighted geometric mean of the two (weight `touchingWeight`, 0.65, on the touching
 * model where the page's classifier is sure of the candidate, `touchingWeightUnsure`, 0.9, where it is not).
 * That model was trained on cut pieces with a neighbour's fragment, on broken letters, and on
 * touching pairs and fragments taught to read as no single character (training/neighbours.py): where both models read a candidate as
 * one letter it stays one, where the touching model sees two letters in it the one-box reading loses
 * against the cuts; its own certainty is kept as a prior of each such candidate (`touchingPeak`), since
 * the normalised mixture alone loses it. `touching` is asked only when a page has such a candidate (or for
 * `notWriting`). Before that mixture, the unsure detector boxes and merges are read again with their ink closed
 * (`heal`, healUnsure). With `notWriting`, the detector boxes are read first and the page may stop there.
 */
export async function prepareLines(
  seg: Parameters<typeof buildLattices>[0],
  layout: PageLayout<CharBox>,
  classifier: Classifier,
  extract: (boxes: readonly CharBox[]) => Float32Array | Promise<Float32Array>,
  opts: PrepareLinesOptions = {}
): Promise<PreparedLines> {
  const {
    touching,
    touchingWeight = 0.65,
    touchingWeightUnsure = 0.9,
    touchingSure = 0.9,
    touchingMerges = true,
    touchingPeak = 4
  } = opts
  const special0 = touching && touchingWeight > 0 ? touching : null
  // The touching model, asked for once and only when some candidate needs it, and its reading of each candidate
  // (by box), so that no candidate is read twice: the clutter test, the cut gate and the mixture share them.
  let model: Promise<Classifier | null> | undefined
  const touchRead = new Map<CharBox, Float32Array>()
  /** The touching model's rows for `rows` of `glyphs` (boxes[r] is row r's candidate), or null without one. */
  const touchingRows = async (
    rows: readonly number[],
    boxes: readonly CharBox[],
    glyphs: Float32Array
  ): Promise<Float32Array | null> => {
    const m = special0 && rows.length > 0 ? await (model ??= special0()) : null
    if (!m) return null
    const ask = rows.filter((r) => !touchRead.has(boxes[r]))
    if (ask.length > 0) {
      const q = (await m.predict(glyphRows(glyphs, ask), ask.length)).probs
      ask.forEach((r, k) => touchRead.set(boxes[r], q.slice(k * NUM_CLASSES, (k + 1) * NUM_CLASSES)))
    }
    const out = new Float32Array(rows.length * NUM_CLASSES)
    rows.forEach((r, k) => out.set(touchRead.get(boxes[r])!, k * NUM_CLASSES))
    return out
  }
  const wSure = Math.min(1, touchingWeight),
    wUnsure = Math.min(1, touchingWeightUnsure)
  /** Row r of `into` mixed with row k of the touching model's `q`. */
  const mix = (into: Float32Array, r: number, q: Float32Array, k: number): void => {
    const w = rowPeak(into, r) >= touchingSure ? wSure : wUnsure
    mixGeometric(classRow(into, r), classRow(q, k), w)
  }
  let lattices = buildLattices(seg, layout, {
    ...opts.lattice,
    ...(special0 && !opts.lattice?.cutAlso ? { cutAlso: () => false } : {})
  })
  let all = candidateBoxes(lattices)
  if (all.length === 0) return { lattices, probs: new Float32Array(0), glyphs: new Float32Array(0) }
  let glyphs: Float32Array, probs: Float32Array
  let doubted = false
  // The first lattice's candidates in row order (the clutter test and the cut gate below both look at them).
  const segs = lattices.flatMap((l) => l.segments)
  if (opts.notWriting) {
    // The detector's boxes alone first: is the page writing at all? Read as the mixture below reads them, with
    // the touching model where the lattice cuts, holds or merges a box.
    const rows: number[] = []
    for (let r = 0; r < segs.length; r++) if (segs[r].kind === 'box') rows.push(r)
    const boxes = rows.map((r) => all[r])
    const g = await extract(boxes)
    const p = (await classifier.predict(g, boxes.length)).probs
    const turn = opts.orient ? await opts.orient(g, boxes.length, p) : 0
    if (turn) return { lattices: [], probs: new Float32Array(0), glyphs: new Float32Array(0), turn }
    const units = rows.flatMap((r, k) =>
      segs[r].cutUnit || segs[r].cutHeld || (touchingMerges && segs[r].mergeUnit) ? [k] : []
    )
    /** The boxes' top probabilities and classes, the touching model mixed in on rows `mixed` (indices into boxes). */
    const judged = async (mixed: number[]) => {
      const q = await touchingRows(mixed, boxes, g)
      const both = p.slice()
      if (q) mixed.forEach((k, j) => mix(both, k, q, j))
      return { conf: boxes.map((_, k) => rowPeak(both, k)), labels: boxes.map((_, k) => rowArgmax(both, k)) }
    }
    let { conf, labels } = await judged(units)
    let no = opts.notWriting(conf, boxes, labels)
    // A page of writing its classifier doubts gets a second look: every box read by the touching model too.
    if (!no && special0 && opts.notWritingDoubt?.(conf)) {
      ;({ conf, labels } = await judged(boxes.map((_, k) => k)))
      no = opts.notWriting(conf, boxes, labels)
    }
    if (no && !opts.notWritingRecheck?.(boxes.length))
      return { lattices: [], probs: new Float32Array(0), glyphs: new Float32Array(0), notWriting: true }
    doubted = no
    ;({ all, glyphs, probs } = await reuseRows(lattices, boxes, g, p, classifier, extract, opts.cutReader))
  } else {
    glyphs = await extract(all)
    probs = await readRows(
      classifier,
      opts.cutReader,
      glyphs,
      segs.map((s) => s.kind === 'cut')
    )
  }
  const gated = Boolean(special0) && !opts.lattice?.cutAlso
  const wideBelow = opts.lattice?.mergeWide ? 0 : (opts.lattice?.mergeWideBelow ?? MERGE_DEFAULTS.wideBelow)
  if (gated || wideBelow > 0) {
    // Boxes between cutMinWidths and cutSureWidths median widths are cut only when the touching model, which
    // reads a pair as no letter, is unsure of them as a whole (LatticeOptions.cutGate).
    const cut = new Set<CharBox>()
    const band = gated ? segs.flatMap((s, row) => (s.cutHeld ? [{ box: s.box, row }] : [])) : []
    const q = await touchingRows(
      band.map((b) => b.row),
      all,
      glyphs
    )
    if (q) {
      const gate = opts.lattice?.cutGate ?? CUT_DEFAULTS.gate
      band.forEach((b, i) => {
        if (rowPeak(q, i) < gate) cut.add(b.box)
      })
    }
    // Detector boxes the page's classifier cannot read as one character may be fragments of a wide letter.
    const wide = new Set<CharBox>()
    if (wideBelow > 0)
      segs.forEach((s, row) => {
        if (s.kind === 'box' && rowPeak(probs, row) < wideBelow) wide.add(s.box)
      })
    if (cut.size > 0 || wide.size > 0) {
      const again = buildLattices(seg, layout, {
        ...opts.lattice,
        ...(gated ? { cutAlso: (b: CharBox) => cut.has(b) } : {}),
        ...(wide.size > 0 ? { mergeWide: (b: CharBox) => wide.has(b) } : {})
      })
      ;({ all, glyphs, probs } = await reuseRows(again, all, glyphs, probs, classifier, extract, opts.cutReader))
      lattices = again
    }
  }
  await healUnsure(lattices, glyphs, probs, classifier, opts.heal)
  const unit: boolean[] = []
  for (const l of lattices)
    for (const s of l.segments) unit.push(s.cutUnit === true || (touchingMerges && s.mergeUnit === true))
  const rows = indicesOf(unit)
  const q = await touchingRows(rows, all, glyphs)
  if (!q) return { lattices, probs, glyphs, ...(doubted ? { doubtedWriting: true } : {}) }
  const prior = touchingPeak !== 0 ? new Float32Array(all.length) : undefined
  const touchPeak = new Float32Array(all.length)
  rows.forEach((r, k) => {
    touchPeak[r] = rowPeak(q, k)
    mix(probs, r, q, k)
    if (prior) prior[r] = touchingPeak * Math.log(touchPeak[r])
  })
  return {
    lattices,
    probs,
    glyphs,
    touchPeak,
    ...(prior ? { prior } : {}),
    ...(doubted ? { doubtedWriting: true } : {})
  }
}

/** A candidate's identity across two lattices of one page: its rectangle, kind of ink and cut rows. */
function candidateKey(b: CharBox): string {
  const r = b.ink?.rows
  return `${b.x},${b.y},${b.w},${b.h},${b.origin},${b.ink?.labels.join('+') ?? ''},${r ? `${r.y}:${r.from.join(',')}:${r.to.join(',')}` : ''}`
}

/**
 * Class probabilities of n glyphs: rows with isCut[i] by the classifier `cutReader` gives, when it gives one, the
 * rest by `classifier`.
 */
async function readRows(
  classifier: Classifier,
  pieces: (() => Promise<Classifier | null>) | null | undefined,
  glyphs: Float32Array,
  isCut: readonly boolean[]
): Promise<Float32Array> {
  const n = isCut.length
  const cuts = pieces ? indicesOf(isCut) : []
  const cutReader = cuts.length > 0 && pieces ? await pieces() : null
  if (!cutReader) return (await classifier.predict(glyphs, n)).probs
  const rest = isCut.flatMap((c, i) => (c ? [] : [i]))
  const out = new Float32Array(n * NUM_CLASSES)
  for (const [rows, m] of [
    [cuts, cutReader],
    [rest, classifier]
  ] as const) {
    if (rows.length === 0) continue
    const p = (await m.predict(glyphRows(glyphs, rows), rows.length)).probs
    rows.forEach((r, k) => out.set(classRow(p, k), r * NUM_CLASSES))
  }
  return out
}

/** The candidates of `lattices` with the glyphs and probabilities of those already classified, the rest classified now. */
async function reuseRows(
  lattices: readonly LineLattice[],
  before: readonly CharBox[],
  glyphs: Float32Array,
  probs: Float32Array,
  classifier: Classifier,
  extract: (boxes: readonly CharBox[]) => Float32Array | Promise<Float32Array>,
  cutReader?: (() => Promise<Classifier | null>) | null
): Promise<{ all: CharBox[]; glyphs: Float32Array; probs: Float32Array }> {
  // Plain loops, not callbacks, on the per-page path (docs/ARCHITECTURE.md, "Per-page code keeps its optimised form").
  const known = new Map<string, number>()
  for (let i = 0; i < before.length; i++) known.set(candidateKey(before[i]), i)
  const all = candidateBoxes(lattices)
  const isCut: boolean[] = []
  for (const l of lattices) for (const s of l.segments) isCut.push(s.kind === 'cut')
  const from: (number | undefined)[] = []
  const fresh: number[] = []
  for (let i = 0; i < all.length; i++) {
    const j = known.get(candidateKey(all[i]))
    from.push(j)
    if (j === undefined) fresh.push(i)
  }
  const freshBoxes: CharBox[] = [],
    freshCut: boolean[] = []
  for (const i of fresh) {
    freshBoxes.push(all[i])
    freshCut.push(isCut[i])
  }
  const newGlyphs = fresh.length > 0 ? await extract(freshBoxes) : new Float32Array(0)
  const newProbs = fresh.length > 0 ? await readRows(classifier, cutReader, newGlyphs, freshCut) : new Float32Array(0)
  const g = new Float32Array(all.length * GLYPH_PIXELS)
  const p = new Float32Array(all.length * NUM_CLASSES)
  let k = 0
  for (let i = 0; i < from.length; i++) {
    const j = from[i]
    if (j === undefined) {
      g.set(glyphRow(newGlyphs, k), i * GLYPH_PIXELS)
      p.set(classRow(newProbs, k), i * NUM_CLASSES)
      k++
    } else {
      g.set(glyphRow(glyphs, j), i * GLYPH_PIXELS)
      p.set(classRow(probs, j), i * NUM_CLASSES)
    }
  }
  return { all, glyphs: g, probs: p }
}

/**
 * Broken strokes read again whole: the detector boxes and merges the classifier reads with a top probability
 * below `below` are classified again with their ink closed (vision/closeGlyph.ts: gaps of up to two pixels of the
 * 32×32 glyph filled), and `probs` becomes, on those rows, the normalised weighted geometric mean of the two
 * readings (weight `weight` on the closed glyph). One batch; none when no candidate is that unsure.
 */
async function healUnsure(
  lattices: readonly LineLattice[],
  glyphs: Float32Array,
  probs: Float32Array,
  classifier: Classifier,
  opts: HealOptions = {}
): Promise<void> {
  const weight = Math.min(1, opts.weight ?? 0.5),
    below = opts.below ?? 0.5
  if (weight <= 0) return
  const rows: number[] = []
  let r = 0
  for (const l of lattices)
    for (const s of l.segments) {
      if ((s.kind === 'box' || s.kind === 'merge') && rowPeak(probs, r) < below) rows.push(r)
      r++
    }
  if (rows.length === 0) return
  const q = (await classifier.predict(closeGlyphInk(glyphRows(glyphs, rows), rows.length), rows.length)).probs
  rows.forEach((row, k) => mixGeometric(classRow(probs, row), classRow(q, k), weight))
}

/** Row k of an n × 36 probability table (a view); a function of the module (a closure was compiled again for every page). */
function classRow(probs: Float32Array, k: number): Float32Array {
  return probs.subarray(k * NUM_CLASSES, (k + 1) * NUM_CLASSES)
}

/** The top probability of row `row` of n × 36 class probabilities. */
export function rowPeak(probs: ArrayLike<number>, row: number): number {
  let peak = 0
  for (let c = 0; c < NUM_CLASSES; c++) peak = Math.max(peak, probs[row * NUM_CLASSES + c])
  return peak
}

/** The most probable class of a row of class probabilities. */
export function rowArgmax(probs: ArrayLike<number>, row: number): number {
  let best = 0
  for (let c = 1; c < NUM_CLASSES; c++) if (probs[row * NUM_CLASSES + c] > probs[row * NUM_CLASSES + best]) best = c
  return best
}

const MIX_SCRATCH = new Float64Array(NUM_CLASSES)

/** p ← the normalised weighted geometric mean p^(1−w) · q^w of two rows of class probabilities, in place. */
function mixGeometric(p: Float32Array, q: Float32Array, w: number): void {
  const mixed = MIX_SCRATCH
  let sum = 0
  for (let c = 0; c < NUM_CLASSES; c++) {
    mixed[c] = Math.exp((1 - w) * Math.log(Math.max(p[c], 1e-30)) + w * Math.log(Math.max(q[c], 1e-30)))
    sum += mixed[c]
  }
  for (let c = 0; c < NUM_CLASSES; c++) p[c] = mixed[c] / sum
}

/** Glyph k of n×1024 glyphs (a view), as classRow is a row of probabilities. */
function glyphRow(glyphs: Float32Array, k: number): Float32Array {
  return glyphs.subarray(k * GLYPH_PIXELS, (k + 1) * GLYPH_PIXELS)
}

/** Rows `rows` of n×1024 glyphs, in that order. */
export function glyphRows(glyphs: Float32Array, rows: readonly number[]): Float32Array {
  const out = new Float32Array(rows.length * GLYPH_PIXELS)
  for (let i = 0; i < rows.length; i++) out.set(glyphRow(glyphs, rows[i]), i * GLYPH_PIXELS)
  return out
}

/**
 * A decoding to take over where nothing changed: `previous` is decodeLines' result for the same lattices and options,
 * `changed` the candidates (indices into `probs`, n × 36) whose probabilities differ since. Each line is decoded on its
 * own — the word-gap model depends on the gaps alone — so a line without a changed candidate decodes exactly as before.
 */
export interface DecodeReuse {
  previous: ReadLinesResult
  changed: ReadonlySet<number>
}

/**
 * decodeLine on the candidates the decoder may take: every one but the rescue-only merges (LatticeSegment.rescueOnly),
 * which only the lexicon's second look sees. Steps index `edges` (all the line's candidates) either way.
 */
function decodeMain(
  lat: LineLattice,
  edges: DecodeEdge[],
  space: (number | null)[],
  decoder: DecoderOptions
): DecodedPath[] {
  const kept: number[] = []
  for (let i = 0; i < lat.segments.length; i++) if (!lat.segments[i].rescueOnly) kept.push(i)
  if (kept.length === edges.length) return decodeLine({ nodes: lat.nodes, edges, space }, decoder)
  const paths = decodeLine({ nodes: lat.nodes, edges: kept.map((i) => edges[i]), space }, decoder)
  return paths.map((p) => ({ ...p, steps: p.steps.map((st) => ({ ...st, edge: kept[st.edge] })) }))
}

/**
 * The candidates the pair reader is asked about after a first decoding (transcribe.ts): under every token the word
 * rescue reads again (wordRescue.ts#rescuable: letters among its characters, `minLength`…MAX_TOKEN long, no lexicon
 * word), each detector box and merge (with `pairCuts`, each cut piece and run too) wholly inside the token's
 * stretch of its line's lattice (rows of `read.lattices`' candidates, in order). The rescue-only merges are left out:
 * they join two boxes already. With `decoderPairs` (the decoder may read pairs itself: DecoderOptions.pairPenalty),
 * under every token that is no lexicon word too (numbers, letter–digit codes and short tokens), and with
 * `pairWords` (the default) under lexicon words as well: PAR may be PAIR, and only the decoder can weigh the two.
 */
export function pairCandidates(
  read: ReadLinesResult,
  lexicon: Lexicon,
  opts: WordRescueOptions = {},
  decoderPairs = false
): number[] {
  const minLength = opts.minLength ?? DEFAULT_WORD_RESCUE.minLength
  const cuts = opts.pairCuts ?? DEFAULT_WORD_RESCUE.pairCuts
  const words = decoderPairs && (opts.pairWords ?? DEFAULT_WORD_RESCUE.pairWords)
  const minWidth = opts.pairMinWidth ?? DEFAULT_WORD_RESCUE.pairMinWidth
  const starts: number[] = []
  let n = 0
  for (const l of read.lattices) {
    starts.push(n)
    n += l.segments.length
  }
  const latticeOf = (candidate: number): number => {
    let lo = 0,
      hi = starts.length - 1
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1
      if (starts[mid] <= candidate) lo = mid
      else hi = mid - 1
    }
    return lo
  }
  const tokens = new Map<string, ReadBox[]>()
  for (const b of read.boxes) {
    const key = `${b.line}:${b.word}`
    const t = tokens.get(key)
    if (t) t.push(b)
    else tokens.set(key, [b])
  }
  const rows = new Set<number>()
  for (const boxes of tokens.values()) {
    const text = boxes.map((b) => b.label).join('')
    const asked = decoderPairs
      ? text.length <= MAX_TOKEN && (words || !lexicon.has(text))
      : rescuable(text, lexicon, minLength)
    if (!asked) continue
    const li = latticeOf(boxes[0].candidate)
    const lat = read.lattices[li]
    let from = Infinity,
      to = -Infinity
    for (const b of boxes) {
      const s = lat.segments[b.candidate - starts[li]]
      if (!s) continue
      from = Math.min(from, s.from)
      to = Math.max(to, s.to)
    }
    lat.segments.forEach((s, i) => {
      if (
        s.from >= from &&
        s.to <= to &&
        (s.kind !== 'cut' || cuts) &&
        !s.rescueOnly &&
        s.box.w >= minWidth * lat.charWidth
      )
        rows.add(starts[li] + i)
    })
  }
  return [...rows].sort((a, b) => a - b)
}

/**
 * Whether the pair reader's reading of a candidate gives the second decoding anything to try: a letter pair the
 * decoder would weigh (decode.ts#pairLabels, where it reads pairs) or one the word rescue would
 * (wordRescue.ts#pairLetters). A candidate that offers neither decodes exactly as without its reading,
 * so transcribe leaves it out, and a line with no such candidate is not decoded again.
 */
export function offersPair(
  pair: EdgePair,
  decoder: Pick<DecoderOptions, 'minRatio' | 'maxLabels' | 'pairPenalty'> = {},
  rescue: WordRescueOptions = {}
): boolean {
  if (readsPairs(decoder) && pairLabels(pair, decoder).length > 0) return true
  const [ls, rs] = pairLetters(pair, rescue)
  return ls.length > 0 && rs.length > 0
}

/** Word gaps, shape priors and the search, line by line, on prepared lines. */
export function decodeLines(
  prep: PreparedLines,
  opts: Omit<ReadLinesOptions, 'lattice'>,
  reuse?: DecodeReuse
): ReadLinesResult {
  const { lattices, probs } = prep
  const gm = gapModel(
    lattices.map((l) => l.gaps.filter((g): g is number => g !== null)),
    opts.gaps
  )
  const boxes: ReadBox[] = []
  const lines: LineDecoding[] = []
  const decoder = decoderOptions(opts.decoder, opts.lm, opts.lexicon ?? null)
  const segBonus = segmentBonus(decoder)
  let offset = 0
  lattices.forEach((lat, li) => {
    const base = offset
    if (reuse && reuse.previous.lines.length === lattices.length) {
      // A line none of whose candidates changed decodes as before: its result is taken over.
      let changed = false
      for (const c of reuse.changed) if (c >= base && c < base + lat.segments.length) changed = true
      if (!changed) {
        for (const b of reuse.previous.boxes)
          if (b.candidate >= base && b.candidate < base + lat.segments.length) boxes.push(b)
        lines.push(reuse.previous.lines[li])
        offset += lat.segments.length
        return
      }
    }
    const space: (number | null)[] = []
    let g = 0
    for (const gap of lat.gaps) space.push(gap === null ? null : gm.pSpace[li][g++])
    const learned = opts.segmentScore
    const band = learned ? lineBand(lat) : null
    const edges: DecodeEdge[] = lat.segments.map((s, i) => {
      let prior: number
      if (learned) {
        const tp = prep.touchPeak?.[base + i] ?? 0
        prior = segmentScore(
          learned,
          segmentFeatures(lat, i, classRow(probs, base + i), tp > 0 ? Math.log(tp) : undefined, band!)
        )
      } else prior = shapePrior(s.box, s.kind, lat, opts.shape) + (prep.prior?.[base + i] ?? 0)
      return {
        from: s.from,
        to: s.to,
        probs: classRow(probs, base + i),
        prior,
        // Every edge of one shape (plain false rather than absent): decodeLine's optimised code was thrown away
        // on each new shape (docs/BENCHMARKS.md, "Forty-second session").
        plain: isPlainBox(s),
        pair: prep.pairs?.get(base + i) ?? null
      }
    })
    const paths = decodeMain(lat, edges, space, decoder)
    let best = paths[0]
    const rescued: { token: string; word: string; below: number }[] = []
    if (best && opts.lexicon) {
      const r = rescueWords(
        best.steps,
        edges.map((e, i) => {
          const pair = prep.pairs?.get(base + i)
          return { from: e.from, to: e.to, probs: e.probs, base: e.prior + segBonus, ...(pair ? { pair } : {}) }
        }),
        opts.lexicon,
        opts.rescue
      )
      best = { ...best, steps: r.steps }
      rescued.push(...r.rescued)
    }
    const chosen = new Set<number>()
    let word = 0
    const splits: { token: string; words: string[] }[] = []
    // Spaces the lexicon adds: step indices that start a new word although the path put no space there.
    const splitBefore = new Set<number>()
    if (best && opts.lexicon) {
      for (const [start, end] of tokenRanges(best.steps)) {
        const steps = best.steps.slice(start, end)
        const token = steps.map((st) => st.label).join('')
        const gapBefore = steps.map((st) => lat.gaps[lat.segments[st.edge].from] ?? null)
        const cuts = lexiconSplit(token, gapBefore, opts.lexicon, opts.split)
        if (cuts) {
          for (const c of cuts) splitBefore.add(start + c)
          const bounds = [0, ...cuts, token.length]
          splits.push({ token, words: bounds.slice(1).map((e, i) => token.slice(bounds[i], e)) })
        }
      }
    }
    if (best) {
      best.steps.forEach((st, k) => {
        if (k > 0 && (st.spaceBefore || splitBefore.has(k))) word++
        chosen.add(st.edge)
        const s = lat.segments[st.edge]
        const pair = st.half === undefined ? undefined : prep.pairs?.get(base + st.edge)
        boxes.push({
          box: pair ? halfBox(s.box, st.half!) : s.box,
          kind: s.kind,
          line: lat.line,
          word,
          probs: pair ? pairClassRow(st.half === 0 ? pair.left : pair.right) : classRow(probs, base + st.edge),
          label: st.label,
          candidate: base + st.edge,
          ...(pair ? { half: st.half } : {})
        })
      })
    }
    lines.push({
      line: lat.line,
      alternatives: paths.map((p) => ({ text: p.text, score: p.score })),
      ...(splits.length > 0 ? { splits } : {}),
      ...(rescued.length > 0 ? { rescues: rescued } : {}),
      candidates: lat.segments.map((s, i) => {
        const p = classRow(probs, base + i)
        let k = 0
        for (let c = 1; c < NUM_CLASSES; c++) if (p[c] > p[k]) k = c
        return { box: s.box, kind: s.kind, label: CLASSES[k], p: p[k], chosen: chosen.has(i), prior: edges[i].prior }
      })
    })
    offset += lat.segments.length
  })
  return { boxes, lines, lattices }
}

export async function readLines(
  seg: SegmentResult,
  layout: PageLayout<CharBox>,
  classifier: Classifier,
  extract: (boxes: readonly CharBox[]) => Float32Array | Promise<Float32Array>,
  opts: ReadLinesOptions
): Promise<ReadLinesResult> {
  return decodeLines(await prepareLines(seg, layout, classifier, extract, { lattice: opts.lattice }), opts)
}

const LM_DIR = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', 'resources', 'lm')
/** The shipped character model's file (resources/lm/, built by scripts/build-char-lm.ts). */
export const DEFAULT_LM_PATH = resolve(LM_DIR, 'char5.json.gz')
let shipped: CharLm | null = null
/** The shipped language model, loaded once per process, its digits read as one class (read/charLm.ts). */
export function defaultCharLm(): CharLm {
  shipped ??= loadCharLm(DEFAULT_LM_PATH, { digitClass: true })
  return shipped
}

/** The shipped touching-letter model (resources/touching/, trained by training/train_cnn.py --pieces --pairs). */
export const DEFAULT_TOUCHING_DIR = resolve(LM_DIR, '..', 'touching')
/** The shipped candidate score's card (resources/segment/, written by scripts/train-segment-score.ts). */
export const DEFAULT_SEGMENT_SCORE_PATH = resolve(LM_DIR, '..', 'segment', 'score.json')
let shippedScore: SegmentScoreModel | null | undefined
/** The shipped candidate score (read/segmentCrf.ts), loaded once per process; null where it is not installed. */
export function defaultSegmentScore(): SegmentScoreModel | null {
  if (shippedScore === undefined)
    shippedScore = existsSync(DEFAULT_SEGMENT_SCORE_PATH)
      ? parseSegmentScore(JSON.parse(readFileSync(DEFAULT_SEGMENT_SCORE_PATH, 'utf8')))
      : null
  return shippedScore
}
let touchingModel: Promise<Classifier | null> | undefined
/**
 * The shipped touching-letter model, loaded once per process on first use (onnxruntime and the file are
 * not touched by a page without a cut box or a merge); null when the installation has none.
 */
export function defaultTouchingModel(): Promise<Classifier | null> {
  touchingModel ??= existsSync(resolve(DEFAULT_TOUCHING_DIR, 'model.json'))
    ? import('../recognize/onnxClassifier.ts').then(({ OnnxClassifier }) =>
        OnnxClassifier.load(DEFAULT_TOUCHING_DIR, 'cnn-touching')
      )
    : Promise.resolve(null)
  return touchingModel
}

/** The shipped pair reader (resources/pairs/, trained by training/train_pairs.py). */
export const DEFAULT_PAIRS_DIR = resolve(LM_DIR, '..', 'pairs')
let pairModel: Promise<PairReader | null> | undefined
/** The shipped pair reader, loaded once per process on first use; null when the installation has none. */
export function defaultPairReader(): Promise<PairReader | null> {
  pairModel ??= existsSync(resolve(DEFAULT_PAIRS_DIR, 'model.json'))
    ? import('./pairReader.ts').then(({ loadPairReader }) => loadPairReader(DEFAULT_PAIRS_DIR))
    : Promise.resolve(null)
  return pairModel
}

/**
 * The shipped word list (resources/lm/, built by scripts/build-lexicon.ts from Debian's wamerican): the lines of
 * the system list the lexicon reads, so that every installation reads with the same lexicon. It used to be read
 * from /usr/share/dict where installed, and a machine without it (Windows, macOS, a Linux without the package)
 * read with none.
 */
export const DEFAULT_WORDLIST_PATH = resolve(LM_DIR, 'words.txt.gz')
let shippedWords: Lexicon | null | undefined
const NO_WORDS: Lexicon = new Set<string>()
/**
 * The lexicon: the shipped word list (words of letters only, upper-cased; none in an installation without it)
 * and the person's own words (tokens they typed while correcting, see userWords). The list is read once, into a
 * WordTable (no string per word), and never copied: a page's lexicon is a view over it and the page's own words
 * (copying its ~75 000 words into a new Set cost ~50 ms on every page read). Its `common` view (the list's
 * lower-case entries, built on first use) is what run-together words may split into.
 */
export function lexicon(own: Iterable<string> = []): Lexicon {
  if (shippedWords === undefined) {
    if (existsSync(DEFAULT_WORDLIST_PATH)) {
      const bytes = gunzipSync(readFileSync(DEFAULT_WORDLIST_PATH))
      const all = new WordTable(bytes)
      let common: WordTable | undefined
      let prefixes: PrefixTable | undefined
      const commonView: Lexicon = {
        has: (w) => (common ??= new WordTable(bytes, { lowerCaseOnly: true })).has(w),
        hasPrefix: (p) => (prefixes ??= new PrefixTable(bytes)).hasPrefix(p)
      }
      shippedWords = { has: (w) => all.has(w), common: commonView }
    } else shippedWords = null
  }
  const list = shippedWords ?? NO_WORDS
  const mine = new Set<string>()
  for (const w of own) mine.add(w.toUpperCase())
  if (mine.size === 0) return list
  const listCommon = list.common ?? list
  const minePrefixes = new Set<string>()
  for (const w of mine) for (let i = 1; i <= w.length; i++) minePrefixes.add(w.slice(0, i))
  return {
    has: (word) => mine.has(word) || list.has(word),
    common: {
      has: (word) => mine.has(word) || listCommon.has(word),
      hasPrefix: (p) => minePrefixes.has(p) || (listCommon.hasPrefix?.(p) ?? false)
    }
  }
}

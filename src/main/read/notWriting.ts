// A page the classifier cannot read is not writing. A desk's wood grain, a keyboard or a patterned cloth
// segments into letter-sized strokes, and no shape rule tells all of them from handwriting; but the
// classifier is unsure of most of them, while on pages of writing — even the hard ones, touching and
// broken letters included — it is sure of most characters. So a page has no text (its boxes and lines are
// dropped) when
//  - fewer than half of its detector boxes are read with confidence ≥ NOT_WRITING_CONFIDENCE, or
//  - fewer than CLUTTER_UNSURE_SHARE of them are, and more than CLUTTER_FLAT_SHARE of them are flat (wider
//    than FLAT_ASPECT times their height). Grain breaks into long flat strokes, and some of them are read
//    confidently as M, L or E; capitals are rarely flat: only touching pairs are, a few per page. On the
//    tuning pages (glyphdesk data pages --condition no-text, seeds 21–23, and the hard pages of seeds 2, 3,
//    7) two desks of thirty were read as hundreds of characters with 50–51% of their boxes sure and 29–35%
//    flat, while no page of writing had fewer than 66% sure or more than 14% flat (docs/BENCHMARKS.md).
//    Both must hold, so a page of writing is dropped only if it is both unsure and made of wide boxes.
//  - more than CLUTTER_TALL_SHARE of them are tall (higher than TALL_ASPECT times their width), however sure
//    the classifier is, and their heights are irregular (below): grain running up the photo breaks into upright
//    strokes of any length, and the classifier reads a bar confidently as 1 or I (a tuning desk: 149 boxes, all
//    tall, 89% sure). Capitals and digits are seldom that narrow: on the pages of writing looked at (the hard
//    pages of seeds 2, 3, 7 and 31–35, broken strokes included, and the sample photos; 244 pages) at most 44% of
//    a page's boxes were tall (docs/BENCHMARKS.md). But a narrow hand's A is tall (sample 02's: 62 × 116), and a
//    sheet of its A's in regular lines was read as no text at all; so a page of CLUTTER_ONE_SHAPE_MIN boxes or
//    more is spared when their heights are regular (fewer cannot show lines: a desk's lone upright stroke read
//    as 1 is still clutter).
//  - at least CLUTTER_ONE_SHAPE_MIN of its boxes are sure and more than CLUTTER_ONE_SHAPE_SHARE of those are read
//    as one and the same class, however sure: writing uses many characters (in English text the commonest letter
//    is about an eighth of them), while a texture repeats one shape — a desk's horizontal grain broke into
//    three-barred strokes read confidently as E (a validation desk: 21 of its 22 sure boxes). On the pages of
//    writing of the tuning and validation sets (495 reading passes) and the sample photos, the commonest class
//    was at most 28% of a page's sure boxes (docs/BENCHMARKS.md). A page written in one hand's regular lines
//    keeps its text even so — a sheet of one letter written over and over, to collect samples of it — so this
//    part asks too that the boxes' heights are irregular, as texture's are: their median deviation from the
//    median height above CLUTTER_IRREGULAR_SPREAD of it (the desks 0.19–0.38, that desk 0.28; pages of writing
//    at most 0.11).
import { ascending } from '../../shared/stats.ts'
import type { PageDoc } from '../../shared/pagedoc.ts'

/** The confidence most characters of a page of writing reach (the median page of writing is far above it). */
export const NOT_WRITING_CONFIDENCE = 0.5
/** Width ÷ height above which a box is flat. */
export const FLAT_ASPECT = 1.5
/** Height ÷ width above which a box is tall. */
export const TALL_ASPECT = 1.5
/** Share of tall boxes above which a page is clutter. */
export const CLUTTER_TALL_SHARE = 0.7
/** Share of flat boxes above which an unsure page is clutter … */
export const CLUTTER_FLAT_SHARE = 0.25
/** … when fewer than this share of its boxes are sure. */
export const CLUTTER_UNSURE_SHARE = 0.6

/** Sure boxes a page needs before the share of its commonest class is asked about … */
export const CLUTTER_ONE_SHAPE_MIN = 12
/** … above which share of them one class makes the page clutter … */
export const CLUTTER_ONE_SHAPE_SHARE = 0.6
/**
 * … when its boxes' heights are irregular: they deviate from their median by more than this share of it (the
 * median deviation, `heightSpread`). Asked of the tall rule too.
 */
export const CLUTTER_IRREGULAR_SPREAD = 0.15

/** The median of |h − median h| ÷ median h over the boxes: 0 for boxes of one height. */
export function heightSpread(boxes: ArrayLike<{ h: number }>): number {
  const n = boxes.length
  if (n === 0) return 0
  const hs = Array.from({ length: n }, (_, i) => boxes[i].h).sort(ascending)
  const med = hs[n >> 1]
  if (med <= 0) return 0
  const dev = hs.map((h) => Math.abs(h - med) / med).sort(ascending)
  return dev[n >> 1]
}

/** Below this share of sure boxes a page that passed the rule is looked at again (`doubtfulPage`). */
export const DOUBT_SURE_SHARE = 0.8

/**
 * Whether a page's reading is doubtful enough to be judged again with more evidence (the reading stage reads every
 * detector box with the touching-letter model too, readLines.ts#prepareLines): fewer than DOUBT_SURE_SHARE of its
 * boxes are sure. A desk's grain broken into specks had 60% sure boxes, just enough to pass; pages of writing
 * mostly have over 85%, broken and touching letters 61–80%, and those pay one more read of their boxes.
 */
export function doubtfulPage(conf: ArrayLike<number>): boolean {
  return conf.length > 0 && sureCount(conf) < DOUBT_SURE_SHARE * conf.length
}

/** How many of these confidences are sure: at least NOT_WRITING_CONFIDENCE. */
function sureCount(conf: ArrayLike<number>): number {
  let sure = 0
  for (let i = 0; i < conf.length; i++) if (conf[i] >= NOT_WRITING_CONFIDENCE) sure++
  return sure
}

/**
 * The rule above, on the detector boxes' top confidences, sizes and (for the one-shape part) top classes, any
 * key per class (same order and length); without `labels` that part is not asked.
 */
export function boxesLookLikeClutter(
  conf: ArrayLike<number>,
  boxes: ArrayLike<{ w: number; h: number }>,
  labels?: ArrayLike<number | string>
): boolean {
  const n = conf.length
  if (n === 0) return false
  let sure = 0,
    flat = 0,
    tall = 0
  const perClass = new Map<number | string, number>()
  let commonest = 0
  for (let i = 0; i < n; i++) {
    if (conf[i] >= NOT_WRITING_CONFIDENCE) {
      sure++
      if (labels) {
        const k = (perClass.get(labels[i]) ?? 0) + 1
        perClass.set(labels[i], k)
        commonest = Math.max(commonest, k)
      }
    }
    if (boxes[i].w > FLAT_ASPECT * boxes[i].h) flat++
    if (boxes[i].h > TALL_ASPECT * boxes[i].w) tall++
  }
  if (sure < n / 2 || (sure < CLUTTER_UNSURE_SHARE * n && flat > CLUTTER_FLAT_SHARE * n)) return true
  const manyTall = tall > CLUTTER_TALL_SHARE * n
  // Too few boxes to show regular lines: upright strokes are clutter whatever their heights.
  if (manyTall && n < CLUTTER_ONE_SHAPE_MIN) return true
  const oneClass = sure >= CLUTTER_ONE_SHAPE_MIN && commonest > CLUTTER_ONE_SHAPE_SHARE * sure
  // Both are texture only where the heights are irregular (asked once, and only then).
  return (manyTall || oneClass) && heightSpread(boxes) > CLUTTER_IRREGULAR_SPREAD
}

/** Whether the page's detected boxes look like clutter to the classifier. */
export function looksLikeClutter(doc: PageDoc): boolean {
  const det = doc.boxes.filter((b) => b.source === 'detector')
  return boxesLookLikeClutter(
    det.map((b) => b.confidence ?? 0),
    det,
    det.map((b) => b.label ?? '')
  )
}

/** The page without its boxes and lines when it looks like clutter; otherwise the page unchanged. */
export function dropClutterPage(doc: PageDoc): PageDoc {
  if (!looksLikeClutter(doc)) return doc
  return { ...doc, boxes: doc.boxes.filter((b) => b.source !== 'detector'), lines: [] }
}

// A line the classifier cannot read is not writing either. Where no sheet is found in a photo (a white sheet on a
// light table, docs/BENCHMARKS.md "A sheet on a light table"), the desk's clutter around the writing — a cable, a
// mug's ring, the sheet's own shadowed edge — is grouped into lines of its own, and the language model spells a word
// out of strokes the classifier is unsure of (a cable read as "VIADUCT", every letter at p < 0.15). The page passes
// the page rule above, since its writing is most of it; each such line alone does not. So a line is dropped when
// fewer than LINE_SURE_SHARE of its boxes are read with confidence ≥ NOT_WRITING_CONFIDENCE (the decoded label's
// probability). On the tuning pages (glyphdesk data pages, seeds 2–7, 24 conditions; `npx tsx bench/line-doubt.ts`)
// no line on writing had fewer than 7 of 16 sure boxes (0.44: a shadowed line whose cut pieces read unsure), while
// five of the eight lines read off the desk had none or one of up to nine.
/** Share of sure boxes below which a line is not writing. */
export const LINE_SURE_SHARE = 0.25

/** Whether a line whose boxes have these confidences is not writing (the rule above). */
export function lineLooksLikeClutter(conf: ArrayLike<number>): boolean {
  return conf.length > 0 && sureCount(conf) < LINE_SURE_SHARE * conf.length
}

/**
 * The page without the lines the classifier cannot read (their detector boxes, their line and their decoding
 * record); `kept` lists the indices into `doc.boxes` that stay, in order. Boxes a person drew or typed are never
 * dropped, and a line holding any is kept.
 */
export function dropClutterLines(doc: PageDoc): { doc: PageDoc; kept: number[] } {
  const conf = new Map<number, number[]>()
  const own = new Set<number>()
  for (const b of doc.boxes) {
    if (b.source !== 'detector') own.add(b.line)
    else {
      const c = conf.get(b.line)
      if (c) c.push(b.confidence ?? 0)
      else conf.set(b.line, [b.confidence ?? 0])
    }
  }
  const dropped = new Set([...conf].filter(([line, c]) => !own.has(line) && lineLooksLikeClutter(c)).map((e) => e[0]))
  const all = doc.boxes.map((_, i) => i)
  if (dropped.size === 0) return { doc, kept: all }
  const kept = all.filter((i) => !dropped.has(doc.boxes[i].line))
  return {
    doc: {
      ...doc,
      boxes: kept.map((i) => doc.boxes[i]),
      lines: doc.lines.filter((l) => !dropped.has(l.index)),
      ...(doc.decoding
        ? { decoding: { ...doc.decoding, lines: doc.decoding.lines.filter((l) => !dropped.has(l.line)) } }
        : {})
    },
    kept
  }
}

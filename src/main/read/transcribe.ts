// transcribe: a page image → PageDoc. Segments the page, lays out lines and words, crops every box from
// the background-normalised gray (so shadows do not reach the classifier), masks each crop to its own
// character's ink (handwritten neighbours overlap each other's rectangles), turns each crop into the
// training format with normaliseGlyph, and classifies all glyphs in one batch. Which glyphs those are is
// decided by recognition (read/readLines.ts): every line's candidate segments — the detector's boxes, cuts
// of touching letters, merges of broken ones — are classified together, and a search over the classifier,
// a shape prior, the line's own word gaps and a character language model picks the characters and spaces.
import { createHash } from 'node:crypto'
import { CLASS_INDEX, GLYPH_PIXELS, NUM_CLASSES } from '../../shared/classes.ts'
import { type PageDoc, PageDocSchema } from '../../shared/pagedoc.ts'
import { decodeProbs, predictionRow, type Classifier } from '../recognize/classifier.ts'
import { applyWordContext } from './wordContext.ts'
import type { WordSplitOptions } from './wordSplit.ts'
import { DEFAULT_WORD_RESCUE, type WordRescueOptions } from './wordRescue.ts'
import { PAIR_WIDTH, type PairReader } from './pairReader.ts'
import { adaptLookalikes, DEFAULT_LOOKALIKE, type LookalikeMove, type LookalikeOptions } from './lookalikes.ts'
import type { CharLm } from './charLm.ts'
import { DEFAULT_DECODER, readsPairs, type DecoderOptions, type Lexicon } from './decode.ts'
import { buildLattices, type LatticeOptions } from './lattice.ts'
import {
  candidateBoxes,
  defaultCharLm,
  defaultSegmentScore,
  lexicon as defaultLexicon,
  decodeLines,
  defaultPairReader,
  defaultTouchingModel,
  halfBox,
  offersPair,
  pairCandidates,
  type ReadBox,
  glyphRows,
  type HealOptions,
  prepareLines,
  type PreparedLines,
  type ShapePriorOptions
} from './readLines.ts'
import type { GapModelOptions } from './wordGaps.ts'
import type { SegmentScoreModel } from './segmentCrf.ts'
import { sheetDocOnFile } from './sheet.ts'
import {
  fileRectToSheet,
  segmentScan,
  sheetRectToFile,
  turnSegmentation,
  type PageSegmentation
} from '../vision/sheet.ts'
import type { QuarterTurns } from '../vision/turn.ts'
import { pageTurn, type OrientationOptions } from './orientation.ts'
import { boxesLookLikeClutter, doubtfulPage, dropClutterLines, dropClutterPage } from './notWriting.ts'
import { fileFrame, type GrayImage, type LoadedImage } from '../vision/image.ts'
import { layoutPage, type LayoutOptions, type Rect } from '../vision/layout.ts'
import { normaliseGlyph } from '../vision/normalise.ts'
import { glyphMaskInto } from '../vision/glyphMask.ts'
import { segmentPage, type CharBox, type SegmentOptions, type SegmentResult } from '../vision/segment.ts'

export interface TranscribeOptions {
  /** Recorded in the PageDoc (default ""). */
  path?: string
  /** The file's bytes, to record a sha256 of the image in the PageDoc. */
  fileBytes?: Uint8Array
  segment?: SegmentOptions
  /** The page already segmented (in the page worker, vision/readPage.ts); `segment` is then not used. */
  segmentation?: PageSegmentation
  layout?: LayoutOptions
  /** Paper margin added around each box before normalisation, as a fraction of the page's character height (default 0.06). */
  cropMargin?: number
  /**
   * Blank everything in a crop that is not the box's own character — an overlapping neighbour's strokes,
   * specks — before normalisation (default true). Its halo of kept paper around the ink is `isolateHalo`
   * working pixels (default 2; the working scale has characters ~64 px tall).
   */
  isolateGlyphs?: boolean
  isolateHalo?: number
  /**
   * Segmentation by recognition and decoding (read/readLines.ts; default true). False reads the detector's
   * boxes as they are, with words from the page-wide gap threshold and the look-alike rule of
   * read/wordContext.ts (`wordContext`) — the reading before the decoder, kept for comparison.
   */
  decode?: boolean
  /**
   * Context for the look-alikes (0/O, 1/I …; default true). False reads every box as the classifier alone
   * does: with the decoder that is the language model off (unless `lm` says otherwise), on the old path
   * no word-context rule.
   */
  wordContext?: boolean
  /** The decoder's character language model: on (default: DEFAULT_LM_ON), off, or a model of one's own. */
  lm?: boolean | CharLm
  /** Weight of the language model in the decoder (default DEFAULT_DECODER.lmWeight). */
  lmWeight?: number
  /** Lexicon for the decoder (default: the shipped word list, resources/lm/words.txt.gz); null for none. */
  lexicon?: Lexicon | null
  lattice?: LatticeOptions
  /**
   * The model that reads the candidates of boxes the lattice cuts (touching letters; readLines.ts#prepareLines).
   * Default: the shipped touching-letter model (resources/touching/), when installed; null: the page's classifier reads them too.
   */
  touching?: Classifier | null
  /**
   * Weight of the touching-letter model against the page's classifier on cut and merged boxes the page's classifier
   * is sure of (default 0.65; 1: it alone), on those it is not sure of, and the line between the two
   * (readLines.ts#PrepareLinesOptions: defaults 0.9 and 0.9).
   */
  touchingWeight?: number
  touchingWeightUnsure?: number
  touchingSure?: number
  /** The touching-letter model also reads merges of neighbouring boxes and the boxes they span (default true). */
  touchingMerges?: boolean
  /** Weight of the touching model's certainty as a prior of the candidates it reads (readLines.ts#PrepareLinesOptions; default 4). */
  touchingPeak?: number
  /**
   * Reads the cut pieces in place of the page's classifier (readLines.ts#PrepareLinesOptions.cutReader). Default:
   * the classifier's own `pieceReader` (cnn-best's compact member), if it has one and the touching model is on;
   * null: the classifier itself.
   */
  cutReader?: Classifier | null
  /** Unsure boxes and merges read again with their ink closed (readLines.ts#HealOptions; `{ weight: 0 }` turns it off). */
  heal?: HealOptions
  gaps?: GapModelOptions
  shape?: ShapePriorOptions
  /** Run-together words split into lexicon words after the search (read/wordSplit.ts; `{ minPart: 0 }` turns it off). */
  split?: WordSplitOptions
  /** Misread words read again against the lexicon after the search (read/wordRescue.ts; `{ margin: 0 }` turns it off). */
  rescue?: WordRescueOptions
  /**
   * The pair reader the decoder and the word rescue may read a candidate with as two characters (read/pairReader.ts),
   * asked about the candidates under the first decoding's tokens (readLines.ts#pairCandidates: every token where the
   * decoder reads pairs, only those left as no word where it does not). Default: the shipped one (resources/pairs/),
   * when installed; null: none.
   */
  pairs?: PairReader | null
  decoder?: Omit<DecoderOptions, 'lm' | 'lexicon'>
  /**
   * Look-alikes (O/0, I/1, …) read against the page's own examples of each (read/lookalikes.ts), with the
   * language model on and a classifier that gives features; `{ weight: 0 }` turns it off.
   */
  lookalike?: LookalikeOptions
  /**
   * Find the sheet of paper in a photo and read only the sheet, flattened (read/sheet.ts). Default true;
   * not done when `segmentation` is given (that segmentation is of the whole image).
   */
  sheet?: boolean
  /**
   * Read a page scanned sideways or upside down turned upright (read/orientation.ts; default on, with its defaults).
   * False reads every page as it lies. Only with `decode` (the reading stage) and `dropClutter` on.
   */
  orientation?: OrientationOptions | false
  /** Drop every box of a page the classifier mostly cannot read (read/notWriting.ts). Default true. */
  dropClutter?: boolean
  /**
   * The learned candidate score in place of the hand-set shape prior (readLines.ts#ReadLinesOptions.segmentScore).
   * Default: the shipped one (resources/segment/score.json) where installed; null: the hand-set priors.
   */
  segmentScore?: SegmentScoreModel | null
  /** Called with the page's prepared lattices before decoding (for tools that study the candidates). */
  onPrepared?: (prep: PreparedLines) => void
}

/** Whether the language model is on when nothing says (see docs/BENCHMARKS.md for the measurements behind it). */
export const DEFAULT_LM_ON = true

export interface Transcription {
  doc: PageDoc
  /** The segmentation the boxes came from: of the flat sheet, with `sheet`, when the photo showed one on a desk. */
  segmentation: PageSegmentation
  /** The classifier's input, doc.boxes.length × 1024, in doc.boxes' order. */
  glyphs: Float32Array
}

/** The pixel rectangle cropGray takes for `r` and `margin`: grown by the margin, clipped to the image. */
export function cropRect(img: GrayImage, r: Rect, margin = 0): Rect {
  const x0 = Math.max(0, Math.floor(r.x - margin)),
    y0 = Math.max(0, Math.floor(r.y - margin))
  const x1 = Math.min(img.width, Math.ceil(r.x + r.w + margin)),
    y1 = Math.min(img.height, Math.ceil(r.y + r.h + margin))
  return { x: x0, y: y0, w: Math.max(1, x1 - x0), h: Math.max(1, y1 - y0) }
}

/**
 * Gray crop (0 = ink … 1 = paper) of a rectangle, clipped to the image: what extractGlyph's byte crop stands for
 * (it reads the page's bytes directly; the tests hold the two to the same glyphs).
 */
export function cropGray(img: GrayImage, r: Rect, margin = 0): { data: Float32Array; width: number; height: number } {
  const { x: x0, y: y0, w: width, h: height } = cropRect(img, r, margin)
  const data = new Float32Array(width * height)
  for (let y = 0; y < height; y++) {
    const src = (y0 + y) * img.width + x0
    for (let x = 0; x < width; x++) data[y * width + x] = img.data[src + x] / 255
  }
  return { data, width, height }
}

/** Paper margin added around each box, as a fraction of the page's character height (transcribe's default). */
export const DEFAULT_CROP_MARGIN = 0.06

/**
 * A page of at most this many detector boxes that the clutter rule calls no writing is read all the same and judged
 * again on its decoded reading (`decodedLooksLikeClutter`): a small or crowded page of touching letters has as many
 * wide, unsure boxes as a desk's grain, and its letters, once cut, read surely. Larger ones stay unread: a desk breaks
 * into thousands of marks, and reading them all is what the rule saves.
 */
export const NOT_WRITING_RECHECK_MAX_BOXES = 400

function recheckNotWriting(boxes: number): boolean {
  return boxes <= NOT_WRITING_RECHECK_MAX_BOXES
}

/** The clutter rule (read/notWriting.ts) asked of a decoded reading: each chosen segment's label probability, shape and label. */
export function decodedLooksLikeClutter(boxes: readonly ReadBox[]): boolean {
  return boxesLookLikeClutter(
    boxes.map((b) => b.probs[CLASS_INDEX.get(b.label) ?? 0]),
    boxes.map((b) => b.box),
    boxes.map((b) => b.label)
  )
}

/**
 * The classifier's input for boxes of a segmented page, in the working image's pixels: crop from the
 * background-normalised gray with the margin, blank what is not the box's own ink (detector boxes, which
 * carry their ink), normaliseGlyph. This is the one code path from page to glyph: transcribe uses it, and
 * so does anything that must see a box exactly as the classifier did (corrections for fine-tuning).
 */
export function extractGlyphs(
  seg: SegmentResult,
  boxes: readonly (Rect | CharBox)[],
  opts: Pick<TranscribeOptions, 'cropMargin' | 'isolateGlyphs' | 'isolateHalo'> = {}
): Float32Array {
  const glyphs = new Float32Array(boxes.length * GLYPH_PIXELS)
  for (let i = 0; i < boxes.length; i++) extractGlyph(seg, boxes[i], glyphs, i, opts)
  return glyphs
}

/** Box i's glyph into glyphs[i] (extractGlyphs for one box). */
function extractGlyph(
  seg: SegmentResult,
  box: Rect | CharBox,
  glyphs: Float32Array,
  i: number,
  opts: Pick<TranscribeOptions, 'cropMargin' | 'isolateGlyphs' | 'isolateHalo'>
): void {
  const margin = Math.round((opts.cropMargin ?? DEFAULT_CROP_MARGIN) * seg.charHeight)
  // The crop in bytes, as the page holds it (normaliseGlyph reads byte / 255: the glyph cropGray and
  // normaliseGlyph would make, bit for bit), into buffers kept between calls; pixels outside the mask are paper.
  const img = seg.normalised
  const r = cropRect(img, box, margin)
  const n = r.w * r.h
  if (cropBytes.length < n) {
    cropBytes = new Uint8Array(Math.max(n, cropBytes.length * 2))
    maskBytes = new Uint8Array(cropBytes.length)
  }
  for (let y = 0; y < r.h; y++) {
    const src = (r.y + y) * img.width + r.x
    cropBytes.set(img.data.subarray(src, src + r.w), y * r.w)
  }
  if ((opts.isolateGlyphs ?? true) && 'ink' in box && box.ink) {
    const mask = glyphMaskInto(seg, box, r, opts.isolateHalo ?? 2, maskBytes)
    for (let k = 0; k < n; k++) if (!mask[k]) cropBytes[k] = 255
  }
  normaliseGlyph(cropBytes, r.w, r.h, glyphs.subarray(i * GLYPH_PIXELS, (i + 1) * GLYPH_PIXELS))
}

// extractGlyph's crop and mask, grown as needed (one call at a time on a thread).
let cropBytes = new Uint8Array(0),
  maskBytes = new Uint8Array(0)

/**
 * extractGlyphs that lets the event loop run every ~10 ms: in the app and browser mode transcribe runs on
 * the thread that answers requests, and a page of thousands of components (a noise page) took that thread
 * for hundreds of milliseconds in one piece. Same glyphs, same order.
 */
export async function extractGlyphsYielding(
  seg: SegmentResult,
  boxes: readonly (Rect | CharBox)[],
  opts: Pick<TranscribeOptions, 'cropMargin' | 'isolateGlyphs' | 'isolateHalo'> = {}
): Promise<Float32Array> {
  const glyphs = new Float32Array(boxes.length * GLYPH_PIXELS)
  let slice = performance.now()
  for (let i = 0; i < boxes.length; i++) {
    extractGlyph(seg, boxes[i], glyphs, i, opts)
    if (performance.now() - slice > 10) {
      await new Promise((ok) => setImmediate(ok))
      slice = performance.now()
    }
  }
  return glyphs
}

/** A working-image rectangle in the image file's own pixels (differs when the loader downscaled a huge image). */
export function toFileRect(image: GrayImage | LoadedImage, r: Rect): Rect {
  const { scale, width: fullW, height: fullH } = fileFrame(image)
  const x = Math.max(0, Math.floor(r.x / scale)),
    y = Math.max(0, Math.floor(r.y / scale))
  return {
    x,
    y,
    w: Math.max(1, Math.min(fullW, Math.ceil((r.x + r.w) / scale)) - x),
    h: Math.max(1, Math.min(fullH, Math.ceil((r.y + r.h) / scale)) - y)
  }
}

/**
 * A rectangle of a segmentation in the image file's pixels: through its flat sheet (or turn) when it has one
 * (vision/sheet.ts), else from the working image's pixels.
 */
export function segmentationRectToFile(
  image: GrayImage | LoadedImage,
  seg: Pick<PageSegmentation, 'sheet'>,
  r: Rect
): Rect {
  return seg.sheet ? sheetRectToFile(image, seg.sheet, r) : toFileRect(image, r)
}

/**
 * Glyphs of a PageDoc's boxes (file pixels) on a page segmented again: a box with the rectangle of a
 * detector box or of one of the decoder's candidates (a cut or a merge, or a half of one the word rescue read as two
 * characters) is cropped and masked exactly as transcribe did; any other box (drawn or edited by a person) is cropped
 * from its rectangle without a mask. `fromDetector` counts the boxes found so.
 */
export function pageBoxGlyphs(
  image: GrayImage | LoadedImage,
  seg: PageSegmentation,
  boxes: readonly Rect[],
  opts: Pick<TranscribeOptions, 'cropMargin' | 'isolateGlyphs' | 'isolateHalo' | 'layout' | 'lattice' | 'decode'> = {}
): { glyphs: Float32Array; fromDetector: number } {
  // A page read on its flattened sheet: boxes map to the file through the sheet, and back (vision/sheet.ts).
  const { sheet } = seg
  const { scale } = fileFrame(image)
  const toFile = (r: Rect): Rect => segmentationRectToFile(image, seg, r)
  const fromFile = (r: Rect): Rect =>
    sheet ? fileRectToSheet(image, sheet, r) : { x: r.x * scale, y: r.y * scale, w: r.w * scale, h: r.h * scale }
  const key = (r: Rect) => `${r.x},${r.y},${r.w},${r.h}`
  const detector = new Map<string, CharBox>()
  // The decoder's cuts and merges are regenerated (they depend on the segmentation alone), so a box it
  // chose is cut and masked again exactly as it was read; the detector's own boxes win a tie. Every box may
  // merge wide here: the reader offered wide merges only for boxes it could not read (mergeWideBelow), and
  // any of them may have been chosen.
  // The halves of a candidate the word rescue read as two characters (readLines.ts#halfBox) come last.
  const halves = new Map<string, CharBox>()
  if (opts.decode !== false)
    for (const b of candidateBoxes(
      buildLattices(seg, layoutPage(seg.boxes, opts.layout), { mergeWide: () => true, ...opts.lattice })
    )) {
      detector.set(key(toFile(b)), b)
      for (const side of [0, 1] as const) {
        const h = halfBox(b, side)
        halves.set(key(toFile(h)), h)
      }
    }
  for (const b of seg.boxes) detector.set(key(toFile(b)), b)
  let fromDetector = 0
  const rects = boxes.map((b) => {
    const own = detector.get(key(b)) ?? halves.get(key(b))
    if (own) {
      fromDetector++
      return own
    }
    return fromFile(b)
  })
  return { glyphs: extractGlyphs(seg, rects, opts), fromDetector }
}

export async function transcribe(
  image: GrayImage | LoadedImage,
  classifier: Classifier,
  opts: TranscribeOptions = {}
): Promise<Transcription> {
  const found: PageSegmentation =
    opts.segmentation ??
    (opts.sheet === false ? await segmentPage(image, opts.segment) : await segmentScan(image, opts.segment))
  const read = await readSegmented(image, classifier, found.sheet?.turn ? { ...opts, orientation: false } : opts, found)
  if (!('turn' in read)) return read
  // Sideways or upside down (read/orientation.ts): the page turned upright, segmented again and read; its boxes are
  // mapped back through the turn (and the sheet, if any) onto the file.
  const asIs = async (seg: PageSegmentation): Promise<Transcription> => {
    const r = await readSegmented(image, classifier, { ...opts, orientation: false }, seg)
    if ('turn' in r) throw new Error('transcribe: a page read with its orientation fixed asked to be turned')
    return r
  }
  const again = await asIs(await turnSegmentation(image, found, read.turn, opts.segment))
  // Turned, it is no writing either (a desk's grain can read better sideways): the page as it lies, no turn said.
  return again.doc.boxes.length > 0 ? again : asIs(found)
}

/** transcribe on a given segmentation, or the turn that page should be read with (`orientation`). */
async function readSegmented(
  image: GrayImage | LoadedImage,
  classifier: Classifier,
  opts: TranscribeOptions,
  found: PageSegmentation
): Promise<Transcription | { turn: QuarterTurns }> {
  if (found.sheet) {
    // A sheet on a desk (or a turned page): read the flat sheet as a page of its own, then put its boxes back on
    // the photo.
    const { sheet, ...flatSeg } = found
    const flat = await readSegmented(sheet.image, classifier, { ...opts, sheet: false }, flatSeg)
    if ('turn' in flat) return flat
    return {
      doc: PageDocSchema.parse(sheetDocOnFile(flat.doc, image, sheet)),
      segmentation: found,
      glyphs: flat.glyphs
    }
  }
  const seg = found
  const layout = layoutPage(seg.boxes, opts.layout)

  // Back to the file's own pixels when the loader downscaled a huge image.
  const { width: fullW, height: fullH } = fileFrame(image)
  const toFile = (r: Rect) => toFileRect(image, r)
  const head = {
    version: 1 as const,
    image: {
      path: opts.path ?? '',
      width: fullW,
      height: fullH,
      ...(opts.fileBytes ? { sha256: createHash('sha256').update(opts.fileBytes).digest('hex') } : {}),
      ...('pages' in image && image.pages > 1 ? { page: image.page } : {})
    },
    model: { name: classifier.name },
    lines: layout.lines.map((l) => ({ index: l.index, ...toFile(l) }))
  }

  if (opts.decode === false) {
    const n = layout.boxes.length
    const glyphs = await extractGlyphsYielding(
      seg,
      layout.boxes.map((b) => b.box),
      opts
    )
    const pred = n > 0 ? await classifier.predict(glyphs, n) : null
    const doc: PageDoc = {
      ...head,
      boxes: layout.boxes.map((b, i) => {
        const base = { id: `b${i + 1}`, ...toFile(b.box), line: b.line, word: b.word, source: 'detector' as const }
        return pred ? { ...base, ...predictionRow(pred, i) } : base
      })
    }
    // A page the classifier mostly cannot read is clutter (a desk's grain), not writing (read/notWriting.ts).
    const kept = opts.dropClutter === false ? doc : dropClutterPage(doc)
    return {
      doc: PageDocSchema.parse(opts.wordContext === false ? kept : applyWordContext(kept)),
      segmentation: seg,
      // Clutter dropped every box the classifier read: no glyphs either, so glyphs stay in doc.boxes' order.
      glyphs: kept === doc ? glyphs : new Float32Array(0)
    }
  }

  let prep = await prepareLines(seg, layout, classifier, (boxes) => extractGlyphsYielding(seg, boxes, opts), {
    lattice: opts.lattice,
    touching: opts.touching === undefined ? defaultTouchingModel : async () => opts.touching ?? null,
    touchingWeight: opts.touchingWeight,
    touchingWeightUnsure: opts.touchingWeightUnsure,
    touchingSure: opts.touchingSure,
    touchingMerges: opts.touchingMerges,
    touchingPeak: opts.touchingPeak,
    // Without the touching model the page's classifier alone reads the pieces, so it reads them itself.
    cutReader:
      opts.cutReader !== undefined
        ? async () => opts.cutReader ?? null
        : classifier.pieceReader && opts.touching !== null
          ? () => classifier.pieceReader!()
          : null,
    heal: opts.heal,
    // A page the classifier mostly cannot read is clutter (read/notWriting.ts), judged on the detector's own boxes
    // before anything else is built: a desk's thousands of marks are neither cut, merged nor decoded.
    ...(opts.dropClutter !== false
      ? { notWriting: boxesLookLikeClutter, notWritingDoubt: doubtfulPage, notWritingRecheck: recheckNotWriting }
      : {}),
    ...(opts.orientation !== false
      ? {
          orient: async (g: Float32Array, n: number, p: Float32Array) =>
            (
              await pageTurn(
                g,
                n,
                p,
                async (t, m) => (await classifier.predict(t, m)).probs,
                opts.orientation || undefined
              )
            ).turn
        }
      : {})
  })
  if (prep.turn) return { turn: prep.turn }
  if (prep.notWriting)
    return {
      doc: PageDocSchema.parse({ ...head, boxes: [], lines: [] }),
      segmentation: seg,
      glyphs: new Float32Array(0)
    }
  opts.onPrepared?.(prep)
  // The language model loads (once per process) only for a page that is decoded: never for a desk or noise.
  const lmOn = opts.lm ?? (opts.wordContext === false ? false : DEFAULT_LM_ON)
  const lm = lmOn === false ? null : lmOn === true ? defaultCharLm() : lmOn
  const decodeOpts = {
    gaps: opts.gaps,
    shape: opts.shape,
    segmentScore: opts.segmentScore === undefined ? defaultSegmentScore() : opts.segmentScore,
    split: opts.split,
    rescue: opts.rescue,
    decoder: { ...opts.decoder, ...(opts.lmWeight !== undefined ? { lmWeight: opts.lmWeight } : {}) },
    lm,
    lexicon: lm ? (opts.lexicon === undefined ? defaultLexicon() : opts.lexicon) : null
  }
  let read = decodeLines(prep, decodeOpts)
  if (prep.doubtedWriting && decodedLooksLikeClutter(read.boxes))
    // Its boxes looked like clutter, and so does its reading: no text (read/notWriting.ts).
    return {
      doc: PageDocSchema.parse({ ...head, boxes: [], lines: [] }),
      segmentation: seg,
      glyphs: new Float32Array(0)
    }
  const decoderPairs = readsPairs(decodeOpts.decoder)
  if (
    decodeOpts.lexicon &&
    opts.pairs !== null &&
    ((opts.rescue?.margin ?? DEFAULT_WORD_RESCUE.margin) > 0 || decoderPairs)
  ) {
    // Tokens left as no word (and words, with rescue.pairWords): their candidates read as pairs, and their lines
    // decoded again (the others as before).
    const rows = pairCandidates(read, decodeOpts.lexicon, opts.rescue, decoderPairs)
    const reader = rows.length > 0 ? (opts.pairs ?? (await defaultPairReader())) : null
    if (reader) {
      const r = await reader.read(glyphRows(prep.glyphs, rows), rows.length)
      // Only the readings that offer a pair to try are kept, and only their lines are decoded again: the others
      // would decode exactly as they did (readLines.ts#offersPair).
      const pairs = new Map<number, { left: Float32Array; right: Float32Array }>()
      rows.forEach((row, k) => {
        const left = r.left.subarray(k * PAIR_WIDTH, (k + 1) * PAIR_WIDTH),
          right = r.right.subarray(k * PAIR_WIDTH, (k + 1) * PAIR_WIDTH)
        // Copied only when kept: most readings offer nothing.
        if (offersPair({ left, right }, decodeOpts.decoder, opts.rescue))
          pairs.set(row, { left: left.slice(), right: right.slice() })
      })
      if (pairs.size > 0) {
        prep = { ...prep, pairs }
        read = decodeLines(prep, decodeOpts, { previous: read, changed: new Set(pairs.keys()) })
      }
    }
  }
  let lookalikes: NonNullable<PageDoc['decoding']>['lookalikes']
  if (lm && classifier.embed && (opts.lookalike?.weight ?? DEFAULT_LOOKALIKE.weight) !== 0 && read.boxes.length > 0) {
    // The look-alikes against the page's own examples, then the page decoded again with what moved.
    const boxes = read.boxes
    const embed = classifier.embed.bind(classifier)
    const moved = await adaptLookalikes(
      boxes,
      (idx) =>
        embed(
          glyphRows(
            prep.glyphs,
            idx.map((i) => boxes[i].candidate)
          ),
          idx.length
        ),
      decodeOpts.lexicon,
      opts.lookalike
    )
    if (moved.size > 0) {
      const probs = prep.probs.slice()
      for (const [i, m] of moved) probs.set(m.probs, boxes[i].candidate * NUM_CLASSES)
      // Only the lines holding a moved box are decoded again (decodeLines: the others come out the same).
      read = decodeLines({ ...prep, probs }, decodeOpts, {
        previous: read,
        changed: new Set([...moved.keys()].map((i) => boxes[i].candidate))
      })
      const share = (p: Float32Array, m: LookalikeMove) => {
        const a = p[CLASS_INDEX.get(m.letter)!],
          d = p[CLASS_INDEX.get(m.digit)!]
        return a + d > 0 ? Math.min(1, Math.max(0, a / (a + d))) : 0.5
      }
      lookalikes = [...moved].map(([i, m]) => ({
        ...toFile(boxes[i].box),
        letter: m.letter,
        digit: m.digit,
        letterSimilarity: m.letterSimilarity,
        digitSimilarity: m.digitSimilarity,
        before: share(boxes[i].probs, m),
        after: share(m.probs, m)
      }))
    }
  }
  const probs = new Float32Array(read.boxes.length * NUM_CLASSES)
  read.boxes.forEach((b, i) => probs.set(b.probs, i * NUM_CLASSES))
  const pred = decodeProbs(probs, read.boxes.length)
  const doc: PageDoc = {
    ...head,
    boxes: read.boxes.map((b, i) => {
      const row = predictionRow(pred, i)
      const p = Math.min(1, Math.max(0, b.probs[CLASS_INDEX.get(b.label) ?? 0]))
      return {
        id: `b${i + 1}`,
        ...toFile(b.box),
        line: b.line,
        word: b.word,
        source: 'detector' as const,
        ...row,
        label: b.label,
        confidence: p
      }
    }),
    decoding: {
      lm: lm ? { weight: opts.lmWeight ?? opts.decoder?.lmWeight ?? DEFAULT_DECODER.lmWeight } : null,
      lines: read.lines.map((l) => ({
        line: l.line,
        alternatives: l.alternatives,
        ...(l.splits ? { splits: l.splits } : {}),
        ...(l.rescues ? { rescues: l.rescues } : {}),
        candidates: l.candidates.map((c) => ({
          ...toFile(c.box),
          kind: c.kind,
          label: c.label,
          p: Math.min(1, Math.max(0, c.p)),
          chosen: c.chosen,
          ...(Number.isFinite(c.prior) ? { prior: c.prior } : {})
        }))
      })),
      ...(lookalikes ? { lookalikes } : {})
    }
  }
  // A line the classifier cannot read is not writing (read/notWriting.ts#dropClutterLines): a desk's cable or the
  // sheet's edge grouped into a line of its own where no sheet was found.
  const { doc: kept, kept: keptBoxes } =
    opts.dropClutter === false ? { doc, kept: read.boxes.map((_, i) => i) } : dropClutterLines(doc)
  // The chosen boxes' rows of the candidates' glyphs, in doc.boxes' order; a half of a candidate read as two
  // characters has a glyph of its own.
  const glyphs = glyphRows(
    prep.glyphs,
    keptBoxes.map((i) => read.boxes[i].candidate)
  )
  keptBoxes.forEach((i, k) => {
    if (read.boxes[i].half !== undefined) glyphs.set(extractGlyphs(seg, [read.boxes[i].box], opts), k * GLYPH_PIXELS)
  })
  return { doc: PageDocSchema.parse(kept), segmentation: seg, glyphs }
}

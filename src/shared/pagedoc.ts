// PageDoc: the versioned JSON document for one transcribed page. Undo/redo, the exports and the IPC
// contract all work on this, never on the canvas. Boxes are in the image file's own pixels (upright,
// after EXIF orientation); their array order is the reading order the detector found.
//
// Versions: 1 is a page this app read. 2 adds where a page came from when it was imported from another
// tool's hOCR, ALTO or PAGE XML (`imported` on the document and on its boxes), so the labels that tool
// wrote are never taken for the person's (`userLabel`) nor for this app's classifier. A version-1 document
// is a valid version-2 one; the version is 2 exactly when those fields are present, so an older Glyphdesk
// (which only reads 1) refuses such a page instead of silently dropping where its labels came from.
import { z } from 'zod'
import { CLASSES } from './classes.ts'

const ClassLabel = z.string().refine((s) => CLASSES.includes(s), { message: 'not one of the 36 classes (A–Z, 0–9)' })

export const PageBoxSchema = z.object({
  id: z.string().min(1),
  x: z.number().int().nonnegative(),
  y: z.number().int().nonnegative(),
  w: z.number().int().positive(),
  h: z.number().int().positive(),
  /** Index into `lines`. */
  line: z.number().int().nonnegative(),
  /** Word index within its line. */
  word: z.number().int().nonnegative(),
  label: ClassLabel.optional(),
  confidence: z.number().min(0).max(1).optional(),
  top3: z
    .array(z.object({ label: ClassLabel, p: z.number().min(0).max(1) }))
    .max(3)
    .optional(),
  /** The person's correction; overrides `label` everywhere text is produced. */
  userLabel: ClassLabel.optional(),
  source: z.enum(['detector', 'person']),
  /**
   * Version 2: this box came from an imported file (the document's `imported.tool`). Its `label` and
   * `confidence`, when present, are that tool's reading, not a model's here nor a person's: the review queue
   * shows them and retraining uses them only once a person confirms them (`userLabel`). `aligned` is false
   * when the file's text of the box's word could not be matched to the glyphs found in it (the box then has
   * no label); `word` is the file's text of that word.
   */
  imported: z.object({ aligned: z.boolean(), word: z.string().max(1000).optional() }).optional()
})

export const PageLineSchema = z.object({
  index: z.number().int().nonnegative(),
  x: z.number().int().nonnegative(),
  y: z.number().int().nonnegative(),
  w: z.number().int().nonnegative(),
  h: z.number().int().nonnegative()
})

export const PAGE_FORMATS = ['hocr', 'alto', 'page'] as const

/**
 * Most boxes (and lines) a page may hold: segmentation refuses pages of more than 20 000 components, and a
 * person's splits add some; a document beyond this is not a page of handwriting and is refused whole.
 */
export const MAX_PAGE_BOXES = 50_000
/** More pages than any scanner's stack: a multi-page file's pages are numbered below this (a longer chain is cut). */
export const MAX_FILE_PAGES = 10_000
/** Which page of a multi-page file, from 0: in a PageDoc (`image.page`) and in the app's `pages.open`. */
export const PageIndexSchema = z
  .number()
  .int()
  .min(0)
  .max(MAX_FILE_PAGES - 1)

/** Most candidate segments a line's decoding record may list, and most lines it may have. */
export const MAX_DECODING_CANDIDATES = 200_000

/** A rectangle in the image file's pixels, as the decoding record's fields (spread into its objects). */
const PixelRect = {
  x: z.number().int().nonnegative(),
  y: z.number().int().nonnegative(),
  w: z.number().int().positive(),
  h: z.number().int().positive()
}

/**
 * What the decoder weighed for each line (read/readLines.ts), so a wrong decision can be understood: its
 * best few readings with their scores (natural-log units) and every candidate segment — the detector's
 * boxes, cuts and merges — with its best class and whether the chosen reading used it. Optional and
 * informative only: nothing reads it back, the exports ignore it, and editing a page does not update it.
 */
export const PageDecodingSchema = z.object({
  /** The language model's weight, or null when the page was decoded without one. */
  lm: z.object({ weight: z.number() }).nullable(),
  lines: z
    .array(
      z.object({
        line: z.number().int().nonnegative(),
        alternatives: z.array(z.object({ text: z.string().max(100_000), score: z.number() })).max(20),
        /**
         * Tokens of the best reading that the lexicon split after the search, run-together words
         * (read/wordSplit.ts): the token as read and the words it became. Absent when none was split.
         */
        splits: z
          .array(
            z.object({
              token: z.string().max(100_000),
              words: z.array(z.string().max(100_000)).min(2).max(1000)
            })
          )
          .max(MAX_DECODING_CANDIDATES)
          .optional(),
        /**
         * Tokens of the best reading that were no word and were read again as a lexicon word on the same stretch
         * of candidates (read/wordRescue.ts): the token, the word, and how far below the token's score the word
         * was (natural-log units). Absent when none was.
         */
        rescues: z
          .array(z.object({ token: z.string().max(100_000), word: z.string().max(100_000), below: z.number().min(0) }))
          .max(MAX_DECODING_CANDIDATES)
          .optional(),
        candidates: z
          .array(
            z.object({
              ...PixelRect,
              kind: z.enum(['box', 'merge', 'cut']),
              label: ClassLabel,
              p: z.number().min(0).max(1),
              chosen: z.boolean(),
              /**
               * What the decoder added for this candidate as a segment besides its reading (natural-log units):
               * the learned candidate score, or the hand-set shape prior. A path's score is the sum over its
               * segments of this, ln p of the label read and the per-segment bonus, plus the language model's
               * and lexicon's terms. Absent in files written before it was recorded.
               */
              prior: z.number().optional()
            })
          )
          .max(MAX_DECODING_CANDIDATES)
      })
    )
    .max(MAX_DECODING_CANDIDATES),
  /**
   * Look-alikes read against the page's own examples before the final decoding (read/lookalikes.ts): the
   * glyph's box, its pair, its similarity to the nearest example of each member, and the letter's share of
   * the pair's probability before and after. Absent when nothing moved.
   */
  lookalikes: z
    .array(
      z.object({
        ...PixelRect,
        letter: ClassLabel,
        digit: ClassLabel,
        letterSimilarity: z.number().min(-1.0001).max(1.0001),
        digitSimilarity: z.number().min(-1.0001).max(1.0001),
        before: z.number().min(0).max(1),
        after: z.number().min(0).max(1)
      })
    )
    .max(MAX_DECODING_CANDIDATES)
    .optional()
})

export const PageDocSchema = z
  .object({
    version: z.union([z.literal(1), z.literal(2)]),
    image: z.object({
      path: z.string(),
      width: z.number().int().positive(),
      height: z.number().int().positive(),
      sha256: z
        .string()
        .regex(/^[0-9a-f]{64}$/)
        .optional(),
      /**
       * The page was read turned clockwise by this many degrees (scanned sideways or upside down;
       * read/orientation.ts). Boxes are in the file's pixels as it lies; glyphs are cut from the page turned.
       */
      turn: z.union([z.literal(90), z.literal(180), z.literal(270)]).optional(),
      /** Which page of a multi-page TIFF this is, from 0 (absent: a file of one page). */
      page: PageIndexSchema.optional()
    }),
    model: z.object({ name: z.string() }).optional(),
    boxes: z.array(PageBoxSchema).max(MAX_PAGE_BOXES),
    lines: z.array(PageLineSchema).max(MAX_PAGE_BOXES),
    /** Version 2: the file this page was imported from, and the tool that wrote it (e.g. "tesseract 5.3.0"). */
    imported: z.object({ format: z.enum(PAGE_FORMATS), tool: z.string().max(200), file: z.string() }).optional(),
    decoding: PageDecodingSchema.optional()
  })
  .superRefine((doc, ctx) => {
    const v2 = doc.imported !== undefined || doc.boxes.some((b) => b.imported !== undefined)
    if (v2 && doc.version !== 2)
      ctx.addIssue({ code: 'custom', path: ['version'], message: 'a page with imported labels is PageDoc version 2' })
  })

export type PageBox = z.infer<typeof PageBoxSchema>
export type PageLine = z.infer<typeof PageLineSchema>
export type PageDoc = z.infer<typeof PageDocSchema>

/** The character a box stands for: the person's label, else the prediction, else "?". */
export function boxText(b: PageBox): string {
  return b.userLabel ?? b.label ?? '?'
}

/**
 * Boxes grouped by line, in ascending line index, each line's boxes left to right. Every line the document
 * lists is present (possibly empty), plus every line a box names. Line numbers come from the document,
 * which may be hostile (`"line": 1e9`), so they key a Map and are never used as array indices: the result
 * has at most lines + boxes entries, and entry k is the k-th line in order, not line number k.
 */
export function boxesByLine(doc: PageDoc): PageBox[][] {
  const byIndex = new Map<number, PageBox[]>()
  for (const l of doc.lines) if (!byIndex.has(l.index)) byIndex.set(l.index, [])
  for (const b of doc.boxes) {
    const l = byIndex.get(b.line)
    if (l) l.push(b)
    else byIndex.set(b.line, [b])
  }
  const lines = [...byIndex.entries()].sort((p, q) => p[0] - q[0]).map((e) => e[1])
  const along = readingAlong(doc.image.turn)
  for (const l of lines) l.sort((a, b) => a.word - b.word || along(a) - along(b))
  return lines
}

/**
 * A box's position along its line in reading order: its centre's x, or for a page read turned (image.turn) the
 * file direction the text runs in (a page turned 90° clockwise to be read runs up the file, one turned 180° right
 * to left, one turned 270° down).
 */
export function readingAlong(
  turn: PageTurn | undefined
): (b: { x: number; y: number; w: number; h: number }) => number {
  switch (turn) {
    case 90:
      return (b) => -(b.y + b.h / 2)
    case 180:
      return (b) => -(b.x + b.w / 2)
    case 270:
      return (b) => b.y + b.h / 2
    default:
      return (b) => b.x + b.w / 2
  }
}

/** How far clockwise a page was turned to be read (PageDoc image.turn). */
export type PageTurn = NonNullable<PageDoc['image']['turn']>
interface TurnRect {
  x: number
  y: number
  w: number
  h: number
}

/** The turn that undoes a turn. */
const BACK: Record<PageTurn, PageTurn> = { 90: 270, 180: 180, 270: 90 }

/** Where a rectangle of a W × H frame lies once the frame is turned clockwise by `deg`. Exact (whole pixels stay whole). */
export function turnRect<R extends TurnRect>(r: R, W: number, H: number, deg: PageTurn): R {
  if (deg === 90) return { ...r, x: H - r.y - r.h, y: r.x, w: r.h, h: r.w }
  if (deg === 180) return { ...r, x: W - r.x - r.w, y: H - r.y - r.h }
  return { ...r, x: r.y, y: W - r.x - r.w, w: r.h, h: r.w }
}

/**
 * A page read turned (image.turn) in the frame it was read in: its boxes and lines turned with the page, the image
 * size that of the turned page, and no turn; the decoding is left out (its rectangles stay in the file's frame).
 * `backToFile` is its inverse for a document in that frame: a box an edit left alone comes back as the very object
 * it was, and a document no edit changed as the page itself.
 */
export function readingFrame(doc: PageDoc): { doc: PageDoc; backToFile: (d: PageDoc) => PageDoc } {
  const deg = doc.image.turn
  if (!deg) return { doc, backToFile: (d) => d }
  const { width: W, height: H } = doc.image
  const odd = deg !== 180
  const { turn: _t, ...image } = doc.image
  const original = new Map<PageBox, PageBox>()
  const boxes = doc.boxes.map((b) => {
    const t = turnRect(b, W, H, deg)
    original.set(t, b)
    return t
  })
  const { decoding: _d, ...rest } = doc
  const upright: PageDoc = {
    ...rest,
    image: { ...image, width: odd ? H : W, height: odd ? W : H },
    boxes,
    lines: doc.lines.map((l) => turnRect(l, W, H, deg))
  }
  const back = BACK[deg]
  return {
    doc: upright,
    backToFile: (d) =>
      d === upright
        ? doc
        : {
            ...doc,
            ...d,
            image: doc.image,
            boxes: d.boxes.map((b) => original.get(b) ?? turnRect(b, d.image.width, d.image.height, back)),
            lines: d.lines.map((l) => turnRect(l, d.image.width, d.image.height, back)),
            ...(doc.decoding ? { decoding: doc.decoding } : {})
          }
  }
}

/** The page's text: one line per text line, a space between words; user labels override predictions. */
export function assembleText(doc: PageDoc): string {
  return boxesByLine(doc)
    .map((line) => line.map((b, i) => (i > 0 && b.word !== line[i - 1].word ? ' ' : '') + boxText(b)).join(''))
    .join('\n')
}

/**
 * A page's name as people see it (page picker, comparisons, exported file names): the image's file name,
 * without the content-hash prefix that uploads of older versions carried (`0123456789ab-name.jpg`).
 */
export function pageDisplayName(path: string, page?: number): string {
  const base = path.split(/[\\/]/).pop() ?? ''
  const name = base.replace(/^[0-9a-f]{12}-(?=.)/, '') || 'page'
  return page === undefined ? name : `${name} · page ${page + 1}`
}

/**
 * A page's name for files written from it (exports, glyph images): the file's name without its extension, and for
 * a page of a multi-page TIFF its page number (`scan-p2`, as `glyphdesk transcribe` names a batch's outputs).
 */
export function pageFileStem(path: string, page?: number): string {
  const stem = pageDisplayName(path).replace(/\.[^.]+$/, '') || 'page'
  return page === undefined ? stem : `${stem}-p${page + 1}`
}

// Import of another tool's OCR file (hOCR, ALTO, PAGE XML) with its page image into a PageDoc for review.
//
//  - The file's lines and words keep their place. Glyph boxes the file has are taken as they are.
//  - A word (or a line, in a file without words) that has no glyph boxes gets the glyphs Glyphdesk finds on the
//    page whose centre lies inside its box, in reading order: the reading stage's (read/transcribe.ts, run once
//    with the caller's classifier: touching letters cut, broken ones joined), or the detector's (vision/segment.ts)
//    when those match the word and the reader's do not, or without a classifier. When their number equals the
//    number of the word's characters that are Glyphdesk classes (letters upper-cased; punctuation dropped, as the
//    segmenter drops it too), they are aligned one to one and take the file's characters as labels; otherwise,
//    with a classifier, the word's letters are aligned to the reading stage's candidates inside it (every box,
//    cut and merge it weighed: the likeliest path of exactly as many, read/forcedPath.ts); failing that the
//    glyphs are kept without labels and marked `aligned: false`. A word with no glyph found inside keeps its own
//    box, unaligned, so every word of the file is in the page.
//  - Labels are the tool's (`label`, with `imported` set on the box and `imported.tool` on the document),
//    never the person's: the review queue shows them, and retraining only uses boxes a person confirms.
//    Glyphdesk's own ALTO and PAGE files bring back the person's corrections as `userLabel`.
//
// Everything is checked before anything is returned: size, well-formedness, format, the image's size
// against the size the file states, coordinates inside the image. A failed import changes nothing.
import { createHash } from 'node:crypto'
import { readFile, stat } from 'node:fs/promises'
import { basename, resolve } from 'node:path'
import { CLASS_INDEX, CLASSES, NUM_CLASSES } from '../../shared/classes.ts'
import { type PageBox, type PageDoc, PageDocSchema, type PageLine, readingAlong } from '../../shared/pagedoc.ts'
import { loadImage, type LoadedImage } from '../vision/image.ts'
import { readPage } from '../vision/readPage.ts'
import { tiffPageCountOf } from '../vision/tiffPages.ts'
import { segmentPage, type SegmentOptions } from '../vision/segment.ts'
import { segmentationAsRead, type PageSegmentation } from '../vision/sheet.ts'
import { segmentationRectToFile, transcribe } from '../read/transcribe.ts'
import { centreInside } from '../core/rect.ts'
import type { Classifier } from '../recognize/classifier.ts'
import { lnp } from '../read/decode.ts'
import { forcedPath } from '../read/forcedPath.ts'
import type { PreparedLines } from '../read/readLines.ts'
import { readOcrDocument, type ImportedPage, type Rect } from './read.ts'
import { InterchangeError, MAX_FILE_BYTES, parseXml } from './xml.ts'

export { InterchangeError, MAX_FILE_BYTES }

/** Coordinates may overshoot the image by this many pixels (rounding of polygons); beyond it the file is refused. */
const EDGE_TOLERANCE = 2

export interface ImportReport {
  format: ImportedPage['format']
  version: string
  tool: string
  lines: number
  /** Words of the file (line-level entries count once per word of their text). */
  words: number
  /** Words whose glyph boxes came from the file itself. */
  wordsWithFileGlyphs: number
  /** Words whose glyphs Glyphdesk segmented and aligned to the file's text. */
  alignedWords: number
  /** Words whose segmented glyphs could not be matched to the text (boxes kept, no labels). */
  unalignedWords: number
  /** Words with no glyph found inside: kept as one unaligned box. */
  emptyWords: number
  boxes: number
}

export interface ImportResult {
  doc: PageDoc
  report: ImportReport
  image: LoadedImage
  imageBytes: Buffer
  /** Of the page as Glyphdesk reads it: the flat sheet of a photo (in the app), the page turned when the file says its text lies turned. */
  segmentation: PageSegmentation | null
}

/** Reads and parses an OCR file, refusing it by size before reading a byte of it. */
export async function readOcrFile(file: string, bytes?: Buffer): Promise<ImportedPage> {
  const name = basename(file)
  let buf = bytes
  if (!buf) {
    const st = await stat(file).catch((e: NodeJS.ErrnoException) => {
      throw new InterchangeError(`${file} cannot be read (${e.code ?? e.message})`)
    })
    if (!st.isFile()) throw new InterchangeError(`${file} is not a file`)
    if (st.size > MAX_FILE_BYTES)
      throw new InterchangeError(
        `${name} is ${mb(st.size)}; Glyphdesk imports OCR files up to ${mb(MAX_FILE_BYTES)} (one page each)`
      )
    buf = await readFile(file)
  } else if (buf.length > MAX_FILE_BYTES) {
    throw new InterchangeError(
      `${name} is ${mb(buf.length)}; Glyphdesk imports OCR files up to ${mb(MAX_FILE_BYTES)} (one page each)`
    )
  }
  if (buf.length === 0) throw new InterchangeError(`${name} is empty`)
  if (buf[0] === 0xff && buf[1] === 0xfe) throw new InterchangeError(`${name} is UTF-16; save it as UTF-8`)
  const text = buf.toString('utf8').replace(/^\uFEFF/, '')
  if (!text.trimStart().startsWith('<'))
    throw new InterchangeError(`${name} is not XML (it does not start with "<"); import hOCR, ALTO or PAGE XML`)
  return readOcrDocument(parseXml(text, name), name)
}

function mb(n: number): string {
  return `${(n / 1024 / 1024).toFixed(n < 10 * 1024 * 1024 ? 1 : 0)} MB`
}

export interface ImportOptions {
  segment?: SegmentOptions
  /** The OCR file's bytes when they do not come from disk (the app's upload). */
  ocrBytes?: Buffer
  /** The image's bytes when they do not come from disk. */
  imageBytes?: Buffer
  /**
   * Decode and segment the image in the page worker (vision/readPage.ts), off the calling thread, with its
   * time and memory limits: the app and browser mode, where a hostile image or a noise page must not hold
   * every other request. The segmentation is then always made (`segment` does not apply).
   */
  inWorker?: boolean
  /**
   * Words without glyph boxes are cut into glyphs by Glyphdesk's reading stage with this classifier (touching
   * letters cut, broken ones joined: read/transcribe.ts), the detector's boxes tried where those do not match the
   * word's letters. Without it, the detector's boxes alone.
   */
  classifier?: Classifier
  /**
   * Where neither the reading stage's glyphs nor the detector's match a word, align its letters to the reading
   * stage's candidates (ReaderGlyphs.align; default true, with a classifier).
   */
  forceAlign?: boolean
}

/** OCR file + page image → PageDoc (version 2), after every check. */
export async function importOcrFile(
  ocrPath: string,
  imagePath: string,
  opts: ImportOptions = {}
): Promise<ImportResult> {
  const page = await readOcrFile(ocrPath, opts.ocrBytes)
  const imageBytes =
    opts.imageBytes ??
    (await readFile(imagePath).catch((e: NodeJS.ErrnoException) => {
      throw new InterchangeError(`the image ${imagePath} cannot be read (${e.code ?? e.message})`)
    }))
  const needsSegmentation = page.lines.some((l) => l.words.some((w) => w.glyphs.length === 0))
  // A multi-page TIFF: the page the file names, else the first (with the image's warning that there are more).
  const pages = tiffPageCountOf(imageBytes)
  const imagePage = pages > 1 && page.imagePage !== undefined && page.imagePage < pages ? page.imagePage : undefined
  let image: LoadedImage
  let segmentation: PageSegmentation | null = null
  if (opts.inWorker) {
    const read = await readPage(imageBytes, imagePath, imagePage !== undefined ? { page: imagePage } : {})
    image = read.image
    segmentation = read.seg
    checkGeometry(page, image, basename(ocrPath), basename(imagePath))
  } else {
    image = await loadImage(imageBytes, { chroma: false, ...(imagePage !== undefined ? { page: imagePage } : {}) })
    checkGeometry(page, image, basename(ocrPath), basename(imagePath))
    if (needsSegmentation) segmentation = await segmentPage(image, opts.segment)
  }
  // Text that lies turned (the file says so) is segmented with the page turned, as Glyphdesk reads such a page: a
  // sideways 1 is a flat stroke, which the page as it lies drops.
  if (segmentation && page.turn) segmentation = await segmentationAsRead(image, segmentation, page.turn)
  // The reading stage's glyphs, in the file's pixels: the page read as it lies in the file's reading direction
  // (the file decides the turn), every box kept (the file says there is writing).
  const read =
    segmentation && needsSegmentation && opts.classifier
      ? await readerGlyphs(image, segmentation, opts.classifier, opts.forceAlign ?? true)
      : undefined
  const { doc, report } = buildDoc(
    page,
    image,
    segmentation,
    {
      ocrPath: resolve(ocrPath),
      imagePath: resolve(imagePath),
      sha256: createHash('sha256').update(imageBytes).digest('hex')
    },
    read
  )
  return { doc, report, image, imageBytes, segmentation }
}

/**
 * What the reading stage offers a word without glyph boxes: the glyphs it read (file pixels), and a forced
 * alignment of the word's letters over every candidate it weighed (`align`).
 */
export interface ReaderGlyphs {
  boxes: Rect[]
  /**
   * The word's letters aligned to the reading stage's candidates inside its box (file pixels), one candidate per
   * letter, left to right, covering the stretch of the line the candidates inside span: of all such paths the one
   * the classifier finds likeliest to read the word's letters. Null when no path of that many candidates exists.
   */
  align: (word: Rect, letters: readonly string[]) => Rect[] | null
}

/** The page read by the reading stage, its glyphs and candidates kept for aligning words (ReaderGlyphs). */
async function readerGlyphs(
  image: LoadedImage,
  segmentation: PageSegmentation,
  classifier: Classifier,
  forceAlign: boolean
): Promise<ReaderGlyphs> {
  let prep: PreparedLines | undefined
  const { doc } = await transcribe(image, classifier, {
    segmentation,
    // The file decides which way its text runs, and that there is writing.
    orientation: false,
    dropClutter: false,
    onPrepared: (p) => (prep = p)
  })
  const candidates: { rect: Rect; line: number; from: number; to: number; row: number }[] = []
  let row = 0
  prep?.lattices.forEach((l, line) => {
    for (const s of l.segments)
      candidates.push({
        rect: segmentationRectToFile(image, segmentation, s.box),
        line,
        from: s.from,
        to: s.to,
        row: row++
      })
  })
  const probs = prep?.probs ?? new Float32Array(0)
  const prior = prep?.prior
  return {
    boxes: doc.boxes.map(({ x, y, w, h }) => ({ x, y, w, h })),
    align: (word, letters) => {
      if (!forceAlign) return null
      const classes = letters.map((c) => CLASS_INDEX.get(c))
      if (classes.some((c) => c === undefined) || classes.length === 0) return null
      const inside = candidates.filter((c) => centreInside(c.rect, word))
      if (inside.length === 0) return null
      // The line of the page most of the word's candidates are on.
      const perLine = new Map<number, number>()
      for (const c of inside) perLine.set(c.line, (perLine.get(c.line) ?? 0) + 1)
      const line = [...perLine].sort((a, b) => b[1] - a[1])[0][0]
      const mine = inside.filter((c) => c.line === line)
      const path = forcedPath(
        mine,
        classes.length,
        Math.min(...mine.map((c) => c.from)),
        Math.max(...mine.map((c) => c.to)),
        // ln p of the letter read by the candidate, and the touching model's prior of it.
        (c, k) => lnp(probs[c.row * NUM_CLASSES + classes[k]!]) + (prior?.[c.row] ?? 0)
      )
      return path && path.map((c) => c.rect)
    }
  }
}

/** Scale from the file's units to image pixels, after checking the stated page size against the image. */
function pageScale(
  page: ImportedPage,
  image: LoadedImage,
  file: string,
  imageName: string
): { sx: number; sy: number } {
  const W = image.originalWidth,
    H = image.originalHeight
  if (page.width === undefined || page.height === undefined) {
    if (page.unit !== 'pixel')
      throw new InterchangeError(
        `${file} measures in ${page.unit} but states no page size, so its coordinates cannot be placed on the image`
      )
    return { sx: 1, sy: 1 }
  }
  if (page.width <= 0 || page.height <= 0)
    throw new InterchangeError(`${file} states a page of ${page.width}×${page.height}`)
  if (page.unit === 'pixel') {
    if (Math.round(page.width) !== W || Math.round(page.height) !== H) {
      // A phone photo's EXIF rotation is applied here; some tools read the pixels as stored.
      const turned = Math.round(page.width) === H && Math.round(page.height) === W
      throw new InterchangeError(
        `${file} describes a ${page.width}×${page.height} page but ${imageName} is ${W}×${H}` +
          (turned
            ? ' upright (its EXIF orientation applied); the file was made from the unrotated pixels, so re-run that tool on an upright copy'
            : '; choose the image the file was made from')
      )
    }
    return { sx: 1, sy: 1 }
  }
  const sx = W / page.width,
    sy = H / page.height
  if (Math.abs(sx - sy) > 0.02 * Math.max(sx, sy)) {
    throw new InterchangeError(
      `${file} describes a page of ${page.width}×${page.height} ${page.unit}, whose shape differs from ${imageName} (${W}×${H}); choose the image the file was made from`
    )
  }
  return { sx, sy }
}

function checkGeometry(page: ImportedPage, image: LoadedImage, file: string, imageName: string): void {
  const { sx, sy } = pageScale(page, image, file, imageName)
  const W = image.originalWidth,
    H = image.originalHeight
  const check = (r: Rect, what: string) => {
    const x0 = r.x * sx,
      y0 = r.y * sy,
      x1 = (r.x + r.w) * sx,
      y1 = (r.y + r.h) * sy
    if (x0 < -EDGE_TOLERANCE || y0 < -EDGE_TOLERANCE || x1 > W + EDGE_TOLERANCE || y1 > H + EDGE_TOLERANCE) {
      throw new InterchangeError(
        `${file} has ${what} at ${Math.round(x0)},${Math.round(y0)}–${Math.round(x1)},${Math.round(y1)}, outside the ${W}×${H} image ${imageName}`
      )
    }
  }
  page.lines.forEach((l, li) => {
    check(l.rect, `line ${li + 1}`)
    for (const w of l.words) {
      check(w.rect, `the word "${w.text.slice(0, 40)}" (line ${li + 1})`)
      for (const g of w.glyphs) check(g.rect, `a glyph "${g.text}" of the word "${w.text.slice(0, 40)}"`)
    }
  })
}

/** The characters of a tool's text that are Glyphdesk classes (letters upper-cased), with the word each is in. */
export function classChars(text: string): { ch: string; word: number }[] {
  const out: { ch: string; word: number }[] = []
  text
    .trim()
    .split(/\s+/)
    .filter(Boolean)
    .forEach((token, wi) => {
      for (const c of token.toUpperCase()) if (CLASSES.includes(c)) out.push({ ch: c, word: wi })
    })
  return out
}

const toClass = (text: string): string | undefined => {
  const c = text.trim().toUpperCase()
  return CLASSES.includes(c) ? c : undefined
}

/** Builds the PageDoc from a checked file description, the image and (when some word needs it) its segmentation. */
export function buildDoc(
  page: ImportedPage,
  image: LoadedImage,
  seg: PageSegmentation | null,
  meta: { ocrPath: string; imagePath: string; sha256?: string },
  read?: ReaderGlyphs
): { doc: PageDoc; report: ImportReport } {
  const W = image.originalWidth,
    H = image.originalHeight
  const sx = page.width && page.unit !== 'pixel' ? W / page.width : 1
  const sy = page.height && page.unit !== 'pixel' ? H / page.height : 1
  const px = (r: Rect): Rect => {
    const x0 = Math.min(W - 1, Math.max(0, Math.round(r.x * sx))),
      y0 = Math.min(H - 1, Math.max(0, Math.round(r.y * sy)))
    const x1 = Math.min(W, Math.round((r.x + r.w) * sx)),
      y1 = Math.min(H, Math.round((r.y + r.h) * sy))
    return { x: x0, y: y0, w: Math.max(1, x1 - x0), h: Math.max(1, y1 - y0) }
  }
  // Boxes of a flat sheet or a turned page in its own pixels: through its map onto the file.
  const detected = seg ? seg.boxes.map((b) => segmentationRectToFile(image, seg, b)) : []
  // The glyph sets a word's glyphs are taken from, in order of preference: the reading stage's, then the detector's.
  const sets = (read ? [read.boxes, detected] : [detected]).map((boxes) => ({
    boxes,
    used: new Uint8Array(boxes.length)
  }))
  const report: ImportReport = {
    format: page.format,
    version: page.version,
    tool: page.tool,
    lines: 0,
    words: 0,
    wordsWithFileGlyphs: 0,
    alignedWords: 0,
    unalignedWords: 0,
    emptyWords: 0,
    boxes: 0
  }
  const boxes: PageBox[] = []
  const lines: PageLine[] = []
  const ids = new Set<string>()
  let next = 1
  const newId = (wanted?: string): string => {
    const own = wanted?.startsWith('glyph_') ? wanted.slice(6) : undefined
    if (own && !ids.has(own)) {
      ids.add(own)
      return own
    }
    while (ids.has(`b${next}`)) next++
    const id = `b${next++}`
    ids.add(id)
    return id
  }

  // A page whose text lies turned (the file says so): a word's glyphs in the order it is read.
  const along = readingAlong(page.turn)
  const inside = (set: (typeof sets)[number], r: Rect): { i: number; r: Rect }[] => {
    const found: { i: number; r: Rect }[] = []
    set.boxes.forEach((f, i) => {
      if (!set.used[i] && centreInside(f, r)) found.push({ i, r: f })
    })
    return found.sort((a, b) => along(a.r) - along(b.r))
  }
  /** The glyphs inside a word's box, from the first set that has as many as the word has letters (else the first). */
  const segmented = (r: Rect, letters: number): Rect[] => {
    const each = sets.map((s) => inside(s, r))
    const k =
      letters > 0
        ? Math.max(
            0,
            each.findIndex((g) => g.length === letters)
          )
        : 0
    // Every set's glyphs inside the word are its: none is offered to the next word.
    each.forEach((g, j) => g.forEach((c) => (sets[j].used[c.i] = 1)))
    return each[k].map((c) => c.r)
  }

  for (const line of page.lines) {
    const li = lines.length
    let wordIndex = 0
    const lineBoxes: PageBox[] = []
    for (const w of line.words) {
      const wr = px(w.rect)
      const tokens = w.text.trim().split(/\s+/).filter(Boolean)
      report.words += Math.max(1, tokens.length)
      const imported = (aligned: boolean) => ({ aligned, ...(w.text ? { word: w.text.slice(0, 1000) } : {}) })
      if (w.glyphs.length) {
        report.wordsWithFileGlyphs++
        for (const g of w.glyphs) {
          const box: PageBox = {
            id: newId(page.glyphdesk ? g.id : undefined),
            ...px(g.rect),
            line: li,
            word: wordIndex,
            source: 'detector',
            imported: imported(true)
          }
          if (g.person) {
            const user = toClass(g.person.label),
              model = g.person.model !== undefined ? toClass(g.person.model) : undefined
            if (user) box.userLabel = user
            if (model) box.label = model
            if (model && g.person.modelConf !== undefined) box.confidence = g.person.modelConf
          } else {
            const label = toClass(g.text)
            if (label) box.label = label
            const c = g.conf ?? w.conf
            if (label && c !== undefined) box.confidence = c
          }
          lineBoxes.push(box)
        }
        wordIndex++
        continue
      }
      const chars = classChars(w.text)
      const found = segmented(wr, chars.length)
      // Neither the reader's glyphs nor the detector's fit the word: its letters aligned to the reader's candidates.
      const forced =
        found.length > 0 && found.length !== chars.length
          ? read?.align(
              wr,
              chars.map((c) => c.ch)
            )
          : null
      const rects = forced ?? found
      if (rects.length === 0) {
        report.emptyWords++
        lineBoxes.push({ id: newId(), ...wr, line: li, word: wordIndex, source: 'detector', imported: imported(false) })
        wordIndex++
        continue
      }
      if (chars.length === rects.length) {
        report.alignedWords += Math.max(1, tokens.length)
        rects.forEach((r, k) => {
          lineBoxes.push({
            id: newId(),
            ...r,
            line: li,
            word: wordIndex + chars[k].word,
            source: 'detector',
            label: chars[k].ch,
            ...(w.conf !== undefined ? { confidence: w.conf } : {}),
            imported: imported(true)
          })
        })
        wordIndex += chars[chars.length - 1].word + 1
      } else {
        report.unalignedWords += Math.max(1, tokens.length)
        for (const r of rects)
          lineBoxes.push({
            id: newId(),
            ...r,
            line: li,
            word: wordIndex,
            source: 'detector',
            imported: imported(false)
          })
        wordIndex++
      }
    }
    if (lineBoxes.length === 0) continue
    boxes.push(...lineBoxes)
    lines.push({ index: li, ...px(line.rect) })
  }
  report.lines = lines.length
  report.boxes = boxes.length
  const doc: PageDoc = {
    version: 2,
    image: {
      path: meta.imagePath,
      width: W,
      height: H,
      ...(meta.sha256 ? { sha256: meta.sha256 } : {}),
      ...(page.turn ? { turn: page.turn } : {}),
      ...(image.pages > 1 ? { page: image.page } : {})
    },
    boxes,
    lines,
    imported: { format: page.format, tool: page.tool.slice(0, 200), file: meta.ocrPath }
  }
  return { doc: PageDocSchema.parse(doc), report }
}

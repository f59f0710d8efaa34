// A person's corrections as labelled glyphs — the one path from PageDocs to training glyphs, used by the app
// (its open page sessions give the pixels), the CLI (PageDoc JSON files or a .glyphdesk project plus their
// page images on disk) and the tests: PageDocs → LabelledGlyphs, cropped through the page pipeline's own code path (transcribe.ts#pageBoxGlyphs:
// the same segmentation, crop, mask and normaliseGlyph), so fine-tuning learns from exactly what the
// classifier sees when it reads the page.
//
// What counts as a correction: every box with a `userLabel`. In the app a person sets one by typing the
// right character or by confirming a right prediction (Enter), so a fully reviewed page is simply a page
// whose boxes all carry a userLabel. A box the model labelled and nobody looked at is never trained on:
// a wrong prediction learnt back would make the model surer of its own mistake. (There is no separate
// "reviewed" flag in a PageDoc; confirming is the review.)
//
// `labelFromTruth` simulates that person for demos and tests: it fills userLabel on every box from a
// ground-truth .txt, by the same per-line alignment as evalPages' oracle (only when each line has as many
// boxes as the truth has characters).
import { InvalidInputError, errorMessage } from '../core/errors.ts'
import { createHash } from 'node:crypto'
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs'
import { basename, dirname, extname, isAbsolute, join, resolve } from 'node:path'
import { CLASSES, GLYPH_PIXELS } from '../../shared/classes.ts'
import { ProjectSchema } from '../../shared/contract.ts'
import { boxesByLine, PageDocSchema, type PageBox, type PageDoc } from '../../shared/pagedoc.ts'
import type { LabelledGlyphs } from '../data/glyphset.ts'
import { loadImage, type LoadedImage } from '../vision/image.ts'
import { segmentationAsRead, segmentScan, type PageSegmentation } from '../vision/sheet.ts'
import { pageBoxGlyphs } from '../read/transcribe.ts'

/** Nothing to learn from: no page, or no box with a person's label. */
export class NoCorrectionsError extends InvalidInputError {
  override name = 'NoCorrectionsError'
}
/** A page file that is not a PageDoc/project, or whose image is missing or changed. */
export class CorrectionsInputError extends InvalidInputError {
  override name = 'CorrectionsInputError'
}

/** One labelled box: where it is, who labelled it, and what the model had read. */
export interface CorrectionRow {
  /** The page image (absolute path). */
  page: string
  /** Which page of a multi-page TIFF the box is on, from 0 (absent: a file of one page). */
  filePage?: number
  boxId: string
  x: number
  y: number
  w: number
  h: number
  /** The person's label, or the model's when the box was left as read (onlyCorrected: false). */
  label: string
  by: 'person' | 'model' | 'import'
  /** What the model had said (undefined when the box was drawn by hand). */
  predicted?: string
  confidence?: number
  top3?: PageBox['top3']
}

export interface Corrections extends LabelledGlyphs {
  rows: CorrectionRow[]
  /** Page images the corrections come from, in order. */
  pages: string[]
  /** Boxes whose userLabel differs from the model's label (the rest are confirmations). */
  changed: number
}

/** A page's pixels as the reading saw them: its file's bytes, the loaded image and its segmentation. */
export interface PagePixels {
  /** Absolute path of the image file. */
  path: string
  bytes: Buffer
  image: LoadedImage
  seg: PageSegmentation
}

/** Finds a PageDoc's pixels: from disk (the CLI, the tests) or from the app's open page sessions. */
export type PagePixelSource = (src: PageSource) => Promise<PagePixels>

export interface PageSource {
  /** The file the PageDoc came from (a .json, or the project file). */
  file: string
  doc: PageDoc
}

/** PageDocs from a .json PageDoc, a .glyphdesk project, or a directory of .json PageDocs. */
export function readPageDocs(path: string): PageSource[] {
  if (!existsSync(path))
    throw new CorrectionsInputError(
      `${path} does not exist; give a folder of PageDoc .json files (glyphdesk transcribe IMAGE --format json) or a .glyphdesk project`
    )
  if (statSync(path).isDirectory()) {
    const files = readdirSync(path)
      .filter((f) => extname(f).toLowerCase() === '.json' || extname(f).toLowerCase() === '.glyphdesk')
      .sort()
    if (files.length === 0) throw new CorrectionsInputError(`${path} holds no .json PageDoc or .glyphdesk project`)
    return files.flatMap((f) => readPageDocs(join(path, f)))
  }
  let raw: unknown
  try {
    raw = JSON.parse(readFileSync(path, 'utf8'))
  } catch (e) {
    throw new CorrectionsInputError(`${path} is not JSON (${errorMessage(e)})`)
  }
  if (typeof raw === 'object' && raw !== null && 'format' in raw && raw.format === 'glyphdesk-project') {
    const p = ProjectSchema.safeParse(raw)
    if (!p.success)
      throw new CorrectionsInputError(
        `${path} is not a valid Glyphdesk project: ${p.error.issues[0]?.path.join('.')}: ${p.error.issues[0]?.message}`
      )
    return p.data.pages.map((pg) => ({ file: path, doc: pg.doc }))
  }
  const d = PageDocSchema.safeParse(raw)
  if (!d.success)
    throw new CorrectionsInputError(
      `${path} is not a PageDoc: ${d.error.issues[0]?.path.join('.')}: ${d.error.issues[0]?.message}`
    )
  return [{ file: path, doc: d.data }]
}

/** The page image of a PageDoc: its path as written (absolute, or relative to the PageDoc's file), else the same name next to it. */
export function resolvePageImage(src: PageSource, imagesDir?: string): string {
  const p = src.doc.image.path
  const here = dirname(resolve(src.file))
  const tries = [
    ...(imagesDir ? [join(imagesDir, basename(p))] : []),
    isAbsolute(p) ? p : resolve(here, p),
    join(here, basename(p))
  ]
  const found = tries.find((t) => p !== '' && existsSync(t) && statSync(t).isFile())
  if (!found)
    throw new CorrectionsInputError(
      `${src.file}: its page image "${p}" cannot be found (looked at ${[...new Set(tries)].join(', ')}); pass --images DIR`
    )
  return found
}

/**
 * Refuses pixels that are not the ones a PageDoc was made from: its boxes would crop the wrong glyphs and a
 * model would learn a person's labels on someone else's ink. The SHA-256 when the PageDoc records one, and
 * always the size.
 */
export function checkPageIdentity(src: PageSource, px: PagePixels): void {
  const sha = src.doc.image.sha256
  if (sha && createHash('sha256').update(px.bytes).digest('hex') !== sha)
    throw new CorrectionsInputError(
      `${src.file}: ${px.path} is not the image this page was made from (SHA-256 differs); its boxes would crop the wrong pixels`
    )
  if (px.image.originalWidth !== src.doc.image.width || px.image.originalHeight !== src.doc.image.height)
    throw new CorrectionsInputError(
      `${src.file}: ${px.path} is ${px.image.originalWidth}×${px.image.originalHeight} but the page says ${src.doc.image.width}×${src.doc.image.height}`
    )
}

/** Page pixels from disk: the image a PageDoc names (see resolvePageImage), loaded and segmented. */
export function diskPixels(imagesDir?: string): PagePixelSource {
  return async (src) => {
    const path = resolvePageImage(src, imagesDir)
    const bytes = readFileSync(path)
    const image = await loadImage(bytes, { page: src.doc.image.page ?? 0 })
    // A page read turned (sideways or upside down) is cut from the page turned, as it was read.
    return { path, bytes, image, seg: await segmentationAsRead(image, await segmentScan(image), src.doc.image.turn) }
  }
}

/**
 * THE corrections service: the labelled boxes of the pages as glyphs, cut exactly as the classifier saw them
 * (transcribe.ts#pageBoxGlyphs: an unedited detector box keeps only its own ink), after checking that each
 * page's pixels are the ones it was made from. Used by retraining (app and CLI), the guard and the glyph
 * dataset export. `onlyCorrected` (default true) keeps the boxes with a person's label; false adds the
 * model's readings (for the dataset export, marked by: 'model').
 */
export async function labelledGlyphs(
  sources: readonly PageSource[],
  pixels: PagePixelSource,
  opts: { onlyCorrected?: boolean } = {}
): Promise<Corrections> {
  const onlyCorrected = opts.onlyCorrected ?? true
  const parts: Float32Array[] = []
  const rows: CorrectionRow[] = []
  const pages: string[] = []
  for (const src of sources) {
    const boxes = src.doc.boxes.filter((b) => b.userLabel !== undefined || (!onlyCorrected && b.label !== undefined))
    if (boxes.length === 0) continue
    const px = await pixels(src)
    checkPageIdentity(src, px)
    parts.push(pageBoxGlyphs(px.image, px.seg, boxes).glyphs)
    pages.push(px.path)
    for (const b of boxes) {
      rows.push({
        page: px.path,
        ...(src.doc.image.page !== undefined ? { filePage: src.doc.image.page } : {}),
        boxId: b.id,
        x: b.x,
        y: b.y,
        w: b.w,
        h: b.h,
        label: (b.userLabel ?? b.label)!,
        by: b.userLabel !== undefined ? 'person' : b.imported ? 'import' : 'model',
        ...(b.label !== undefined ? { predicted: b.label } : {}),
        ...(b.confidence !== undefined ? { confidence: b.confidence } : {}),
        ...(b.top3 ? { top3: b.top3 } : {})
      })
    }
  }
  const n = rows.length
  const x = new Float32Array(n * GLYPH_PIXELS)
  let o = 0
  for (const p of parts) {
    x.set(p, o)
    o += p.length
  }
  const y = Uint8Array.from(rows, (r) => CLASSES.indexOf(r.label))
  const changed = rows.filter((r) => r.by === 'person' && r.predicted !== undefined && r.predicted !== r.label).length
  return { x, y, n, rows, pages, changed }
}

/** The corrections of the pages; throws NoCorrectionsError when no box of any page has a person's label. */
export async function collectCorrections(
  sources: readonly PageSource[],
  opts: { imagesDir?: string; pixels?: PagePixelSource } = {}
): Promise<Corrections> {
  const c = await labelledGlyphs(sources, opts.pixels ?? diskPixels(opts.imagesDir))
  if (c.n === 0) {
    const files = [...new Set(sources.map((s) => s.file))]
    throw new NoCorrectionsError(
      `no corrections in ${files.join(', ') || 'the pages given'}: no box has a person's label (userLabel). ` +
        'Correct or confirm glyphs in the app and save the page, or simulate a person with `glyphdesk finetune label-from-truth`'
    )
  }
  return c
}

/**
 * SIMULATES A PERSON reviewing a page: sets userLabel on every box from the ground-truth text (one line per
 * text line, spaces ignored), so a wrong prediction becomes a correction and a right one a confirmation.
 * Only when the page has as many lines as the truth and each line as many boxes as characters (evalPages'
 * oracle alignment); otherwise throws, naming the first line that differs.
 */
export function labelFromTruth(doc: PageDoc, truth: string): PageDoc {
  const gtLines = truth
    .split(/\r?\n/)
    .map((l) => l.replace(/\s+/g, ''))
    .filter((l) => l.length > 0)
  const lines = boxesByLine(doc).filter((l) => l.length > 0)
  if (lines.length !== gtLines.length)
    throw new CorrectionsInputError(
      `the page has ${lines.length} lines of boxes but the truth has ${gtLines.length}; cannot pair boxes with characters`
    )
  const byId = new Map<string, string>()
  lines.forEach((line, i) => {
    if (line.length !== gtLines[i].length)
      throw new CorrectionsInputError(
        `line ${i + 1}: ${line.length} boxes but the truth "${gtLines[i]}" has ${gtLines[i].length} characters; cannot pair boxes with characters`
      )
    line.forEach((b, k) => {
      const c = gtLines[i][k].toUpperCase()
      if (!CLASSES.includes(c))
        throw new CorrectionsInputError(`line ${i + 1}: "${gtLines[i][k]}" is not one of the 36 classes`)
      byId.set(b.id, c)
    })
  })
  return PageDocSchema.parse({
    ...doc,
    boxes: doc.boxes.map((b) => (byId.has(b.id) ? { ...b, userLabel: byId.get(b.id) } : b))
  })
}

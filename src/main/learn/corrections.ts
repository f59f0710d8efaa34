// A person's corrections as labelled glyphs: PageDoc JSON files (or a .glyphdesk project) plus their page
// images → LabelledGlyphs, cropped through the page pipeline's own code path (transcribe.ts#pageBoxGlyphs:
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
import { InvalidInputError } from '../core/errors.ts'
import { createHash } from 'node:crypto'
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs'
import { basename, dirname, extname, isAbsolute, join, resolve } from 'node:path'
import { CLASSES, GLYPH_PIXELS } from '../../shared/classes.ts'
import { ProjectSchema } from '../../shared/contract.ts'
import { boxesByLine, PageDocSchema, type PageDoc } from '../../shared/pagedoc.ts'
import type { LabelledGlyphs } from '../data/glyphset.ts'
import { loadImage } from '../vision/image.ts'
import { segmentPage } from '../vision/segment.ts'
import { pageBoxGlyphs } from '../read/transcribe.ts'

/** Nothing to learn from: no page, or no box with a person's label. */
export class NoCorrectionsError extends InvalidInputError {
  override name = 'NoCorrectionsError'
}
/** A page file that is not a PageDoc/project, or whose image is missing or changed. */
export class CorrectionsInputError extends InvalidInputError {
  override name = 'CorrectionsInputError'
}

export interface CorrectionRow {
  /** The page image (absolute path). */
  page: string
  boxId: string
  /** The person's label. */
  label: string
  /** What the model had said (undefined when the box was drawn by hand). */
  predicted?: string
}

export interface Corrections extends LabelledGlyphs {
  rows: CorrectionRow[]
  /** Page images the corrections come from, in order. */
  pages: string[]
  /** Boxes whose userLabel differs from the model's label (the rest are confirmations). */
  changed: number
}

export interface PageSource {
  /** The file the PageDoc came from (a .json, or the project file). */
  file: string
  doc: PageDoc
}

/** PageDocs from a .json PageDoc, a .glyphdesk project, or a directory of .json PageDocs. */
export function readPageDocs(path: string): PageSource[] {
  if (!existsSync(path)) throw new CorrectionsInputError(`${path} does not exist; give a folder of PageDoc .json files (glyphdesk transcribe IMAGE --format json) or a .glyphdesk project`)
  if (statSync(path).isDirectory()) {
    const files = readdirSync(path).filter((f) => extname(f).toLowerCase() === '.json' || extname(f).toLowerCase() === '.glyphdesk').sort()
    if (files.length === 0) throw new CorrectionsInputError(`${path} holds no .json PageDoc or .glyphdesk project`)
    return files.flatMap((f) => readPageDocs(join(path, f)))
  }
  let raw: unknown
  try {
    raw = JSON.parse(readFileSync(path, 'utf8'))
  } catch (e) {
    throw new CorrectionsInputError(`${path} is not JSON (${(e as Error).message})`)
  }
  if (raw && typeof raw === 'object' && (raw as { format?: unknown }).format === 'glyphdesk-project') {
    const p = ProjectSchema.safeParse(raw)
    if (!p.success) throw new CorrectionsInputError(`${path} is not a valid Glyphdesk project: ${p.error.issues[0]?.path.join('.')}: ${p.error.issues[0]?.message}`)
    return p.data.pages.map((pg) => ({ file: path, doc: pg.doc }))
  }
  const d = PageDocSchema.safeParse(raw)
  if (!d.success) throw new CorrectionsInputError(`${path} is not a PageDoc: ${d.error.issues[0]?.path.join('.')}: ${d.error.issues[0]?.message}`)
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
  if (!found) throw new CorrectionsInputError(`${src.file}: its page image "${p}" cannot be found (looked at ${[...new Set(tries)].join(', ')}); pass --images DIR`)
  return found
}

/**
 * The corrected boxes of the pages as glyphs. Throws NoCorrectionsError when no box of any page has a
 * userLabel, and CorrectionsInputError when an image is missing or is not the one the PageDoc was made from.
 */
export async function collectCorrections(sources: readonly PageSource[], opts: { imagesDir?: string } = {}): Promise<Corrections> {
  const parts: Float32Array[] = []
  const rows: CorrectionRow[] = []
  const pages: string[] = []
  for (const src of sources) {
    const boxes = src.doc.boxes.filter((b) => b.userLabel !== undefined)
    if (boxes.length === 0) continue
    const imagePath = resolvePageImage(src, opts.imagesDir)
    const bytes = readFileSync(imagePath)
    const sha = src.doc.image.sha256
    if (sha && createHash('sha256').update(bytes).digest('hex') !== sha)
      throw new CorrectionsInputError(`${src.file}: ${imagePath} is not the image this PageDoc was made from (SHA-256 differs); its boxes would crop the wrong pixels`)
    const image = await loadImage(bytes, { name: imagePath })
    if (image.originalWidth !== src.doc.image.width || image.originalHeight !== src.doc.image.height)
      throw new CorrectionsInputError(`${src.file}: ${imagePath} is ${image.originalWidth}×${image.originalHeight} but the PageDoc says ${src.doc.image.width}×${src.doc.image.height}`)
    const seg = await segmentPage(image)
    parts.push(pageBoxGlyphs(image, seg, boxes).glyphs)
    pages.push(imagePath)
    for (const b of boxes) rows.push({ page: imagePath, boxId: b.id, label: b.userLabel!, ...(b.label !== undefined ? { predicted: b.label } : {}) })
  }
  if (rows.length === 0) {
    const files = [...new Set(sources.map((s) => s.file))]
    throw new NoCorrectionsError(
      `no corrections in ${files.join(', ') || 'the pages given'}: no box has a person's label (userLabel). ` +
        'Correct or confirm glyphs in the app and save the page, or simulate a person with `glyphdesk finetune label-from-truth`'
    )
  }
  const n = rows.length
  const x = new Float32Array(n * GLYPH_PIXELS)
  let o = 0
  for (const p of parts) { x.set(p, o); o += p.length }
  const y = Uint8Array.from(rows, (r) => CLASSES.indexOf(r.label))
  const changed = rows.filter((r) => r.predicted !== undefined && r.predicted !== r.label).length
  return { x, y, n, rows, pages, changed }
}

/**
 * SIMULATES A PERSON reviewing a page: sets userLabel on every box from the ground-truth text (one line per
 * text line, spaces ignored), so a wrong prediction becomes a correction and a right one a confirmation.
 * Only when the page has as many lines as the truth and each line as many boxes as characters (evalPages'
 * oracle alignment); otherwise throws, naming the first line that differs.
 */
export function labelFromTruth(doc: PageDoc, truth: string): PageDoc {
  const gtLines = truth.split(/\r?\n/).map((l) => l.replace(/\s+/g, '')).filter((l) => l.length > 0)
  const lines = boxesByLine(doc).filter((l) => l.length > 0)
  if (lines.length !== gtLines.length) throw new CorrectionsInputError(`the page has ${lines.length} lines of boxes but the truth has ${gtLines.length}; cannot pair boxes with characters`)
  const byId = new Map<string, string>()
  lines.forEach((line, i) => {
    if (line.length !== gtLines[i].length)
      throw new CorrectionsInputError(`line ${i + 1}: ${line.length} boxes but the truth "${gtLines[i]}" has ${gtLines[i].length} characters; cannot pair boxes with characters`)
    line.forEach((b, k) => {
      const c = gtLines[i][k].toUpperCase()
      if (!CLASSES.includes(c)) throw new CorrectionsInputError(`line ${i + 1}: "${gtLines[i][k]}" is not one of the 36 classes`)
      byId.set(b.id, c)
    })
  })
  return PageDocSchema.parse({ ...doc, boxes: doc.boxes.map((b) => (byId.has(b.id) ? { ...b, userLabel: byId.get(b.id) } : b)) })
}

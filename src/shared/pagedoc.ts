// PageDoc: the versioned JSON document for one transcribed page. Undo/redo, the exports and the IPC
// contract all work on this, never on the canvas. Boxes are in the image file's own pixels (upright,
// after EXIF orientation); their array order is the reading order the detector found.
import { z } from 'zod'
import { CLASSES } from './classes.ts'

const ClassLabel = z.string().refine(s => CLASSES.includes(s), { message: 'not one of the 36 classes (A–Z, 0–9)' })

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
  top3: z.array(z.object({ label: ClassLabel, p: z.number().min(0).max(1) })).max(3).optional(),
  /** The person's correction; overrides `label` everywhere text is produced. */
  userLabel: ClassLabel.optional(),
  source: z.enum(['detector', 'person'])
})

export const PageLineSchema = z.object({
  index: z.number().int().nonnegative(),
  x: z.number().int().nonnegative(),
  y: z.number().int().nonnegative(),
  w: z.number().int().nonnegative(),
  h: z.number().int().nonnegative()
})

export const PageDocSchema = z.object({
  version: z.literal(1),
  image: z.object({
    path: z.string(),
    width: z.number().int().positive(),
    height: z.number().int().positive(),
    sha256: z.string().regex(/^[0-9a-f]{64}$/).optional()
  }),
  model: z.object({ name: z.string() }).optional(),
  boxes: z.array(PageBoxSchema),
  lines: z.array(PageLineSchema)
})

export type PageBox = z.infer<typeof PageBoxSchema>
export type PageLine = z.infer<typeof PageLineSchema>
export type PageDoc = z.infer<typeof PageDocSchema>

/** The character a box stands for: the person's label, else the prediction, else "?". */
export function boxText(b: PageBox): string {
  return b.userLabel ?? b.label ?? '?'
}

/** Boxes grouped by line (in line order), each line's boxes left to right. */
export function boxesByLine(doc: PageDoc): PageBox[][] {
  const lines: PageBox[][] = doc.lines.map(() => [])
  for (const b of doc.boxes) {
    while (lines.length <= b.line) lines.push([])
    lines[b.line].push(b)
  }
  for (const l of lines) l.sort((a, b) => a.word - b.word || (a.x + a.w / 2) - (b.x + b.w / 2))
  return lines
}

/** The page's text: one line per text line, a space between words; user labels override predictions. */
export function assembleText(doc: PageDoc): string {
  return boxesByLine(doc)
    .map(line => line.map((b, i) => (i > 0 && b.word !== line[i - 1].word ? ' ' : '') + boxText(b)).join(''))
    .join('\n')
}

/**
 * A page's name as people see it (page picker, comparisons, exported file names): the image's file name,
 * without the content-hash prefix that uploads of older versions carried (`0123456789ab-name.jpg`).
 */
export function pageDisplayName(path: string): string {
  const base = path.split(/[\\/]/).pop() ?? ''
  return base.replace(/^[0-9a-f]{12}-(?=.)/, '') || 'page'
}

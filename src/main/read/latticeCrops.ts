// Training material for the touching-letter model (resources/touching) taken from what the reading stage
// itself shows that model: the candidates of boxes the lattice cuts and of merges of neighbouring boxes
// (LatticeSegment.cutUnit / mergeUnit), on training pages (`glyphdesk data pages --glyphs training`: the
// training fonts and the NIST letters the models already train on — never the evaluation sources).
//
// Each such candidate is framed exactly as the classifier gets it (extractGlyphs) and compared with the
// characters the page generator drew (manifest `chars`, file pixels):
//  - IoU ≥ minIou with one character, and no other character half inside: a reading of that character (a cut
//    piece, a merged broken letter);
//  - no single character, which training/train_cnn.py (--lattice-none) teaches towards the uniform
//    distribution: a candidate holding at least half of each of two characters (a touching pair, a run of
//    pieces, a merge too wide), or one whose IoU with every character is below noneIou (a fragment);
//  - anything in between is left out (half a letter: neither a reading nor clearly none).
// The hand-made pieces of training/neighbours.py imitate these crops; these are the crops themselves.
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { z } from 'zod'
import { GLYPH_PIXELS, classIndex } from '../../shared/classes.ts'
import { InvalidInputError } from '../core/errors.ts'
import type { LabelledGlyphs } from '../data/glyphset.ts'
import { loadImage } from '../vision/image.ts'
import { layoutPage, type Rect } from '../vision/layout.ts'
import { segmentPage } from '../vision/segment.ts'
import { buildLattices, type LatticeOptions, type SegmentKind } from './lattice.ts'
import { candidateBoxes } from './readLines.ts'
import { extractGlyphs } from './transcribe.ts'

/** The manifest of a `glyphdesk data pages` folder, as far as training material made from its pages reads it. */
export const PagesManifestSchema = z.object({
  name: z.string(),
  command: z.string().optional(),
  seed: z.number().optional(),
  sources: z.object({ glyphs: z.enum(['evaluation', 'training']).optional() }).passthrough(),
  pages: z.array(
    z
      .object({
        file: z.string(),
        condition: z.string(),
        sheet: z.unknown().optional(),
        chars: z.array(z.tuple([z.string(), z.number(), z.number(), z.number(), z.number(), z.number()]))
      })
      .passthrough()
  )
})

export interface LatticeCropsOptions {
  /** A candidate is a reading of a character when their IoU is at least this (default 0.6). */
  minIou?: number
  /** … and no character at all when its IoU with every character is below this (default 0.3). */
  noneIou?: number
  /**
   * A reading must also hold at least this share of the character's box (default 0: IoU alone). With many cuts a
   * box, a piece can overlap its letter by 0.6 while missing a whole stroke of it; such a piece is left out.
   */
  minCover?: number
  lattice?: LatticeOptions
  onPage?: (file: string, done: number, total: number) => void
}

export interface LatticeCrops {
  /** Candidates read as one drawn character, with its label. */
  labelled: LabelledGlyphs
  /** Candidates that are no single character (labels meaningless: 0). */
  none: LabelledGlyphs
  /** Counts by condition and candidate kind: [labelled, none, left out]. */
  counts: Record<string, [number, number, number]>
  pages: number
}

/** A drawn character of a `data pages` manifest: its class index and box in file pixels. */
export interface DrawnChar {
  c: number
  box: Rect
}

/** A manifest page's `chars` ([label, x0, y0, x1, y1, …], file pixels) as class indices and boxes. */
export function drawnChars(
  chars: readonly (readonly [string, number, number, number, number, ...number[]])[]
): DrawnChar[] {
  return chars.map(([label, x0, y0, x1, y1]) => ({
    c: classIndex(label),
    box: { x: x0, y: y0, w: x1 - x0, h: y1 - y0 }
  }))
}

export function iou(a: Rect, b: Rect): number {
  const x0 = Math.max(a.x, b.x),
    y0 = Math.max(a.y, b.y),
    x1 = Math.min(a.x + a.w, b.x + b.w),
    y1 = Math.min(a.y + a.h, b.y + b.h)
  const i = Math.max(0, x1 - x0) * Math.max(0, y1 - y0)
  return i / (a.w * a.h + b.w * b.h - i)
}

/**
 * What a candidate box is, against the characters drawn on its page: a class index (IoU ≥ minIou with one
 * character, holding at least `minCover` of its box, and no two characters half inside), 'none' (at least half
 * of each of two characters inside, or IoU < noneIou with every character), or null (in between: left out). Two
 * characters inside come first: a merge of a wide letter and a thin one (N and I) overlaps the wide one by more
 * than minIou, and must not teach that an N may swallow its I.
 */
export function labelCandidate(
  box: Rect,
  truth: readonly DrawnChar[],
  minIou: number,
  noneIou: number,
  minCover = 0
): number | 'none' | null {
  let best = 0,
    bc = -1,
    cover = 0,
    halves = 0
  for (const t of truth) {
    const v = iou(box, t.box)
    const held = inside(t.box, box)
    if (v > best) {
      best = v
      bc = t.c
      cover = held
    }
    if (held >= 0.5) halves++
  }
  if (halves >= 2) return 'none'
  if (best >= minIou && bc >= 0) return cover >= minCover ? bc : null
  return best < noneIou ? 'none' : null
}

/**
 * What a candidate box is for the pair reader (read/pairReader.ts; scripts/pair-crops.ts): [left, right] class
 * indices when exactly two drawn characters are at least half inside it, each at least `minCover` inside, and the
 * box matches their union (IoU ≥ minIou), ordered by their centres; 'none' when it is one character (IoU ≥ minIou),
 * three or more, or no character at all (under half of any); null in between (left out: a pair cut badly, half a
 * letter).
 */
export function labelPair(
  box: Rect,
  truth: readonly DrawnChar[],
  minIou = 0.6,
  minCover = 0.8
): [number, number] | 'none' | null {
  const held = truth.filter((t) => inside(t.box, box) >= 0.5)
  if (held.length === 0 || held.length >= 3) return 'none'
  if (held.length === 1) return iou(held[0].box, box) >= minIou ? 'none' : null
  const [a, b] = [...held].sort((p, q) => p.box.x + p.box.w / 2 - (q.box.x + q.box.w / 2))
  const x = Math.min(a.box.x, b.box.x),
    y = Math.min(a.box.y, b.box.y)
  const union = {
    x,
    y,
    w: Math.max(a.box.x + a.box.w, b.box.x + b.box.w) - x,
    h: Math.max(a.box.y + a.box.h, b.box.y + b.box.h) - y
  }
  if (iou(union, box) < minIou || inside(a.box, box) < minCover || inside(b.box, box) < minCover) return null
  return [a.c, b.c]
}

/** The share of `a`'s area inside `b`. */
export function inside(a: Rect, b: Rect): number {
  const w = Math.min(a.x + a.w, b.x + b.w) - Math.max(a.x, b.x),
    h = Math.min(a.y + a.h, b.y + b.h) - Math.max(a.y, b.y)
  return w > 0 && h > 0 ? (w * h) / (a.w * a.h) : 0
}

/** The touching model's candidates of every flat page of training-page folders, labelled by overlap. */
export async function latticeCrops(
  pagesDirs: readonly string[],
  opts: LatticeCropsOptions = {}
): Promise<LatticeCrops> {
  const minIou = opts.minIou ?? 0.6
  const noneIou = opts.noneIou ?? 0.3
  if (!(noneIou <= minIou)) throw new InvalidInputError(`--none-iou ${noneIou} must not exceed --min-iou ${minIou}`)
  const flat: (z.infer<typeof PagesManifestSchema>['pages'][number] & { dir: string })[] = []
  for (const dir of pagesDirs) {
    const raw: unknown = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8'))
    const manifest = PagesManifestSchema.parse(raw)
    // Evaluation pages are drawn from material no model may train on: refuse them outright.
    if (manifest.sources.glyphs !== 'training')
      throw new InvalidInputError(
        `${dir} holds evaluation pages (manifest sources.glyphs is not "training"); make training pages with ` +
          '`glyphdesk data pages --glyphs training`: evaluation pages must never become training data'
      )
    for (const p of manifest.pages) if (p.sheet === undefined && p.chars.length > 0) flat.push({ ...p, dir })
  }
  const labelledX: Float32Array[] = [],
    noneX: Float32Array[] = []
  const labels: number[] = []
  const counts: Record<string, [number, number, number]> = {}
  let done = 0
  for (const page of flat) {
    const image = await loadImage(join(page.dir, page.file), { chroma: false })
    const seg = await segmentPage(image)
    const layout = layoutPage(seg.boxes)
    const lattices = buildLattices(seg, layout, opts.lattice)
    const all = candidateBoxes(lattices)
    const segs = lattices.flatMap((l) => l.segments)
    const rows: number[] = []
    segs.forEach((s, i) => {
      if (s.cutUnit === true || s.mergeUnit === true) rows.push(i)
    })
    const truth = drawnChars(page.chars)
    const glyphs = extractGlyphs(
      seg,
      rows.map((r) => all[r])
    )
    rows.forEach((r, k) => {
      const s = segs[r]
      const key = `${page.condition} ${kindName(s.kind, s.cutUnit === true)}`
      const tally = (counts[key] ??= [0, 0, 0])
      const label = labelCandidate(s.box, truth, minIou, noneIou, opts.minCover ?? 0)
      if (label === 'none') {
        noneX.push(glyphs.slice(k * GLYPH_PIXELS, (k + 1) * GLYPH_PIXELS))
        tally[1]++
      } else if (label !== null) {
        labelledX.push(glyphs.slice(k * GLYPH_PIXELS, (k + 1) * GLYPH_PIXELS))
        labels.push(label)
        tally[0]++
      } else tally[2]++
    })
    opts.onPage?.(page.file, ++done, flat.length)
  }
  return { labelled: stack(labelledX, labels), none: stack(noneX, null), counts, pages: flat.length }
}

function kindName(kind: SegmentKind, cut: boolean): string {
  return kind === 'box' ? (cut ? 'box (cut unit)' : 'box (merge unit)') : kind
}

function stack(rows: Float32Array[], labels: number[] | null): LabelledGlyphs {
  const x = new Float32Array(rows.length * GLYPH_PIXELS)
  rows.forEach((r, i) => x.set(r, i * GLYPH_PIXELS))
  const y = new Uint8Array(rows.length)
  if (labels) labels.forEach((c, i) => (y[i] = c))
  return { x, y, n: rows.length }
}

// Hard evaluation pages with ground truth (`glyphdesk data pages`): whole pages composed from glyphs no
// shipped model trained on, under named conditions that break segmentation rather than classification
// (touching pairs, broken strokes, tight and uneven spacing, ruled paper, a phone photo with a desk
// around the sheet, mixed letter–digit tokens), plus photos with no text at all.
//
// Each page is drawn from its own Rng, seeded from (seed, condition, page number), so a page does not
// depend on which other conditions were asked for, and the same seed gives byte-identical files.
// Beside each image: NAME.txt (one line per text line, what `eval-pages` reads); manifest.json records
// the command, seed, sources and, per page, the condition and every character's box in file pixels.
import { createHash } from 'node:crypto'
import { mkdir, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import sharp from 'sharp'
import { InvalidInputError } from '../../core/errors.ts'
import { GLYPHDESK_VERSION } from '../../core/version.ts'
import { Rng } from '../../nn/rng.ts'
import type { LabelledGlyphs } from '../glyphset.ts'
import { evalFonts, trainingFonts, type FontStyle } from '../synth/fonts.ts'
import { bilinear, breakStroke, clip, FontInk, NistInk, RealDigitInk, thicken, type InkBitmap } from './glyphs.ts'
import {
  applyH,
  clutter,
  desk,
  homography,
  lightDesk,
  light,
  noise,
  placeSheet,
  rgbImage,
  toRgbBytes,
  type Point,
  type RgbImage
} from './photo.ts'
import { drawTokens, MIXED_MIX, ORDINARY_MIX, PAGE_WORDS, type TextMix } from './text.ts'

export const PAGE_CONDITIONS = [
  'clean',
  'touching',
  'broken',
  'tight-spacing',
  'uneven-spacing',
  'ruled',
  'phone',
  'mixed',
  'no-text',
  'faint',
  'small',
  'shadow',
  'underlined',
  'phone-shadow',
  'boxed',
  'light-desk',
  'skewed',
  'scan-marks',
  'dense',
  'heading',
  'marker',
  'grid',
  'glare',
  'phone-glare',
  'slanted',
  'phone-slanted'
] as const
export type PageCondition = (typeof PAGE_CONDITIONS)[number]

export function isPageCondition(s: string): s is PageCondition {
  return PAGE_CONDITIONS.some((c) => c === s)
}

export const CONDITION_NOTES: Readonly<Record<PageCondition, string>> = {
  clean: 'control: even letter and word gaps, plain paper, one source per page',
  touching:
    'about 40% of neighbouring letters inside a word pushed together until their ink overlaps by 1.5 px to 8% of the cap height',
  broken:
    'about 35% of the characters have a straight band (8–15% of the cap height wide) of ink erased, so strokes split',
  'tight-spacing': 'letter gaps 3–10% and word gaps 32–45% of the cap height (ink never touches)',
  'uneven-spacing':
    'letter gaps drawn from 4–60% and word gaps from 35–100% of the cap height: the two overlap on every line',
  ruled:
    'blue ruled lines at the line pitch passing under or through the lower third of the letters, a red margin line and a header rule',
  phone:
    'the sheet on a textured desk with clutter (pens, mug ring, phone, sticky note, cable), perspective with ±10° rotation, drop shadow, light falloff and a soft shadow, noise, blur, JPEG',
  mixed:
    'mixed letter–digit tokens (4B, Q3, ROOM 101, 2525) and numbers beside words, each word from a randomly chosen source',
  'no-text': 'photos without writing: even pages an empty desk with clutter, odd pages a blank sheet on a desk',
  faint:
    'light pencil or a washed-out scan: ink kept at 12–35% of its contrast with the paper, light falling off by up to 12% across the page, scanner noise σ 1–3, JPEG at quality 85',
  small:
    'a page photographed from afar or scanned at low resolution: a page drawn as clean, touching, broken, tight- or uneven-spacing (`drawnAs`), shrunk to 28–42% of its size (Lanczos), cap heights 11–24 px',
  shadow:
    "a hard-edged shadow across the page (a phone's or a hand's): one side of a straight edge at any angle through the middle 60% of the page darkened to 45–75%, with a penumbra of 0–8 px",
  underlined:
    'words and whole lines underlined (70% of the lines), the line from just touching the letters to a tenth of the cap height below them, 4–8% of it thick',
  'phone-shadow':
    "a phone photo (as `phone`) with a hard-edged shadow over desk and sheet (the phone's or the hand's holding it): one side of a straight edge at any angle through the middle 60% of the sheet darkened to 45–75%, with a penumbra of 0–8 px",
  'light-desk':
    'a phone photo (as `phone`) of a sheet on a light surface (a white or pale grey table, a light wood, a white cloth), the paper white, cream, yellow, grey recycled or pale blue: the sheet as bright as its surround or darker, its edge seen only by a step in tone or colour and the drop shadow',
  skewed:
    'a page scanned crooked: a page drawn as clean, touching, broken, tight- or uneven-spacing (`drawnAs`), turned by 2–10° either way (`skewDeg`, positive clockwise) on a canvas that holds all of it, the corners filled with the paper',
  dense:
    'lines written close together (as on narrow-ruled notebook paper): line pitch 1.25–1.6 cap heights instead of 1.9–2.3, letter and word gaps as `clean`, so a letter may touch the one above or below it',
  glare:
    "a lamp's or a flash's glare on glossy paper: a page as `clean` washed towards white in a soft spot (a Gaussian 12–25% of the page wide and 15–35% tall, its middle in the middle 40% of the page), by 55–85% at its centre, so the ink there is pale grey",
  'phone-glare':
    "a phone photo (as `phone`) with a lamp's or a flash's glare on the sheet: after the light falls off, a soft spot (a Gaussian 12–25% of the sheet's box wide and 15–35% tall, its middle in the middle 40% of that box) washed towards white by 55–85% at its centre, desk and sheet alike",
  slanted:
    'a writer whose letters lean: a page drawn as clean, touching, broken, tight- or uneven-spacing (`drawnAs`), sheared after it is composed so that every letter leans by 10–24° (`slantDeg`; to the right on three pages in four, backhand to the left on the rest), each row moved sideways by its height above the bottom times the tangent, on a canvas that holds all of it; letter gaps stay as drawn along each row',
  'phone-slanted':
    'a phone photo (as `phone`) of a sheet written by a hand whose letters lean: the sheet sheared as a `slanted` page is (10–24°, `slantDeg`) before it is photographed',
  grid: "graph paper: squares 0.5–1.3 cap heights across (large writing to small on the same paper), their lines 1–2.2 px in a pale blue, green or grey or a darker grey (a school or engineering pad), the writing's baselines on the grid's lines on half the pages, letter and word gaps as `clean`",
  marker:
    'written with a felt-tip marker: letter and word gaps as `clean`, every stroke widened by 5–11% of the cap height on each side (`markerWidth`, px), so counters close up and strokes run into each other inside a letter',
  heading:
    'a title above the writing: letter and word gaps as `clean`, the first line written 1.6–3.5 times the cap height of the lines below it (`headingScale`), the words that would not fit on the line at that size left for the next',
  'scan-marks':
    "an office page scanned as it came out of a binder: a page drawn as clean, touching, broken, tight- or uneven-spacing (`drawnAs`) with a margin of 2.2–3 cap heights on its left, punched with 2–4 holes there (0.9–1.4 cap heights across) that show dark as against a scanner's black lid; on some pages also a staple at the top-left corner (half of them), a coffee ring across the writing (40%), the back's writing showing through mirrored (40%) and a fold across the page (40%); `marks` lists them",
  boxed:
    "a form's comb fields: each line written one letter per printed cell (cells 0.95–1.25 cap heights wide, 1.35–1.6 tall, an empty cell between words), each letter centred in its cell give or take a tenth of the cap height (a wide one touches the walls), the cells' lines 1–3 px, black to mid-gray or a form's blue"
}

/**
 * What drew a page's characters. Evaluation pages: the reserved fonts and the held-out NIST letters. Training
 * pages (`glyphs: 'training'`): two groups of training font families and the NIST letters the models train on.
 */
export type SourceName = 'humor' | 'comic' | 'nist' | 'fonts-a' | 'fonts-b'

export interface NistSource {
  glyphs: LabelledGlyphs
  /** How the manifest names the file (its base name, never a path of this machine). */
  name: string
  sha256: string
  /** The first this-many glyphs of each class are skipped: the shipped models trained on them. */
  skipPerClass: number
}

export interface PagesOptions {
  seed?: number
  conditions?: readonly PageCondition[]
  pagesPerCondition?: number
  /** Real NIST26 letters; without them every page is drawn from the reserved fonts. */
  nist?: NistSource
  /**
   * Real handwritten digits (a NIST36-layout file, every digit of it drawn: give one no shipped model trained on,
   * such as the test part of `data import mnist`). They replace the fonts' digits on the NIST pages and words, so
   * numbers and codes are handwritten where the letters are; without them NIST pages take their digits from a
   * reserved font. Evaluation pages only.
   */
  digits?: { glyphs: LabelledGlyphs; name: string; sha256: string }
  fonts?: FontStyle[]
  /**
   * 'evaluation' (default): glyphs no shipped model trained on (the reserved fonts, NIST letters after
   * `skipPerClass`). 'training': material for training only (read/latticeCrops.ts) — the training font
   * families (two groups in place of the two reserved fonts) and only the first `skipPerClass` NIST letters
   * of each class, the ones the shipped models already train on. Such pages are never evaluation pages.
   */
  glyphs?: 'evaluation' | 'training'
  command?: string
  onPage?: (file: string, done: number, total: number) => void
}

/** One character on a page: its label, box [x0, y0, x1, y1) in file pixels, and index into `sources`. */
export type CharTruth = [string, number, number, number, number, number]

export interface PageTruth {
  file: string
  text: string
  condition: PageCondition
  seed: number
  capHeight: number
  sources: SourceName[]
  width: number
  height: number
  lines: string[]
  chars: CharTruth[]
  /** Phone pages: the sheet's corners in file pixels (top-left, top-right, bottom-right, bottom-left). */
  sheet?: Point[]
  /**
   * `small`, `skewed`, `scan-marks` and `slanted` pages: the flat condition the page was drawn as before it was shrunk,
   * turned, marked or sheared.
   */
  drawnAs?: PageCondition
  /** `scan-marks` pages: what is on the page besides its writing (`holes:3`, `staple`, `ring`, `bleed`, `fold`). */
  marks?: string[]
  /** `skewed` pages: the angle the page was turned by, in degrees (positive clockwise: lines run down to the right). */
  skewDeg?: number
  /** `slanted` and `phone-slanted` pages: how far every letter was leant, in degrees (positive: its top to the right of its foot). */
  slantDeg?: number
  /** `heading` pages: the first line's cap height over `capHeight`. */
  headingScale?: number
  /** `marker` pages: how far every stroke was widened on each side, px. */
  markerWidth?: number
  /** `grid` pages: the squares' side in px, and whether the writing sits on the grid's lines. */
  grid?: { square: number; onLines: boolean }
  /** `glare` and `phone-glare` pages: the spot's centre (px) and how far its centre is washed towards white (0–1). */
  glare?: { x: number; y: number; strength: number }
  rotationDeg?: number
  clutter?: string[]
  desk?: string
  jpegQuality?: number
  blurSigma?: number
  /** `phone-shadow`: the shadow's edge and depth in the photo's pixels. */
  shadow?: ShadowEdge
}

export interface PagesManifest {
  name: 'glyphdesk-eval-pages' | 'glyphdesk-training-pages'
  glyphdeskVersion: string
  command: string
  seed: number
  pagesPerCondition: number
  conditions: Partial<Record<PageCondition, string>>
  sources: {
    fonts: { family: string; style: string; file: string }[]
    nist: null | { file: string; sha256: string; skipPerClass: number; usable: number; note: string }
    /** `PagesOptions.digits`: the file, and how many of its digits may be drawn. Absent without it. */
    digits?: { file: string; sha256: string; usable: number; note: string }
    /** 'training' pages are drawn from training material and must never be evaluated on. */
    glyphs?: 'evaluation' | 'training'
    /** Index → what drew a character (fonts by family and style, NIST glyphs by file index). */
    table: string[]
  }
  text: { words: number; note: string }
  pages: PageTruth[]
}

interface Spacing {
  letter: [number, number]
  word: [number, number]
}

const SPACING: Record<PageCondition, Spacing> = {
  clean: { letter: [0.12, 0.28], word: [0.65, 0.95] },
  touching: { letter: [0.08, 0.2], word: [0.65, 0.95] },
  broken: { letter: [0.14, 0.3], word: [0.7, 1.0] },
  'tight-spacing': { letter: [0.03, 0.1], word: [0.32, 0.45] },
  'uneven-spacing': { letter: [0.04, 0.6], word: [0.35, 1.0] },
  ruled: { letter: [0.12, 0.28], word: [0.65, 0.95] },
  phone: { letter: [0.12, 0.28], word: [0.65, 0.95] },
  mixed: { letter: [0.12, 0.28], word: [0.65, 0.95] },
  'no-text': { letter: [0.12, 0.28], word: [0.65, 0.95] },
  faint: { letter: [0.12, 0.28], word: [0.65, 0.95] },
  small: { letter: [0.12, 0.28], word: [0.65, 0.95] }, // unused: a small page is drawn as another condition
  shadow: { letter: [0.12, 0.28], word: [0.65, 0.95] },
  underlined: { letter: [0.12, 0.28], word: [0.65, 0.95] },
  'phone-shadow': { letter: [0.12, 0.28], word: [0.65, 0.95] },
  boxed: { letter: [0.12, 0.28], word: [0.65, 0.95] }, // unused: a boxed page's letters sit one per cell
  'light-desk': { letter: [0.12, 0.28], word: [0.65, 0.95] },
  skewed: { letter: [0.12, 0.28], word: [0.65, 0.95] }, // unused: a skewed page is drawn as another condition
  'scan-marks': { letter: [0.12, 0.28], word: [0.65, 0.95] }, // unused: drawn as another condition
  dense: { letter: [0.12, 0.28], word: [0.65, 0.95] },
  heading: { letter: [0.12, 0.28], word: [0.65, 0.95] },
  marker: { letter: [0.12, 0.28], word: [0.65, 0.95] },
  grid: { letter: [0.12, 0.28], word: [0.65, 0.95] },
  glare: { letter: [0.12, 0.28], word: [0.65, 0.95] },
  'phone-glare': { letter: [0.12, 0.28], word: [0.65, 0.95] },
  slanted: { letter: [0.12, 0.28], word: [0.65, 0.95] }, // unused: a slanted page is drawn as another condition
  'phone-slanted': { letter: [0.12, 0.28], word: [0.65, 0.95] }
}

const SOURCES: readonly SourceName[] = ['humor', 'comic', 'nist']
const TRAINING_SOURCES: readonly SourceName[] = ['fonts-a', 'fonts-b', 'nist']

/** Training font styles in two groups of families (alternating in name order), in place of the two reserved fonts. */
function trainingGroups(fonts: FontStyle[]): [FontStyle[], FontStyle[]] {
  const families = [...new Set(fonts.map((f) => f.family))].sort()
  const a = fonts.filter((f) => families.indexOf(f.family) % 2 === 0)
  const b = fonts.filter((f) => families.indexOf(f.family) % 2 === 1)
  return [a, b]
}

/** Composes the pages in memory and returns their files and the manifest. */
export async function composePages(
  opts: PagesOptions = {}
): Promise<{ files: { name: string; bytes: Buffer }[]; manifest: PagesManifest }> {
  const seed = opts.seed ?? 1
  const conditions = opts.conditions ?? PAGE_CONDITIONS
  const perCondition = opts.pagesPerCondition ?? 3
  const training = opts.glyphs === 'training'
  const fonts = (opts.fonts ?? (training ? trainingFonts() : evalFonts())).filter((f) =>
    /^(Regular|Bold|Italic|Bold Italic)$/.test(f.style)
  )
  const [humor, comic] = training
    ? trainingGroups(fonts)
    : [fonts.filter((f) => f.family === 'Humor Sans'), fonts.filter((f) => f.family === 'Comic Neue')]
  if (humor.length === 0 || comic.length === 0)
    throw new Error(
      training
        ? 'data pages --glyphs training needs at least two training font families: run scripts/install-fonts.sh'
        : 'data pages needs both reserved fonts (Humor Sans, Comic Neue): run scripts/install-fonts.sh'
    )
  const nist = opts.nist
    ? new NistInk(opts.nist.glyphs.x, opts.nist.glyphs.y, opts.nist.glyphs.n, opts.nist.skipPerClass, training)
    : null
  if (opts.digits && training)
    throw new InvalidInputError(
      'data pages --digits draws evaluation material: it cannot be used with --glyphs training'
    )
  if (opts.digits && !nist) throw new InvalidInputError('data pages --digits goes on the NIST pages: give --nist too')
  const handDigits = opts.digits
    ? new RealDigitInk(opts.digits.glyphs.x, opts.digits.glyphs.y, opts.digits.glyphs.n)
    : null
  const handDigitCount = handDigits ? handDigits.pool.reduce((s, l) => s + l.length, 0) : 0
  if (handDigits && handDigitCount === 0)
    throw new InvalidInputError(`data pages --digits: ${opts.digits!.name} holds no digit (classes 26–35)`)
  const names = training ? TRAINING_SOURCES : SOURCES
  const table: string[] = []
  const sourceIndex = (s: string) => {
    let i = table.indexOf(s)
    if (i < 0) i = table.push(s) - 1
    return i
  }
  const files: { name: string; bytes: Buffer }[] = []
  const pages: PageTruth[] = []
  const total = conditions.length * perCondition
  for (const cond of conditions) {
    const ci = PAGE_CONDITIONS.indexOf(cond)
    for (let k = 0; k < perCondition; k++) {
      const pageSeed = seed * 65536 + ci * 256 + k
      const rng = new Rng(pageSeed)
      const base = `${cond}-${String(k + 1).padStart(2, '0')}`
      const available = names.filter((s) => s !== 'nist' || nist !== null)
      // One source per page, rotating so each condition sees every source; `mixed` mixes them per word.
      const pageSource = available[(k + ci) % available.length]
      const small = cond === 'small'
      const skewed = cond === 'skewed'
      const marks = cond === 'scan-marks'
      const slanted = cond === 'slanted'
      const drawnAs = small || skewed || marks || slanted ? SMALL_DRAWN_AS[rng.int(SMALL_DRAWN_AS.length)] : cond
      const ctx: SheetContext = {
        rng,
        cond: drawnAs,
        humor,
        comic,
        nist,
        handDigits,
        sourceIndex,
        pageSource,
        available,
        small,
        skewed,
        marks,
        slanted
      }
      let page: { bytes: Buffer; ext: string; truth: Omit<PageTruth, 'file' | 'text' | 'seed' | 'condition'> }
      if (cond === 'phone-shadow') page = await photoPage(ctx, 2, { shadowed: true })
      else if (cond === 'light-desk') page = await photoPage(ctx, 2, { lightSurface: true })
      else if (cond === 'phone-glare') page = await photoPage(ctx, 2, { glared: true })
      else if (cond === 'phone-slanted') page = await photoPage(ctx, 2, { slanted: true })
      else if (cond === 'phone' || cond === 'no-text') page = await photoPage(ctx, cond === 'no-text' ? k % 2 : 2)
      else page = await flatPage(ctx)
      const file = `${base}.${page.ext}`
      files.push({ name: file, bytes: page.bytes })
      files.push({ name: `${base}.txt`, bytes: Buffer.from(page.truth.lines.map((l) => l + '\n').join('')) })
      pages.push({
        file,
        text: `${base}.txt`,
        condition: cond,
        seed: pageSeed,
        ...page.truth,
        ...(small || skewed || marks || slanted ? { drawnAs } : {})
      })
      opts.onPage?.(file, pages.length, total)
    }
  }
  const manifest: PagesManifest = {
    name: training ? 'glyphdesk-training-pages' : 'glyphdesk-eval-pages',
    glyphdeskVersion: GLYPHDESK_VERSION,
    command: opts.command ?? 'glyphdesk data pages',
    seed,
    pagesPerCondition: perCondition,
    conditions: Object.fromEntries(conditions.map((c) => [c, CONDITION_NOTES[c]])),
    sources: {
      fonts: [...humor, ...comic].map((f) => ({
        family: f.family,
        style: f.style,
        file: f.file.split('/').pop() ?? ''
      })),
      nist: opts.nist
        ? {
            file: opts.nist.name,
            sha256: opts.nist.sha256,
            skipPerClass: opts.nist.skipPerClass,
            usable: nist ? nist.pool.reduce((s, l) => s + l.length, 0) : 0,
            note: training
              ? `training pages: only the first ${opts.nist.skipPerClass} glyphs of each letter (file order) are drawn, the ones ` +
                'the shipped models train on. NIST26 has no digits: on NIST pages digits come from the training fonts.'
              : `only glyphs after the first ${opts.nist.skipPerClass} of each letter (file order) are drawn: the shipped models ` +
                'trained on the first 20 per letter (model cards: data.extraTrain perClass 20) and the replay set holds the same ones. ' +
                (handDigits
                  ? 'NIST26 has no digits: on NIST pages digits come from the --digits file (sources.digits; each ' +
                    "character's source is in `chars`)."
                  : "NIST26 has no digits: on NIST pages digits come from the reserved fonts (each character's source is in `chars`).")
          }
        : null,
      ...(opts.digits && handDigits
        ? {
            digits: {
              file: opts.digits.name,
              sha256: opts.digits.sha256,
              usable: handDigitCount,
              note: "every digit of the file may be drawn, on the NIST pages and NIST words in place of a reserved font's digits"
            }
          }
        : {}),
      glyphs: training ? 'training' : 'evaluation',
      table
    },
    text: {
      words: PAGE_WORDS.length,
      note:
        'tokens from a seeded generator: everyday English words from a list written for the generator (src/main/data/pages/text.ts; ' +
        'any English lexicon holds most of them), consonant–vowel pseudo-words, numbers and letter–digit tokens that no lexicon holds'
    },
    pages
  }
  return { files, manifest }
}

/** Composes the pages and writes images, ground truth and manifest.json into `outDir`. */
export async function writePages(outDir: string, opts: PagesOptions = {}): Promise<PagesManifest> {
  const { files, manifest } = await composePages(opts)
  await mkdir(outDir, { recursive: true })
  for (const f of files) await writeFile(join(outDir, f.name), f.bytes)
  await writeFile(join(outDir, 'manifest.json'), JSON.stringify(manifest, null, 1) + '\n')
  return manifest
}

export function sha256(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex')
}

// ---- one sheet ---------------------------------------------------------------------------

interface SheetContext {
  rng: Rng
  cond: PageCondition
  humor: FontStyle[]
  comic: FontStyle[]
  nist: NistInk | null
  /** PagesOptions.digits: handwritten digits for the NIST source. */
  handDigits: NistInk | null
  sourceIndex: (s: string) => number
  pageSource: SourceName
  available: readonly SourceName[]
  /** The `small` condition: the page (drawn as `cond`, a flat condition) is shrunk after it is composed. */
  small?: boolean
  /** The `skewed` condition: the page (drawn as `cond`, a flat condition) is turned after it is composed. */
  skewed?: boolean
  /** The `scan-marks` condition: the page (drawn as `cond`, a flat condition) gets its holes and marks after it is composed. */
  marks?: boolean
  /** The `slanted` condition: the page (drawn as `cond`, a flat condition) is sheared after it is composed. */
  slanted?: boolean
}

/**
 * The flat conditions a `small` page is drawn as before it is shrunk (small handwriting is also cramped or broken),
 * and a `skewed` page before it is turned.
 */
const SMALL_DRAWN_AS: readonly PageCondition[] = ['clean', 'touching', 'broken', 'tight-spacing', 'uneven-spacing']

interface Sheet {
  img: RgbImage
  lines: string[]
  chars: CharTruth[]
  capHeight: number
  sources: SourceName[]
  /** What the page was drawn with, for its truth: a heading's scale, a marker's width, a grid (when drawn). */
  drawn: Pick<PageTruth, 'headingScale' | 'markerWidth' | 'grid'>
}

interface Placed {
  g: InkBitmap
  x: number
  y: number
}

/** An inker for one source at the page's cap height. */
function inker(ctx: SheetContext, source: SourceName, capHeight: number) {
  const { rng } = ctx
  const fontOf = (list: FontStyle[]) => new FontInk(list[rng.int(list.length)], capHeight)
  // Training pages put their two font groups in the reserved fonts' places.
  const primary =
    source === 'humor' || source === 'fonts-a'
      ? fontOf(ctx.humor)
      : source === 'comic' || source === 'fonts-b'
        ? fontOf(ctx.comic)
        : null
  // NIST has letters only: its digits come from one of the reserved fonts.
  const digits = primary ?? fontOf(rng.uniform() < 0.5 ? ctx.humor : ctx.comic)
  return (ch: string): InkBitmap => {
    if (primary) return primary.draw(ch, rng)
    if (ctx.nist?.has(ch)) return ctx.nist.draw(ch, capHeight, rng)
    if (ctx.handDigits?.has(ch)) return ctx.handDigits.draw(ch, capHeight, rng)
    return digits.draw(ch, rng)
  }
}

/** `light-desk` papers: white, cream, a yellow legal pad, grey recycled, pale blue. */
const LIGHT_DESK_PAPERS: readonly [number, number, number][] = [
  [248, 248, 246],
  [242, 234, 210],
  [247, 236, 160],
  [214, 212, 204],
  [222, 231, 242]
]

function composeSheet(ctx: SheetContext, width: number, blank: boolean): Sheet {
  const { rng, cond } = ctx
  const H = Math.round(rng.uniformIn(40, 58))
  const sp = SPACING[cond]
  const ruled = cond === 'ruled'
  // (One draw either way: every other page stays byte for byte as it was.)
  const pitch = H * (cond === 'dense' ? rng.uniformIn(1.25, 1.6) : rng.uniformIn(1.9, 2.3))
  const nLines = blank ? 0 : 5 + rng.int(3)
  const left = Math.round(width * (ruled ? 0.15 : rng.uniformIn(0.05, 0.09)))
  const right = Math.round(width * rng.uniformIn(0.93, 0.96))
  const top = Math.round(H * rng.uniformIn(1.6, 2.2))
  // A title: the first line `headingScale` times the cap height, every line under it moved down to make room.
  // (Drawn from the page's generator only on heading pages: every other page stays byte for byte as it was.)
  const headingScale = cond === 'heading' && !blank ? Math.round(rng.uniformIn(1.6, 3.5) * 100) / 100 : 1
  const headRoom = (headingScale - 1) * H
  // A felt-tip marker: every stroke widened on each side. (Drawn only on marker pages, as above.)
  const markerWidth = cond === 'marker' ? Math.round(H * rng.uniformIn(0.05, 0.11) * 10) / 10 : 0
  // Graph paper, its lines drawn once the sheet is. (Drawn from the page's generator only on grid pages: every other
  // page stays byte for byte.) A hand writing on the grid's lines skips a whole number of squares from line to line.
  const grid = cond === 'grid' ? gridSpec(rng, H) : null
  const linePitch = grid?.snap ? Math.max(2, Math.round(pitch / grid.q)) * grid.q : pitch
  const firstBaseline = grid?.snap ? grid.y0 + Math.ceil((top - grid.y0) / grid.q) * grid.q : top
  const height = Math.round(firstBaseline + Math.max(nLines, 6) * linePitch + H * 1.2 + 1.7 * headRoom)
  // (Drawn from the page's generator only on light-desk pages: every other page stays byte for byte as it was.)
  const paper: [number, number, number] =
    cond === 'light-desk'
      ? LIGHT_DESK_PAPERS[rng.int(LIGHT_DESK_PAPERS.length)]
      : cond === 'phone' || cond === 'no-text'
        ? [244, 241, 234]
        : ruled
          ? [250, 250, 246]
          : [248, 248, 248]
  const img = rgbImage(width, height, paper)
  if (ruled) drawRules(img, rng, top, pitch, left)
  if (grid) drawGrid(img, grid)
  // A form's comb fields: one cell per letter, one empty cell between words, each line a field of its own.
  // (Drawn from the page's generator only on boxed pages: every other page stays byte for byte as it was.)
  const cells = cond === 'boxed' ? combCells(rng, H) : null
  const inkColour: [number, number, number] =
    ruled || cond === 'phone' || cond === 'light-desk' ? pickInk(rng) : grayInk(rng)
  const ink = new Float32Array(width * height)
  const mix: TextMix = cond === 'mixed' ? MIXED_MIX : ORDINARY_MIX
  const usedSources = new Set<SourceName>()
  const inkers = new Map<string, (ch: string) => InkBitmap>()
  const inkerFor = (s: SourceName, capHeight: number) => {
    const key = capHeight === H ? s : `${s}@${capHeight}`
    let f = inkers.get(key)
    if (!f) {
      f = inker(ctx, s, capHeight)
      inkers.set(key, f)
    }
    usedSources.add(s)
    return f
  }
  const lines: string[] = []
  const chars: CharTruth[] = []
  let pending: string[] = []
  for (let li = 0; li < nLines; li++) {
    // This line's cap height: the page's, or a heading's.
    const Hl = li === 0 ? Math.round(H * headingScale) : H
    const baseline0 =
      firstBaseline + li * linePitch + (ruled ? H * rng.uniformIn(-0.05, 0.3) : 0) + (li === 0 ? 1.4 : 1.7) * headRoom
    const slope = rng.uniformIn(-0.006, 0.006)
    let x = left + Hl * rng.uniformIn(0, 0.4)
    const lineStart = x
    const words: string[] = []
    /** Each word's ink span along the line, [first glyph's left, last glyph's right]. */
    const spans: [number, number][] = []
    let prev: Placed | null = null
    let skipped = 0
    for (;;) {
      if (pending.length === 0) pending = drawTokens(rng, mix)
      const token = pending[0]
      const source = cond === 'mixed' ? ctx.available[rng.int(ctx.available.length)] : ctx.pageSource
      const ink1 = inkerFor(source, Hl)
      const glyphs = [...token].map((ch) => (markerWidth > 0 ? thicken(ink1(ch), markerWidth) : ink1(ch)))
      if (cond === 'broken')
        for (const g of glyphs)
          if (rng.uniform() < 0.35) breakStroke(g, Math.max(3, H * rng.uniformIn(0.08, 0.15)), rng)
      const wordGap = words.length === 0 ? 0 : cells ? cells.w : Hl * rng.uniformIn(sp.word[0], sp.word[1])
      const estWidth = cells
        ? wordGap + glyphs.length * cells.w
        : glyphs.reduce((s, g) => s + g.w + Hl * sp.letter[1], wordGap)
      if (x + estWidth > right && words.length > 0) break
      // A heading's first word too long for the line at that size is not written: another is drawn.
      if (Hl !== H && x + estWidth > right && ++skipped < 50) {
        pending.shift()
        continue
      }
      pending.shift()
      x += wordGap
      for (let ci = 0; ci < glyphs.length; ci++) {
        let g = glyphs[ci]
        const baseline = baseline0 + slope * (x - left) + rng.normal(0, 0.025 * Hl)
        const y = Math.round(baseline - g.baseline)
        let gx: number
        if (cells) {
          // A letter wider than its cell is written narrower to fit (not always quite), then centred in the cell
          // give or take a tenth of the cap height.
          const room = cells.w * rng.uniformIn(0.85, 1)
          if (g.w > room) g = narrower(g, Math.round(room))
          gx = x + (cells.w - g.w) / 2 + rng.normal(0, 0.1 * H)
        } else if (ci > 0 && prev !== null && cond === 'touching' && rng.uniform() < 0.4) {
          gx = touchingX(prev, g, y, rng.uniformIn(1.5, Math.max(2, 0.08 * H)))
        } else if (ci > 0 && prev !== null) {
          gx = prev.x + prev.g.w + Hl * rng.uniformIn(sp.letter[0], sp.letter[1])
        } else gx = x
        gx = Math.round(gx)
        stamp(ink, width, height, g, gx, y)
        const si = ctx.sourceIndex(g.source)
        chars.push([token[ci], gx, y, gx + g.w, y + g.h, si])
        prev = { g, x: gx, y }
        x = cells ? x + cells.w : gx + g.w
      }
      words.push(token)
      spans.push([chars[chars.length - token.length][1], x])
      prev = null
    }
    lines.push(words.join(' '))
    if (cells && words.length > 0)
      drawCells(img, cells, lineStart, Math.round((x - lineStart) / cells.w), (px) => baseline0 + slope * (px - left))
    if (cond === 'underlined' && words.length > 0 && rng.uniform() < 0.7) {
      // A whole line, or one of its words, underlined: from touching the letters' feet to a tenth of H below.
      const whole = rng.uniform() < 0.5
      const w0 = whole ? 0 : rng.int(spans.length)
      const [x0, x1] = whole ? [spans[0][0], spans[spans.length - 1][1]] : spans[w0]
      const gap = H * rng.uniformIn(-0.02, 0.1)
      const thick = Math.max(2, H * rng.uniformIn(0.04, 0.08))
      for (let px = Math.max(0, Math.floor(x0)); px < Math.min(width, Math.ceil(x1)); px++) {
        const yTop = baseline0 + slope * (px - left) + gap
        for (let py = Math.max(0, Math.round(yTop)); py < Math.min(height, Math.round(yTop + thick)); py++)
          ink[py * width + px] = 1
      }
    }
  }
  for (let i = 0; i < width * height; i++) {
    const a = ink[i]
    if (a <= 0) continue
    img.r[i] += (inkColour[0] - img.r[i]) * a
    img.g[i] += (inkColour[1] - img.g[i]) * a
    img.b[i] += (inkColour[2] - img.b[i]) * a
  }
  return {
    img,
    lines,
    chars,
    capHeight: H,
    sources: [...usedSources],
    drawn: {
      ...(headingScale !== 1 ? { headingScale } : {}),
      ...(markerWidth > 0 ? { markerWidth } : {}),
      ...(grid ? { grid: { square: Math.round(grid.q * 100) / 100, onLines: grid.snap } } : {})
    }
  }
}

/** The glyph squeezed to `w` pixels wide (same height and baseline), as a hand narrows a letter to fit a cell. */
function narrower(g: InkBitmap, w: number): InkBitmap {
  const ink = new Float32Array(w * g.h)
  const f = g.w / w
  for (let y = 0; y < g.h; y++)
    for (let x = 0; x < w; x++) ink[y * w + x] = bilinear(g.ink, g.w, g.h, (x + 0.5) * f - 0.5, y)
  return { ...g, w, ink }
}

/** A page's comb fields: cell width, how far the cells reach above and below the baseline, line thickness and colour. */
interface CombCells {
  w: number
  above: number
  below: number
  thick: number
  colour: [number, number, number]
}

function combCells(rng: Rng, H: number): CombCells {
  const w = H * rng.uniformIn(0.95, 1.25)
  const above = H * rng.uniformIn(1.15, 1.3),
    below = H * rng.uniformIn(0.2, 0.3)
  const thick = rng.uniformIn(1, 3)
  // Black to mid-gray print, or a form's blue.
  const v = Math.round(rng.uniformIn(20, 120))
  const colour: [number, number, number] =
    rng.uniform() < 0.75
      ? [v, v, v]
      : [Math.round(rng.uniformIn(60, 110)), Math.round(rng.uniformIn(110, 150)), Math.round(rng.uniformIn(190, 230))]
  return { w, above, below, thick, colour }
}

/** `n` cells from `x0` along the line whose baseline is at `baseline(x)`: top and bottom lines, and a wall at each cell's edge. */
function drawCells(img: RgbImage, c: CombCells, x0: number, n: number, baseline: (x: number) => number) {
  const x1 = x0 + n * c.w
  const half = c.thick / 2
  for (let px = Math.max(0, Math.floor(x0 - half)); px <= Math.min(img.w - 1, Math.ceil(x1 + half)); px++) {
    const b = baseline(px)
    for (const yc of [b - c.above, b + c.below])
      across(yc, c.thick, img.h, (py, a) => blend(img, py * img.w + px, c.colour, a))
  }
  for (let k = 0; k <= n; k++) {
    const xc = x0 + k * c.w
    const b = baseline(xc)
    across(xc, c.thick, img.w, (px, a) => {
      for (let py = Math.max(0, Math.round(b - c.above)); py <= Math.min(img.h - 1, Math.round(b + c.below)); py++)
        blend(img, py * img.w + px, c.colour, a)
    })
  }
}

/** x of `g` (top row `y`) so that its ink overlaps `prev`'s by `overlap` px on the row where they come closest. */
function touchingX(prev: Placed, g: InkBitmap, y: number, overlap: number): number {
  let best = Infinity
  const r0 = Math.max(prev.y, y),
    r1 = Math.min(prev.y + prev.g.h, y + g.h)
  for (let r = r0; r < r1; r++) {
    let lr = -1
    const pr = r - prev.y
    for (let c = prev.g.w - 1; c >= 0; c--)
      if (prev.g.ink[pr * prev.g.w + c] > 0.3) {
        lr = prev.x + c
        break
      }
    let rl = -1
    const gr = r - y
    for (let c = 0; c < g.w; c++)
      if (g.ink[gr * g.w + c] > 0.3) {
        rl = c
        break
      }
    if (lr >= 0 && rl >= 0) best = Math.min(best, rl - lr)
  }
  if (!Number.isFinite(best)) return prev.x + prev.g.w
  // Never slide more than 30% into the previous glyph: the pair must stay two letters to a reader.
  return Math.max(prev.x + 0.3 * prev.g.w, -overlap - best)
}

function stamp(dst: Float32Array, W: number, H: number, g: InkBitmap, x0: number, y0: number) {
  for (let y = 0; y < g.h; y++) {
    const py = y0 + y
    if (py < 0 || py >= H) continue
    for (let x = 0; x < g.w; x++) {
      const px = x0 + x
      if (px < 0 || px >= W) continue
      const v = g.ink[y * g.w + x]
      const i = py * W + px
      if (v > dst[i]) dst[i] = v
    }
  }
}

function drawRules(img: RgbImage, rng: Rng, top: number, pitch: number, left: number) {
  const blue: [number, number, number] = [
    Math.round(rng.uniformIn(105, 150)),
    Math.round(rng.uniformIn(145, 180)),
    Math.round(rng.uniformIn(205, 235))
  ]
  const red: [number, number, number] = [220, Math.round(rng.uniformIn(90, 130)), Math.round(rng.uniformIn(100, 140))]
  const th = rng.uniformIn(1.4, 3)
  const hline = (yc: number, t: number, c: [number, number, number]) =>
    across(yc, t, img.h, (y, a) => {
      for (let x = 0; x < img.w; x++) blend(img, y * img.w + x, c, a)
    })
  // The header rule, then one rule per line pitch down the whole sheet, like a notebook page.
  hline(top - pitch * 0.9, th * 1.6, red)
  for (let yc = top; yc < img.h - 4; yc += pitch) hline(yc, th, blue)
  across(left - pitch * 0.35, th, img.w, (x, a) => {
    for (let y = 0; y < img.h; y++) blend(img, y * img.w + x, red, a)
  })
}

/** Graph paper: squares `q` px across from (x0, y0), lines `th` px, their colour; `snap`: the writing on its lines. */
interface GridSpec {
  q: number
  x0: number
  y0: number
  th: number
  colour: [number, number, number]
  snap: boolean
}

/** A grid for a page of cap height H: squares 0.5–1.3 H (large writing to small on 5-mm squares), lines 1–2.2 px, pale blue, green or grey or darker grey. */
function gridSpec(rng: Rng, H: number): GridSpec {
  const q = H * rng.uniformIn(0.5, 1.3)
  const x0 = rng.uniformIn(0, q),
    y0 = rng.uniformIn(0, q)
  const th = rng.uniformIn(1, 2.2)
  const colours: [number, number, number][] = [
    [150, 185, 225],
    [150, 200, 160],
    [175, 175, 175],
    [120, 120, 128]
  ]
  const colour = colours[rng.int(colours.length)]
  return { q, x0, y0, th, colour, snap: rng.uniform() < 0.5 }
}

/** The grid's lines over the whole sheet, antialiased. */
function drawGrid(img: RgbImage, g: GridSpec) {
  for (let yc = g.y0; yc < img.h; yc += g.q)
    across(yc, g.th, img.h, (y, a) => {
      for (let x = 0; x < img.w; x++) blend(img, y * img.w + x, g.colour, a)
    })
  for (let xc = g.x0; xc < img.w; xc += g.q)
    across(xc, g.th, img.w, (x, a) => {
      for (let y = 0; y < img.h; y++) blend(img, y * img.w + x, g.colour, a)
    })
}

/**
 * Calls `put(p, a)` for every pixel row (or column) p in [0, n) that a line `thick` px wide centred on `centre`
 * covers, `a` its coverage (antialiased, above 0): ruled lines, a margin line, a form's cells, graph paper.
 */
function across(centre: number, thick: number, n: number, put: (p: number, a: number) => void): void {
  const half = thick / 2
  for (let p = Math.max(0, Math.floor(centre - half - 1)); p <= Math.min(n - 1, Math.ceil(centre + half + 1)); p++) {
    const a = clip(half - Math.abs(p + 0.5 - centre) + 0.5, 0, 1)
    if (a > 0) put(p, a)
  }
}

function blend(img: RgbImage, i: number, c: readonly [number, number, number], a: number) {
  img.r[i] += (c[0] - img.r[i]) * a
  img.g[i] += (c[1] - img.g[i]) * a
  img.b[i] += (c[2] - img.b[i]) * a
}

function pickInk(rng: Rng): [number, number, number] {
  const inks: [number, number, number][] = [
    [25, 30, 95], // blue ballpoint
    [28, 28, 32], // black pen
    [85, 85, 90] // pencil
  ]
  return inks[rng.int(inks.length)]
}

function grayInk(rng: Rng): [number, number, number] {
  const v = Math.round(rng.uniformIn(15, 80))
  return [v, v, v]
}

async function flatPage(ctx: SheetContext) {
  let sheet = composeSheet(ctx, 1400, false)
  if (ctx.skewed) return skewedPage(ctx, sheet)
  if (ctx.slanted) return slantedPage(ctx, sheet)
  let marks: string[] | undefined
  if (ctx.marks) ({ sheet, marks } = scanMarks(sheet, ctx.rng))
  const { img } = sheet
  if (ctx.cond === 'faint') fade(img, ctx.rng)
  const spot = ctx.cond === 'glare' ? glare(img, ctx.rng) : undefined
  if (ctx.cond === 'shadow') castShadow(img, ctx.rng)
  // Plain pages are gray PNGs except ruled paper, whose colour is part of the condition, and faint pages, which are
  // JPEG like most scans (their noise would make a PNG six times the size).
  const colour = ctx.cond === 'ruled' || ctx.cond === 'grid'
  const jpeg = ctx.cond === 'faint'
  const raw = colour ? toRgbBytes(img) : grayBytes(img)
  // The `small` condition: the page shrunk as a camera far from it or a low-resolution scan would take it.
  const f = ctx.small ? ctx.rng.uniformIn(0.28, 0.42) : 1
  const w = Math.round(img.w * f),
    h = Math.round(img.h * f)
  let image = sharp(raw, { raw: { width: img.w, height: img.h, channels: colour ? 3 : 1 } })
  if (f !== 1) {
    // Back to one gray channel (sharp's raw output of a resize is in its working colour space).
    const { data, info } = await image
      .resize(w, h, { kernel: 'lanczos3' })
      .toColourspace('b-w')
      .raw()
      .toBuffer({ resolveWithObject: true })
    image = sharp(data, { raw: { width: info.width, height: info.height, channels: info.channels } })
  }
  const bytes = await (jpeg ? image.jpeg({ quality: 85 }) : image.png({ compressionLevel: 9 })).toBuffer()
  const at = (v: number): number => Math.round(v * f * 100) / 100
  const scaled = (c: CharTruth): CharTruth => [c[0], at(c[1]), at(c[2]), at(c[3]), at(c[4]), c[5]]
  return {
    bytes,
    ext: jpeg ? 'jpg' : 'png',
    truth: {
      capHeight: f === 1 ? sheet.capHeight : at(sheet.capHeight),
      sources: sheet.sources,
      width: w,
      height: h,
      lines: sheet.lines,
      chars: f === 1 ? sheet.chars : sheet.chars.map(scaled),
      ...(marks ? { marks } : {}),
      ...(spot ? { glare: spot } : {}),
      ...sheet.drawn
    }
  }
}

/**
 * The `scan-marks` condition: the composed (gray) page with a margin of 2.2–3 cap heights added on its left, punched
 * there with 2–4 holes 0.9–1.4 cap heights across, dark as a scanner's black lid shows them through the paper; then,
 * each on some pages, a staple at the top-left corner, a coffee ring across the page, the back's writing showing
 * through mirrored and a fold across the page. The characters move with the margin.
 */
function scanMarks(sheet: Sheet, rng: Rng): { sheet: Sheet; marks: string[] } {
  const H = sheet.capHeight
  const pad = Math.round(H * rng.uniformIn(2.2, 3))
  const src = sheet.img
  const w = src.w + pad,
    h = src.h
  const paper = src.r[0]
  const img = rgbImage(w, h, [paper, paper, paper])
  for (let y = 0; y < h; y++)
    for (let x = 0; x < src.w; x++) {
      const i = y * w + x + pad,
        j = y * src.w + x
      img.r[i] = src.r[j]
      img.g[i] = src.g[j]
      img.b[i] = src.b[j]
    }
  const marks: string[] = []
  /** Darken every pixel by `f(x, y)` (0: as it is … 1: black), the three planes alike. */
  const darken = (x0: number, y0: number, x1: number, y1: number, f: (x: number, y: number) => number) => {
    for (let y = Math.max(0, Math.floor(y0)); y < Math.min(h, Math.ceil(y1)); y++)
      for (let x = Math.max(0, Math.floor(x0)); x < Math.min(w, Math.ceil(x1)); x++) {
        const a = f(x + 0.5, y + 0.5)
        if (a <= 0) continue
        const i = y * w + x
        img.r[i] *= 1 - a
        img.g[i] *= 1 - a
        img.b[i] *= 1 - a
      }
  }
  // The back's writing through the paper: the page's own ink mirrored left to right and moved up or down, faint
  // and soft (drawn first: the holes and the staple are on top of it).
  if (rng.uniform() < 0.4) {
    const strength = rng.uniformIn(0.08, 0.2)
    const dy = Math.round(rng.uniformIn(-0.5, 0.5) * H * 2)
    const back = new Float32Array(w * h)
    for (let y = 0; y < h; y++) {
      const sy = y + dy
      if (sy < 0 || sy >= h) continue
      for (let x = 0; x < w; x++) back[y * w + x] = Math.max(0, (paper - img.r[sy * w + (w - 1 - x)]) / paper)
    }
    const soft = boxBlur(boxBlur(back, w, h, 2), w, h, 2)
    darken(0, 0, w, h, (x, y) => strength * soft[Math.floor(y) * w + Math.floor(x)])
    marks.push('bleed')
  }
  // Punch holes: 2–4, evenly down the middle of the page's height, centred in the new margin.
  const holes = 2 + rng.int(3)
  const r = (H * rng.uniformIn(0.9, 1.4)) / 2
  const cx = pad * rng.uniformIn(0.4, 0.55)
  const lid = rng.uniformIn(0.75, 0.92)
  const span = h * rng.uniformIn(0.45, 0.7)
  for (let k = 0; k < holes; k++) {
    const cy = h / 2 - span / 2 + (span * k) / (holes - 1)
    darken(
      cx - r - 1,
      cy - r - 1,
      cx + r + 1,
      cy + r + 1,
      (x, y) => lid * clip(r - Math.hypot(x - cx, y - cy) + 0.5, 0, 1)
    )
  }
  marks.push(`holes:${holes}`)
  // A staple at the top-left corner: a dark bar at 30–60°, 0.8–1.2 cap heights long.
  if (rng.uniform() < 0.5) {
    const len = H * rng.uniformIn(0.8, 1.2)
    const th = (rng.uniformIn(30, 60) * Math.PI) / 180
    const x0 = pad * rng.uniformIn(0.15, 0.3),
      y0 = H * rng.uniformIn(0.3, 0.8) + len * Math.sin(th)
    const [dx, dy] = [Math.cos(th), -Math.sin(th)]
    const half = Math.max(1, 0.04 * H)
    darken(x0 - half - 1, y0 - len - 1, x0 + len + half + 1, y0 + half + 1, (x, y) => {
      const t = clip((x - x0) * dx + (y - y0) * dy, 0, len)
      const d = Math.hypot(x - (x0 + t * dx), y - (y0 + t * dy))
      return 0.8 * clip(half - d + 0.5, 0, 1)
    })
    marks.push('staple')
  }
  // A coffee ring: most of a circle 1.5–3 cap heights in radius, anywhere on the page, its rim darker than its inside.
  if (rng.uniform() < 0.4) {
    const R = H * rng.uniformIn(1.5, 3)
    const rx = rng.uniformIn(0.2, 0.85) * w,
      ry = rng.uniformIn(0.2, 0.8) * h
    const from = rng.uniformIn(0, 2 * Math.PI),
      arc = rng.uniformIn(0.55, 0.9) * 2 * Math.PI
    const rim = Math.max(2, H * rng.uniformIn(0.05, 0.1))
    const dark = rng.uniformIn(0.15, 0.35)
    darken(rx - R - rim, ry - R - rim, rx + R + rim, ry + R + rim, (x, y) => {
      const d = Math.hypot(x - rx, y - ry)
      const a = (Math.atan2(y - ry, x - rx) - from + 4 * Math.PI) % (2 * Math.PI)
      const onRim = a <= arc ? dark * clip(1 - Math.abs(d - R) / rim, 0, 1) : 0
      return Math.max(onRim, d < R ? 0.05 : 0)
    })
    marks.push('ring')
  }
  // A fold: a crease across the page near its middle, a thin dark line with a lighter band beside it.
  if (rng.uniform() < 0.4) {
    const across = rng.uniform() < 0.5
    const at = rng.uniformIn(0.35, 0.65) * (across ? h : w)
    const slope = rng.uniformIn(-0.02, 0.02)
    darken(0, 0, w, h, (x, y) => {
      const d = across ? y - (at + slope * (x - w / 2)) : x - (at + slope * (y - h / 2))
      return 0.3 * Math.exp(-((d / 1.5) ** 2)) - 0.06 * Math.exp(-(((d - 4) / 3) ** 2))
    })
    marks.push('fold')
  }
  const chars = sheet.chars.map((c): CharTruth => [c[0], c[1] + pad, c[2], c[3] + pad, c[4], c[5]])
  return { sheet: { ...sheet, img, chars }, marks }
}

/** A horizontal then vertical running mean of radius `r` (w × h, edges clamped). */
function boxBlur(src: Float32Array, w: number, h: number, r: number): Float32Array {
  const tmp = new Float32Array(w * h),
    out = new Float32Array(w * h)
  const n = 2 * r + 1
  for (let y = 0; y < h; y++)
    for (let x = 0; x < w; x++) {
      let s = 0
      for (let k = -r; k <= r; k++) s += src[y * w + Math.min(w - 1, Math.max(0, x + k))]
      tmp[y * w + x] = s / n
    }
  for (let y = 0; y < h; y++)
    for (let x = 0; x < w; x++) {
      let s = 0
      for (let k = -r; k <= r; k++) s += tmp[Math.min(h - 1, Math.max(0, y + k)) * w + x]
      out[y * w + x] = s / n
    }
  return out
}

/**
 * mode 0: an empty desk; 1: a blank sheet on a desk; 2: a written sheet on a desk. `shadowed` (the `phone-shadow`
 * condition): a hard shadow across the sheet and the desk, cast after everything else is placed and before the light.
 * `lightSurface` (the `light-desk` condition): the sheet lies on a light surface instead of a wooden desk. `glared`
 * (the `phone-glare` condition): a glare over the sheet, after the light.
 */
async function photoPage(
  ctx: SheetContext,
  mode: 0 | 1 | 2 | number,
  { shadowed = false, lightSurface = false, glared = false, slanted = false } = {}
) {
  const { rng } = ctx
  let sheet = mode === 0 ? null : composeSheet(ctx, 1000, mode === 1)
  // `phone-slanted`: the writing leans before the sheet is photographed.
  const slantDeg = slanted && sheet ? slantDegrees(rng) : undefined
  if (sheet && slantDeg !== undefined) sheet = shearSheet(sheet, slantDeg)
  const sw = sheet?.img.w ?? 1000,
    sh = sheet?.img.h ?? 1000
  const DW = Math.round(Math.max(sw, sh * 0.8) * 1.5),
    DH = Math.round(Math.max(sh, sw * 0.75) * 1.4)
  const { img: photo, kind } = lightSurface ? lightDesk(DW, DH, rng) : desk(DW, DH, rng)
  const rot = rng.uniformIn(-10, 10)
  const th = (rot * Math.PI) / 180
  const extentW = sw * Math.abs(Math.cos(th)) + sh * Math.abs(Math.sin(th))
  const extentH = sw * Math.abs(Math.sin(th)) + sh * Math.abs(Math.cos(th))
  const scale = rng.uniformIn(0.78, 0.88) * Math.min(DW / extentW, DH / extentH)
  const cx = DW / 2 + rng.uniformIn(-0.04, 0.04) * DW,
    cy = DH / 2 + rng.uniformIn(-0.04, 0.04) * DH
  // Keystone: the phone was tilted, so the far edge of the sheet is a little shorter.
  const keystone = rng.uniformIn(0.9, 1)
  const far = rng.int(4)
  const corners: Point[] = [
    [-sw / 2, -sh / 2],
    [sw / 2, -sh / 2],
    [sw / 2, sh / 2],
    [-sw / 2, sh / 2]
  ].map(([x, y], i) => {
    const edge = far === 0 ? i < 2 : far === 1 ? i === 1 || i === 2 : far === 2 ? i >= 2 : i === 0 || i === 3
    const shrink = edge ? keystone : 1
    const kx = far === 0 || far === 2 ? shrink : 1,
      ky = far === 1 || far === 3 ? shrink : 1
    const px = x * kx * scale + rng.normal(0, 0.01 * sw * scale),
      py = y * ky * scale + rng.normal(0, 0.01 * sw * scale)
    return [cx + px * Math.cos(th) - py * Math.sin(th), cy + px * Math.sin(th) + py * Math.cos(th)]
  })
  const xs = corners.map((c) => c[0]),
    ys = corners.map((c) => c[1])
  // The sheet's bounding box: the clutter keeps out of it, a `phone-shadow` edge crosses it.
  const sheetBox = { x0: Math.min(...xs), y0: Math.min(...ys), x1: Math.max(...xs), y1: Math.max(...ys) }
  const placedClutter = clutter(photo, rng, sheetBox)
  let chars: CharTruth[] = []
  if (sheet) {
    const Hm = homography(
      [
        [0, 0],
        [sw, 0],
        [sw, sh],
        [0, sh]
      ],
      corners
    )
    placeSheet(photo, sheet.img, Hm, [rng.uniformIn(4, 14), rng.uniformIn(6, 16)])
    chars = sheet.chars.map(([ch, x0, y0, x1, y1, s]) => {
      const pts = [applyH(Hm, x0, y0), applyH(Hm, x1, y0), applyH(Hm, x1, y1), applyH(Hm, x0, y1)]
      return [
        ch,
        Math.floor(Math.min(...pts.map((p) => p[0]))),
        Math.floor(Math.min(...pts.map((p) => p[1]))),
        Math.ceil(Math.max(...pts.map((p) => p[0]))),
        Math.ceil(Math.max(...pts.map((p) => p[1]))),
        s
      ]
    })
  }
  const shadow = shadowed ? castShadow(photo, rng, sheetBox) : undefined
  light(photo, rng)
  const spot = glared ? glare(photo, rng, sheetBox) : undefined
  noise(photo, rng, rng.uniformIn(1.5, 4))
  const blurSigma = Math.round(rng.uniformIn(0.5, 1.4) * 100) / 100
  const jpegQuality = 60 + rng.int(26)
  const bytes = await sharp(toRgbBytes(photo), { raw: { width: DW, height: DH, channels: 3 } })
    .blur(blurSigma)
    .jpeg({ quality: jpegQuality, chromaSubsampling: '4:2:0' })
    .toBuffer()
  return {
    bytes,
    ext: 'jpg',
    truth: {
      capHeight: sheet?.capHeight ?? 0,
      sources: sheet?.sources ?? [],
      width: DW,
      height: DH,
      lines: sheet?.lines ?? [],
      chars,
      sheet: sheet ? corners.map((c): Point => [Math.round(c[0] * 10) / 10, Math.round(c[1] * 10) / 10]) : undefined,
      rotationDeg: Math.round(rot * 100) / 100,
      clutter: placedClutter,
      desk: kind,
      jpegQuality,
      blurSigma,
      ...(shadow ? { shadow } : {}),
      ...(spot ? { glare: spot } : {}),
      ...(slantDeg !== undefined ? { slantDeg } : {})
    }
  }
}

/**
 * The `glare` and `phone-glare` conditions: the image washed towards white in a soft spot placed and sized by `box`
 * (the whole page, or a photo's sheet; see CONDITION_NOTES). Returns the spot.
 */
function glare(
  img: RgbImage,
  rng: Rng,
  box = { x0: 0, y0: 0, x1: img.w, y1: img.h }
): { x: number; y: number; strength: number } {
  const bw = box.x1 - box.x0,
    bh = box.y1 - box.y0
  const cx = box.x0 + bw * rng.uniformIn(0.3, 0.7),
    cy = box.y0 + bh * rng.uniformIn(0.3, 0.7)
  const rx = bw * rng.uniformIn(0.12, 0.25),
    ry = bh * rng.uniformIn(0.15, 0.35)
  const strength = rng.uniformIn(0.55, 0.85)
  for (let y = 0; y < img.h; y++)
    for (let x = 0; x < img.w; x++) {
      const g = strength * Math.exp(-(((x - cx) / rx) ** 2 + ((y - cy) / ry) ** 2))
      if (g >= 1e-3) blend(img, y * img.w + x, WHITE, g)
    }
  return { x: Math.round(cx), y: Math.round(cy), strength: Math.round(strength * 100) / 100 }
}

const WHITE: readonly [number, number, number] = [255, 255, 255]

/**
 * The `faint` condition, in place on a gray sheet (all three planes equal): every pixel's difference from the
 * paper is kept at a share of 12–35% (light pencil, faded ink), the light falls off linearly by up to 12% towards
 * one side, and Gaussian noise of σ 1–3 levels is added (a scanner's). Draws from the page's own generator after
 * the sheet is composed, so the writing is composed exactly as on any other flat page.
 */
function fade(img: RgbImage, rng: Rng): void {
  const keep = rng.uniformIn(0.12, 0.35)
  const falloff = rng.uniformIn(0, 0.12)
  const towardsRight = rng.uniform() < 0.5
  const sigma = rng.uniformIn(1, 3)
  const paper = 248
  for (let y = 0; y < img.h; y++)
    for (let x = 0; x < img.w; x++) {
      const i = y * img.w + x
      const t = towardsRight ? x / img.w : 1 - x / img.w
      const v = (paper - (paper - img.r[i]) * keep) * (1 - falloff * t) + rng.normal(0, sigma)
      img.r[i] = v
      img.g[i] = v
      img.b[i] = v
    }
}

/** Where a cast shadow falls: the points with (x − cx)·nx + (y − cy)·ny > 0, at `dark` of their light. */
export interface ShadowEdge {
  cx: number
  cy: number
  nx: number
  ny: number
  dark: number
  penumbra: number
}

/**
 * The `shadow` condition, in place: a straight edge at any angle through the middle 60% of `within` (the page, or
 * the sheet's bounding box in a photo), everything on one side of it darkened to a share of 45–75% of its light, the
 * change spread over a penumbra of 0–8 px.
 */
function castShadow(img: RgbImage, rng: Rng, within = { x0: 0, y0: 0, x1: img.w, y1: img.h }): ShadowEdge {
  const cx = within.x0 + (within.x1 - within.x0) * rng.uniformIn(0.2, 0.8),
    cy = within.y0 + (within.y1 - within.y0) * rng.uniformIn(0.2, 0.8)
  const angle = rng.uniformIn(0, 2 * Math.PI)
  const [nx, ny] = [Math.cos(angle), Math.sin(angle)]
  const dark = rng.uniformIn(0.45, 0.75)
  const penumbra = rng.uniformIn(0, 8)
  for (let y = 0; y < img.h; y++)
    for (let x = 0; x < img.w; x++) {
      const d = (x - cx) * nx + (y - cy) * ny // signed distance to the edge; the shadow is where d > 0
      const t = penumbra < 0.5 ? (d > 0 ? 1 : 0) : Math.min(1, Math.max(0, d / penumbra + 0.5))
      const f = 1 - (1 - dark) * t
      const i = y * img.w + x
      img.r[i] *= f
      img.g[i] *= f
      img.b[i] *= f
    }
  const r2 = (v: number) => Math.round(v * 100) / 100
  return {
    cx: r2(cx),
    cy: r2(cy),
    nx: Math.round(nx * 1e4) / 1e4,
    ny: Math.round(ny * 1e4) / 1e4,
    dark: r2(dark),
    penumbra: r2(penumbra)
  }
}

/**
 * The `skewed` condition: the composed (gray) page turned by 2–10° either way about its centre onto a canvas that
 * holds all of it, the corners filled with the paper, bilinear; each character's box is the box around its turned
 * corners. A gray PNG, as a flat page is.
 */
async function skewedPage(ctx: SheetContext, sheet: Sheet) {
  const { img } = sheet
  const deg = Math.round((ctx.rng.uniform() < 0.5 ? -1 : 1) * ctx.rng.uniformIn(2, 10) * 100) / 100
  const t = (deg * Math.PI) / 180
  const c = Math.cos(t),
    s = Math.sin(t)
  const W = Math.ceil(img.w * c + img.h * Math.abs(s)),
    H = Math.ceil(img.w * Math.abs(s) + img.h * c)
  const paper = img.r[0]
  const out = Buffer.alloc(W * H)
  for (let Y = 0; Y < H; Y++)
    for (let X = 0; X < W; X++) {
      // The page point this pixel shows: the turn undone about the two centres.
      const u = X + 0.5 - W / 2,
        v = Y + 0.5 - H / 2
      const x = u * c + v * s + img.w / 2 - 0.5,
        y = -u * s + v * c + img.h / 2 - 0.5
      const inside = x >= -0.5 && y >= -0.5 && x <= img.w - 0.5 && y <= img.h - 0.5
      out[Y * W + X] = inside
        ? clip(Math.round(bilinear(img.r, img.w, img.h, clip(x, 0, img.w - 1), clip(y, 0, img.h - 1))), 0, 255)
        : clip(paper, 0, 255)
    }
  const turn = (x: number, y: number): [number, number] => {
    const u = x - img.w / 2,
      v = y - img.h / 2
    return [u * c - v * s + W / 2, u * s + v * c + H / 2]
  }
  const chars = sheet.chars.map(([ch, x0, y0, x1, y1, src]): CharTruth => {
    const pts = [turn(x0, y0), turn(x1, y0), turn(x1, y1), turn(x0, y1)]
    return [
      ch,
      Math.max(0, Math.floor(Math.min(...pts.map((p) => p[0])))),
      Math.max(0, Math.floor(Math.min(...pts.map((p) => p[1])))),
      Math.min(W, Math.ceil(Math.max(...pts.map((p) => p[0])))),
      Math.min(H, Math.ceil(Math.max(...pts.map((p) => p[1])))),
      src
    ]
  })
  return grayPage(out, W, H, sheet, chars, { skewDeg: deg })
}

/** The `slanted` condition: the composed (gray) page sheared (shearSheet) and written as a gray PNG, as a flat page is. */
async function slantedPage(ctx: SheetContext, sheet: Sheet) {
  const deg = slantDegrees(ctx.rng)
  const leaning = shearSheet(sheet, deg)
  const { img } = leaning
  return grayPage(grayBytes(img), img.w, img.h, sheet, leaning.chars, { slantDeg: deg })
}

/** A writer's lean for the `slanted` and `phone-slanted` conditions: 10–24°, to the right on three pages in four. */
function slantDegrees(rng: Rng): number {
  return Math.round((rng.uniform() < 0.75 ? 1 : -1) * rng.uniformIn(10, 24) * 100) / 100
}

/**
 * A composed sheet sheared so that its letters lean by `deg` (positive: tops to the right): each row moved right by
 * k·(H − 1 − y) (k = tan deg; the bottom row stays, or the top one for a backhand lean), bilinear along the row and
 * rounded to whole levels, onto a sheet widened to hold all of it, the rest filled with the paper; each character's
 * box is the box around its sheared corners.
 */
function shearSheet(sheet: Sheet, deg: number): Sheet {
  const { img } = sheet
  const k = Math.tan((deg * Math.PI) / 180)
  const reach = Math.ceil(Math.abs(k) * img.h)
  const W = img.w + reach,
    H = img.h
  const shift = (y: number) => k * (H - 1 - y) + (k < 0 ? reach : 0)
  const plane = (src: Float32Array) => {
    const paper = src[0]
    const out = new Float32Array(W * H)
    for (let y = 0; y < H; y++) {
      const d = shift(y)
      for (let X = 0; X < W; X++) {
        const x = X - d
        const x0 = Math.floor(x)
        const t = x - x0
        const a = x0 >= 0 && x0 < img.w ? src[y * img.w + x0] : paper
        const b = x0 + 1 >= 0 && x0 + 1 < img.w ? src[y * img.w + x0 + 1] : paper
        out[y * W + X] = Math.round(a * (1 - t) + b * t)
      }
    }
    return out
  }
  const chars = sheet.chars.map(([ch, x0, y0, x1, y1, src]): CharTruth => {
    const xs = [x0 + shift(y0), x1 + shift(y0), x0 + shift(y1), x1 + shift(y1)]
    return [ch, Math.max(0, Math.floor(Math.min(...xs))), y0, Math.min(W, Math.ceil(Math.max(...xs))), y1, src]
  })
  return { ...sheet, img: { w: W, h: H, r: plane(img.r), g: plane(img.g), b: plane(img.b) }, chars }
}

/** A page redrawn from a composed sheet (turned, sheared) as a gray PNG, with the sheet's truth and its moved boxes. */
async function grayPage(
  gray: Buffer,
  W: number,
  H: number,
  sheet: Sheet,
  chars: CharTruth[],
  extra: Pick<PageTruth, 'skewDeg' | 'slantDeg'>
) {
  const bytes = await sharp(gray, { raw: { width: W, height: H, channels: 1 } })
    .png({ compressionLevel: 9 })
    .toBuffer()
  return {
    bytes,
    ext: 'png',
    truth: {
      capHeight: sheet.capHeight,
      sources: sheet.sources,
      width: W,
      height: H,
      lines: sheet.lines,
      chars,
      ...extra
    }
  }
}

function grayBytes(img: RgbImage): Buffer {
  const out = Buffer.alloc(img.w * img.h)
  for (let i = 0; i < out.length; i++) out[i] = clip(Math.round(img.r[i]), 0, 255)
  return out
}

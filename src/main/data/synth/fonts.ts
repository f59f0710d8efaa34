// Finds the font files synthetic glyphs are drawn from. Training uses handwriting-style
// families plus plain sans; Humor Sans and Comic Neue are reserved for evaluation as an
// "unseen hand" and never reach training. Families are read from each file's own `name`
// table and coverage from its `cmap`, so discovery does not depend on fontconfig.
import { InvalidInputError } from '../../core/errors.ts'
import { readdirSync, readFileSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { CLASSES } from '../../../shared/classes.ts'

export interface FontStyle {
  /** Family as the font names it, e.g. "DkgHandwriting". */
  family: string
  /** Subfamily, e.g. "Bold Italic". */
  style: string
  file: string
  /** Relative chance of being picked among the styles that have a given character. */
  weight: number
  /** Which of the 36 classes (A–Z, 0–9) the font has glyphs for. */
  covers: string
  /** Draw bars (serifs) across the top and bottom of its I, which it draws as a plain bar (lookalikes.ts). */
  barI?: boolean
}

/** No usable font was found: the message says what to run. */
export class MissingFontsError extends InvalidInputError {
  override name = 'MissingFontsError'
}

export const FONT_ROOT = '/usr/share/fonts'

/**
 * Training families and their weight (split among each family's styles). Handwriting faces
 * dominate; plain sans teaches the skeleton; monospace brings the serifed I and the J with a
 * top bar that real writers use and handwriting fonts lack.
 */
export const TRAINING_FAMILIES: Readonly<Record<string, number>> = {
  // Scratchy, crossing strokes: useful variety, but not the bulk of the data.
  DkgHandwriting: 0.6,
  Breip: 1,
  'Because We Build': 0.35,
  'Because We Connect': 0.35,
  'Because We Create': 0.35,
  'Because We Learn': 0.35,
  'Because We Mentor': 0.35,
  'Because We Organize': 0.35,
  // femkeklaver is left out: its letters are hollow outlines, which no pen draws.
  Delphine: 1,
  Steve: 1,
  Rufscript: 1,
  'Kaushan Script': 0.8,
  'DejaVu Sans': 0.8,
  'Liberation Sans': 0.6,
  'Liberation Sans Narrow': 0.4,
  'Liberation Mono': 0.3
}

/** Held out of training, used only by synthesiseEvalSet. */
export const EVAL_FAMILIES: Readonly<Record<string, number>> = {
  'Humor Sans': 1,
  'Comic Neue': 1
}

const SKIPPED_STYLES = /light|thin|extralight/i

/** Training font styles installed under `root`; throws MissingFontsError when there are none. */
export function trainingFonts(root = FONT_ROOT): FontStyle[] {
  return pick(root, TRAINING_FAMILIES, 'training')
}

/** Evaluation-only font styles (Humor Sans, Comic Neue). */
export function evalFonts(root = FONT_ROOT): FontStyle[] {
  return pick(root, EVAL_FAMILIES, 'evaluation')
}

function pick(root: string, families: Readonly<Record<string, number>>, what: string): FontStyle[] {
  const found = scanFonts(root).filter(
    (f) => f.family in families && !SKIPPED_STYLES.test(f.style) && f.covers.length > 0
  )
  if (found.length === 0) {
    throw new MissingFontsError(
      `No ${what} fonts (${Object.keys(families).join(', ')}) found under ${root}. ` +
        'Run scripts/install-fonts.sh (as root) to install them.'
    )
  }
  const perFamily = new Map<string, number>()
  for (const f of found) perFamily.set(f.family, (perFamily.get(f.family) ?? 0) + 1)
  for (const f of found) f.weight = families[f.family] / perFamily.get(f.family)!
  return found
}

const cache = new Map<string, FontStyle[]>()

/** Every readable .ttf/.otf under `root` with its family, style and class coverage (sorted by file). */
export function scanFonts(root = FONT_ROOT): FontStyle[] {
  let listed = cache.get(root)
  if (!listed) {
    listed = []
    for (const file of walk(root)) {
      const info = readFontInfo(file)
      if (info) listed.push({ ...info, file, weight: 1 })
    }
    listed.sort((a, b) => (a.file < b.file ? -1 : a.file > b.file ? 1 : 0))
    cache.set(root, listed)
  }
  return listed.map((f) => ({ ...f }))
}

function walk(dir: string): string[] {
  let names: string[]
  try {
    names = readdirSync(dir).sort()
  } catch {
    return []
  }
  const files: string[] = []
  for (const name of names) {
    const p = join(dir, name)
    let st
    try {
      st = statSync(p)
    } catch {
      continue
    }
    if (st.isDirectory()) files.push(...walk(p))
    else if (/\.(ttf|otf)$/i.test(name)) files.push(p)
  }
  return files
}

/** Family, style and covered classes from a TrueType/OpenType file, or null if unreadable. */
export function readFontInfo(file: string): { family: string; style: string; covers: string } | null {
  try {
    const buf = readFileSync(file)
    const tables = tableDirectory(buf)
    const name = tables.get('name')
    const cmap = tables.get('cmap')
    if (!name || !cmap) return null
    const names = readNames(buf, name)
    const family = names.get(16) ?? names.get(1)
    if (!family) return null
    const style = names.get(17) ?? names.get(2) ?? 'Regular'
    const has = cmapLookup(buf, cmap)
    if (!has) return null
    const covers = CLASSES.filter((c) => has(c.codePointAt(0)!)).join('')
    return { family, style, covers }
  } catch {
    return null
  }
}

function tableDirectory(buf: Buffer): Map<string, number> {
  const tables = new Map<string, number>()
  const numTables = buf.readUInt16BE(4)
  for (let i = 0; i < numTables; i++) {
    const rec = 12 + 16 * i
    tables.set(buf.toString('latin1', rec, rec + 4), buf.readUInt32BE(rec + 8))
  }
  return tables
}

function readNames(buf: Buffer, at: number): Map<number, string> {
  const count = buf.readUInt16BE(at + 2)
  const strings = at + buf.readUInt16BE(at + 4)
  const win = new Map<number, string>()
  const mac = new Map<number, string>()
  for (let i = 0; i < count; i++) {
    const r = at + 6 + 12 * i
    const platform = buf.readUInt16BE(r),
      encoding = buf.readUInt16BE(r + 2),
      lang = buf.readUInt16BE(r + 4)
    const id = buf.readUInt16BE(r + 6),
      len = buf.readUInt16BE(r + 8),
      off = strings + buf.readUInt16BE(r + 10)
    if (platform === 3 && (encoding === 1 || encoding === 0) && (lang === 0x409 || !win.has(id))) {
      let s = ''
      for (let k = 0; k + 1 < len; k += 2) s += String.fromCharCode(buf.readUInt16BE(off + k))
      win.set(id, s)
    } else if (platform === 1 && encoding === 0 && lang === 0 && !mac.has(id)) {
      mac.set(id, buf.toString('latin1', off, off + len))
    }
  }
  for (const [id, s] of mac) if (!win.has(id)) win.set(id, s)
  return win
}

/** A code point → "has a real glyph" test from the best Unicode cmap subtable. */
function cmapLookup(buf: Buffer, at: number): ((cp: number) => boolean) | null {
  const n = buf.readUInt16BE(at + 2)
  let best = -1,
    bestRank = -1
  for (let i = 0; i < n; i++) {
    const r = at + 4 + 8 * i
    const platform = buf.readUInt16BE(r),
      encoding = buf.readUInt16BE(r + 2)
    const sub = at + buf.readUInt32BE(r + 4)
    const format = buf.readUInt16BE(sub)
    const rank =
      format === 12 && (platform === 3 || platform === 0)
        ? 3
        : format === 4 && (platform === 3 || platform === 0) && encoding !== 0
          ? 2
          : format === 4
            ? 1
            : format === 0 && platform === 1
              ? 0
              : -1
    if (rank > bestRank) {
      bestRank = rank
      best = sub
    }
  }
  if (best < 0) return null
  const format = buf.readUInt16BE(best)
  if (format === 0) return (cp) => cp < 256 && buf.readUInt8(best + 6 + cp) !== 0
  if (format === 12) {
    const groups = buf.readUInt32BE(best + 12)
    return (cp) => {
      for (let g = 0; g < groups; g++) {
        const r = best + 16 + 12 * g
        if (cp >= buf.readUInt32BE(r) && cp <= buf.readUInt32BE(r + 4))
          return buf.readUInt32BE(r + 8) + cp - buf.readUInt32BE(r) !== 0
      }
      return false
    }
  }
  // Format 4.
  const segX2 = buf.readUInt16BE(best + 6)
  const ends = best + 14,
    starts = ends + segX2 + 2,
    deltas = starts + segX2,
    ranges = deltas + segX2
  return (cp) => {
    for (let s = 0; s < segX2; s += 2) {
      if (cp > buf.readUInt16BE(ends + s)) continue
      const start = buf.readUInt16BE(starts + s)
      if (cp < start) return false
      const delta = buf.readUInt16BE(deltas + s),
        range = buf.readUInt16BE(ranges + s)
      if (range === 0) return ((cp + delta) & 0xffff) !== 0
      const gi = buf.readUInt16BE(ranges + s + range + 2 * (cp - start))
      return gi !== 0
    }
    return false
  }
}

// Labelled glyph sets in the coursework's .mat layout (NAME_{train,valid,test}.mat with
// <split>_data n×1024 and <split>_labels n×36 one-hot), converted to Glyphdesk's convention:
// row-major upright 32×32 glyphs, background ≈ 1, ink ≈ 0, labels as class indices 0..35.
import { InvalidInputError, errnoCode, errorMessage } from '../core/errors.ts'
import { existsSync, readFileSync } from 'node:fs'
import { readdir, mkdir } from 'node:fs/promises'
import { join, basename } from 'node:path'
import { z } from 'zod'
import { readMat, writeMat, type MatVariable } from './mat.ts'
import { GLYPH_PIXELS, GLYPH_SIZE, NUM_CLASSES } from '../../shared/classes.ts'
import { firstNonFinite } from '../nn/tensor.ts'
import { describeIssues } from '../../shared/modelManifest.ts'

export interface LabelledGlyphs {
  /** n×1024, row-major upright 32×32 glyphs. */
  x: Float32Array
  /** Class index 0..35 per glyph (A–Z then 0–9). */
  y: Uint8Array
  n: number
}

export interface GlyphSet {
  name: string
  dir: string
  train: LabelledGlyphs
  valid: LabelledGlyphs
  test: LabelledGlyphs
}

export const SPLITS = ['train', 'valid', 'test'] as const
export type SplitName = (typeof SPLITS)[number]

/** Whether `s` names a split (train, valid, test). */
export function isSplitName(s: string): s is SplitName {
  return SPLITS.some((x) => x === s)
}

/** A glyph file or set does not have the expected layout. */
export class GlyphSetError extends InvalidInputError {
  override name = 'GlyphSetError'
}

/**
 * How a glyph set was made, as its manifest.json records it (`data synth` and `data import-emnist` write
 * one; the coursework's sets have none). Only the fields a model card or lab report copies are read;
 * the rest of the file (fonts, statistics, counts) differs by maker and is left alone.
 */
const GlyphSetMadeBySchema = z.object({
  command: z.string().optional(),
  seed: z.number().optional(),
  glyphdeskVersion: z.string().optional()
})
export type GlyphSetMadeBy = z.infer<typeof GlyphSetMadeBySchema>

/** Reads and validates `dir/manifest.json`; undefined when the set has none. */
export function readGlyphSetMadeBy(dir: string): GlyphSetMadeBy | undefined {
  const file = join(dir, 'manifest.json')
  if (!existsSync(file)) return undefined
  let raw: unknown
  try {
    raw = JSON.parse(readFileSync(file, 'utf8'))
  } catch (e) {
    throw new GlyphSetError(`${file}: is not valid JSON (${errorMessage(e)})`)
  }
  const parsed = GlyphSetMadeBySchema.safeParse(raw)
  if (!parsed.success) throw new GlyphSetError(`${file}: ${describeIssues(parsed.error)}`)
  return parsed.data
}

/** Reads NAME_train.mat, NAME_valid.mat and NAME_test.mat from `dir`. */
export async function readGlyphSet(dir: string): Promise<GlyphSet> {
  let entries: string[]
  try {
    entries = await readdir(dir)
  } catch (e) {
    throw new GlyphSetError(`${dir}: cannot list the directory (${errnoCode(e) ?? errorMessage(e)})`)
  }
  const byName = new Map<string, Set<SplitName>>()
  for (const f of entries) {
    const m = /^(.+)_(train|valid|test)\.mat$/.exec(f)
    if (!m || !isSplitName(m[2])) continue
    if (!byName.has(m[1])) byName.set(m[1], new Set())
    byName.get(m[1])!.add(m[2])
  }
  const complete = [...byName]
    .filter(([, s]) => s.size === 3)
    .map(([n]) => n)
    .sort()
  if (complete.length === 0) {
    const found = [...byName].map(
      ([n, s]) =>
        `${n} (has ${SPLITS.filter((x) => s.has(x)).join(', ')}; missing ${SPLITS.filter((x) => !s.has(x))
          .map((x) => `${n}_${x}.mat`)
          .join(', ')})`
    )
    throw new GlyphSetError(
      `${dir}: no complete glyph set; expected NAME_train.mat, NAME_valid.mat and NAME_test.mat (e.g. nist36_train.mat). ` +
        (found.length ? `Found: ${found.join('; ')}` : 'No NAME_<split>.mat files found.')
    )
  }
  if (complete.length > 1)
    throw new GlyphSetError(
      `${dir}: several complete glyph sets (${complete.join(', ')}); put each in its own directory`
    )
  const name = complete[0]
  const [train, valid, test] = await Promise.all(SPLITS.map((s) => readGlyphFile(join(dir, `${name}_${s}.mat`))))
  return { name, dir, train: strip(train), valid: strip(valid), test: strip(test) }
}

const strip = (g: LabelledGlyphs): LabelledGlyphs => ({ x: g.x, y: g.y, n: g.n })

/**
 * Reads any .mat holding <split>_data and <split>_labels. 26-class (letters-only) label sets map
 * onto indices 0..25 of the 36, since the coursework's 36 classes put the letters first.
 */
export async function readGlyphFile(file: string): Promise<LabelledGlyphs & { fileClasses: 26 | 36; split: string }> {
  const mat = await readMat(file)
  const where = basename(file)
  const pairs = [...mat.variables.keys()]
    .map((k) => /^(.+)_data$/.exec(k)?.[1])
    .filter((s): s is string => s !== undefined && mat.variables.has(`${s}_labels`))
  let split: string
  if (pairs.length === 1) split = pairs[0]
  else if (pairs.length === 0) {
    const keys = [...mat.variables.keys(), ...mat.skipped.map((s) => `${s.name} (${s.kind})`)]
    throw new GlyphSetError(
      `${where}: no <split>_data / <split>_labels pair (e.g. train_data, train_labels); variables: ${keys.join(', ') || 'none'}`
    )
  } else {
    const named = pairs.filter((p) => where.includes(p))
    if (named.length !== 1)
      throw new GlyphSetError(`${where}: holds several splits (${pairs.join(', ')}); cannot tell which one to read`)
    split = named[0]
  }
  const data = mat.variables.get(`${split}_data`)!
  const labels = mat.variables.get(`${split}_labels`)!
  const n = checkData(data, where)
  // A NaN or Inf pixel poisons every weight it touches; say where it is instead of training on it.
  const bad = firstNonFinite(data.data)
  if (bad >= 0) {
    const glyph = bad % n,
      column = Math.floor(bad / n)
    throw new GlyphSetError(
      `${where}: ${data.name} holds ${data.data[bad]} in row ${glyph + 1}, column ${column + 1}; glyph values must be finite numbers (0 ink … 1 paper)`
    )
  }
  const { y, classes } = decodeOneHot(labels, n, where)
  return { x: toRowMajorGlyphs(data.data, n), y, n, fileClasses: classes, split }
}

function checkData(v: MatVariable, where: string): number {
  if (v.dims.length !== 2)
    throw new GlyphSetError(
      `${where}: ${v.name} has ${v.dims.length} dimensions [${v.dims.join('×')}]; expected n×${GLYPH_PIXELS}`
    )
  const [n, cols] = v.dims
  if (cols !== GLYPH_PIXELS) {
    const hint = n === GLYPH_PIXELS ? ' (glyphs are stored as columns; transpose it to one glyph per row)' : ''
    throw new GlyphSetError(
      `${where}: ${v.name} is ${n}×${cols}; expected n×${GLYPH_PIXELS} (one 32×32 glyph per row)${hint}`
    )
  }
  return n
}

function decodeOneHot(v: MatVariable, n: number, where: string): { y: Uint8Array; classes: 26 | 36 } {
  if (v.dims.length !== 2 || v.dims[0] !== n)
    throw new GlyphSetError(
      `${where}: ${v.name} is ${v.dims.join('×')}; expected ${n}×36 (or ${n}×26) to match ${n} glyphs`
    )
  const k: number = v.dims[1]
  if (k !== 36 && k !== 26)
    throw new GlyphSetError(`${where}: ${v.name} has ${k} columns; expected 36 classes (A–Z, 0–9) or 26 (A–Z)`)
  const y = new Uint8Array(n)
  const d = v.data
  for (let i = 0; i < n; i++) {
    let hot = -1
    for (let c = 0; c < k; c++) {
      const val = d[c * n + i] // column-major
      if (val === 0) continue
      if (val !== 1 || hot >= 0)
        throw new GlyphSetError(`${where}: ${v.name} row ${i} is not one-hot (${describeRow(d, n, k, i)})`)
      hot = c
    }
    if (hot < 0) throw new GlyphSetError(`${where}: ${v.name} row ${i} is not one-hot (all zeros)`)
    y[i] = hot
  }
  return { y, classes: k }
}

function describeRow(d: ArrayLike<number>, n: number, k: number, i: number): string {
  const nz: string[] = []
  for (let c = 0; c < k; c++) if (d[c * n + i] !== 0) nz.push(`column ${c} = ${d[c * n + i]}`)
  return nz.join(', ')
}

/** n×1024 column-major-per-glyph MATLAB matrix → n×1024 row-major upright glyphs. */
function toRowMajorGlyphs(d: ArrayLike<number>, n: number): Float32Array {
  const x = new Float32Array(n * GLYPH_PIXELS)
  const S = GLYPH_SIZE
  for (let i = 0; i < n; i++) {
    const o = i * GLYPH_PIXELS
    for (let c = 0; c < S; c++) {
      for (let r = 0; r < S; r++) {
        // Matrix element (i, c*32 + r) of an n-row column-major matrix.
        x[o + r * S + c] = d[(c * S + r) * n + i]
      }
    }
  }
  return x
}

/** Writes NAME_{train,valid,test}.mat into `dir` (each file atomically), in the coursework layout. */
export async function writeGlyphSet(
  dir: string,
  name: string,
  splits: { train: LabelledGlyphs; valid: LabelledGlyphs; test: LabelledGlyphs }
): Promise<void> {
  await mkdir(dir, { recursive: true })
  for (const s of SPLITS) await writeGlyphFile(join(dir, `${name}_${s}.mat`), s, splits[s])
}

/** Writes one split as <split>_data (n×1024 double) and <split>_labels (n×36 uint8 one-hot). */
export async function writeGlyphFile(
  file: string,
  split: string,
  g: LabelledGlyphs,
  opts: { compress?: boolean } = {}
): Promise<void> {
  checkGlyphs(g, split)
  const { n } = g
  const S = GLYPH_SIZE
  const data = new Float64Array(n * GLYPH_PIXELS)
  for (let i = 0; i < n; i++) {
    const o = i * GLYPH_PIXELS
    for (let r = 0; r < S; r++) for (let c = 0; c < S; c++) data[(c * S + r) * n + i] = g.x[o + r * S + c]
  }
  const labels = new Uint8Array(n * NUM_CLASSES)
  for (let i = 0; i < n; i++) labels[g.y[i] * n + i] = 1
  await writeMat(
    file,
    [
      { name: `${split}_data`, class: 'double', dims: [n, GLYPH_PIXELS], data },
      { name: `${split}_labels`, class: 'uint8', dims: [n, NUM_CLASSES], data: labels }
    ],
    opts
  )
}

function checkGlyphs(g: LabelledGlyphs, what: string): void {
  if (g.x.length !== g.n * GLYPH_PIXELS)
    throw new GlyphSetError(`${what}: x has ${g.x.length} values; expected n×1024 = ${g.n * GLYPH_PIXELS}`)
  if (g.y.length !== g.n) throw new GlyphSetError(`${what}: y has ${g.y.length} labels; expected n = ${g.n}`)
  for (let i = 0; i < g.n; i++)
    if (g.y[i] >= NUM_CLASSES) throw new GlyphSetError(`${what}: label ${g.y[i]} at ${i} is not a class index 0..35`)
}

/** The glyphs at the given indices, in that order (copied). */
export function subset(g: LabelledGlyphs, idx: ArrayLike<number>): LabelledGlyphs {
  const n = idx.length
  const x = new Float32Array(n * GLYPH_PIXELS)
  const y = new Uint8Array(n)
  for (let k = 0; k < n; k++) {
    const i = idx[k]
    if (!Number.isInteger(i) || i < 0 || i >= g.n) throw new RangeError(`subset: index ${i} out of range 0..${g.n - 1}`)
    x.set(g.x.subarray(i * GLYPH_PIXELS, (i + 1) * GLYPH_PIXELS), k * GLYPH_PIXELS)
    y[k] = g.y[i]
  }
  return { x, y, n }
}

/** All glyphs of the given sets, in order (copied). */
export function concat(...gs: LabelledGlyphs[]): LabelledGlyphs {
  return concatRows(GLYPH_PIXELS, ...gs)
}

/** All rows of the given sets, in order (copied), for rows of any width (glyphs, or a CNN's embeddings). */
export function concatRows(dim: number, ...gs: LabelledGlyphs[]): LabelledGlyphs {
  const n = gs.reduce((a, g) => a + g.n, 0)
  const x = new Float32Array(n * dim)
  const y = new Uint8Array(n)
  let k = 0
  for (const g of gs) {
    x.set(g.x.subarray(0, g.n * dim), k * dim)
    y.set(g.y.subarray(0, g.n), k)
    k += g.n
  }
  return { x, y, n }
}

/** Indices of the first k glyphs of each class (file order), and of the rest. */
export function firstPerClass(y: Uint8Array, n: number, k: number): { chosen: number[]; rest: number[] } {
  const counts = new Array<number>(NUM_CLASSES).fill(0)
  const chosen: number[] = [],
    rest: number[] = []
  for (let i = 0; i < n; i++) {
    if (counts[y[i]] < k) {
      counts[y[i]]++
      chosen.push(i)
    } else rest.push(i)
  }
  return { chosen, rest }
}

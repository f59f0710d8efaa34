// The replay set shipped with the models (resources/replay): a few hundred glyphs of every class that
// retraining mixes in with a person's corrections so the other classes are not forgotten, on any machine,
// without data sets or fonts installed. A second, disjoint part ("check") is never trained on: retraining
// scores the model before and after on it, which says whether the rest of the alphabet survived.
//
// On disk (made by `glyphdesk data replay-pack`, which records its command and sources):
//   manifest.json   { format: 'glyphdesk-replay-set', version: 1, file, sha256, n, counts, sources, command, … }
//   glyphs.bin.gz   gzip of [n labels (class index 0..35)] [n roles (0 replay, 1 check)] [n×1024 glyph bytes]
//                   glyph bytes: row-major 32×32, upright, 0 = ink … 255 = paper (the glyph format × 255)
import { createHash } from 'node:crypto'
import { existsSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { gunzipSync, gzipSync } from 'node:zlib'
import { z } from 'zod'
import { CLASSES, GLYPH_PIXELS, NUM_CLASSES } from '../../shared/classes.ts'
import type { LabelledGlyphs } from './glyphset.ts'
import { RESOURCES_DIR } from '../recognize/models.ts'

export const REPLAY_SET_DIR = join(RESOURCES_DIR, 'replay')
export const REPLAY_SET_FORMAT = 'glyphdesk-replay-set'
const FILE = 'glyphs.bin.gz'

export class ReplaySetError extends Error {
  override name = 'ReplaySetError'
}

const SourceSchema = z
  .object({ name: z.string(), what: z.string(), replay: z.number().int(), check: z.number().int() })
  .passthrough()
export const ReplayManifestSchema = z
  .object({
    format: z.literal(REPLAY_SET_FORMAT),
    version: z.literal(1),
    file: z.string(),
    sha256: z.string().regex(/^[0-9a-f]{64}$/),
    n: z.number().int().positive(),
    counts: z.object({
      replay: z.array(z.number().int()).length(NUM_CLASSES),
      check: z.array(z.number().int()).length(NUM_CLASSES)
    }),
    classes: z.string(),
    encoding: z.string(),
    sources: z.array(SourceSchema),
    command: z.string(),
    seed: z.number().int()
  })
  .passthrough()
export type ReplayManifest = z.infer<typeof ReplayManifestSchema>

export interface ReplaySet {
  manifest: ReplayManifest
  /** Glyphs retraining may mix in (replay). */
  replay: LabelledGlyphs
  /** Glyphs never trained on: the before/after check of the rest of the alphabet. */
  check: LabelledGlyphs
  /** Where it was read from, as a logical name for model cards. */
  ref: string
}

function toGlyphs(bytes: Uint8Array, labels: Uint8Array, idx: number[], offset: number): LabelledGlyphs {
  const n = idx.length
  const x = new Float32Array(n * GLYPH_PIXELS)
  const y = new Uint8Array(n)
  idx.forEach((i, k) => {
    y[k] = labels[i]
    const o = offset + i * GLYPH_PIXELS
    for (let p = 0; p < GLYPH_PIXELS; p++) x[k * GLYPH_PIXELS + p] = bytes[o + p] / 255
  })
  return { x, y, n }
}

let cached: ReplaySet | null = null

/** The shipped replay set (read once per process); ReplaySetError when missing or damaged. */
export function loadReplaySet(dir = REPLAY_SET_DIR): ReplaySet {
  if (cached && dir === REPLAY_SET_DIR) return cached
  const mf = join(dir, 'manifest.json')
  if (!existsSync(mf))
    throw new ReplaySetError(
      `the replay set is missing (${mf}); reinstall Glyphdesk or give a glyph set folder to replay`
    )
  const parsed = ReplayManifestSchema.safeParse(JSON.parse(readFileSync(mf, 'utf8')))
  if (!parsed.success)
    throw new ReplaySetError(`${mf}: ${parsed.error.issues[0]?.path.join('.')}: ${parsed.error.issues[0]?.message}`)
  const m = parsed.data
  const packed = readFileSync(join(dir, m.file))
  if (createHash('sha256').update(packed).digest('hex') !== m.sha256)
    throw new ReplaySetError(`${join(dir, m.file)} does not match the SHA-256 in its manifest`)
  const raw = gunzipSync(packed)
  if (raw.length !== m.n * (2 + GLYPH_PIXELS))
    throw new ReplaySetError(`${join(dir, m.file)} holds ${raw.length} bytes, not ${m.n} glyphs`)
  const labels = raw.subarray(0, m.n),
    roles = raw.subarray(m.n, 2 * m.n)
  const replay: number[] = [],
    check: number[] = []
  for (let i = 0; i < m.n; i++) {
    if (labels[i] >= NUM_CLASSES) throw new ReplaySetError(`glyph ${i} has class index ${labels[i]}`)
    ;(roles[i] === 1 ? check : replay).push(i)
  }
  const set: ReplaySet = {
    manifest: m,
    replay: toGlyphs(raw, labels, replay, 2 * m.n),
    check: toGlyphs(raw, labels, check, 2 * m.n),
    ref: dir === REPLAY_SET_DIR ? 'resources/replay' : dir
  }
  if (dir === REPLAY_SET_DIR) cached = set
  return set
}

export interface ReplayPart {
  name: string
  what: string
  glyphs: LabelledGlyphs
  checkPerClass: number
  extra?: Record<string, unknown>
}

/**
 * Packs glyph sets into a replay set: of each part, the first `checkPerClass` glyphs of every class (in
 * file order) become the check part and the rest the replay part. Returns the files to write.
 */
export function packReplaySet(
  parts: readonly ReplayPart[],
  meta: { command: string; seed: number }
): { manifest: ReplayManifest; packed: Buffer } {
  const labels: number[] = [],
    roles: number[] = []
  const glyphs: Uint8Array[] = []
  const counts = { replay: new Array<number>(NUM_CLASSES).fill(0), check: new Array<number>(NUM_CLASSES).fill(0) }
  const sources: ReplayManifest['sources'] = []
  for (const part of parts) {
    const seen = new Array<number>(NUM_CLASSES).fill(0)
    let r = 0,
      c = 0
    for (let i = 0; i < part.glyphs.n; i++) {
      const y = part.glyphs.y[i]
      const role = seen[y]++ < part.checkPerClass ? 1 : 0
      labels.push(y)
      roles.push(role)
      const g = new Uint8Array(GLYPH_PIXELS)
      for (let p = 0; p < GLYPH_PIXELS; p++)
        g[p] = Math.round(Math.min(1, Math.max(0, part.glyphs.x[i * GLYPH_PIXELS + p])) * 255)
      glyphs.push(g)
      if (role === 1) {
        counts.check[y]++
        c++
      } else {
        counts.replay[y]++
        r++
      }
    }
    sources.push({ name: part.name, what: part.what, replay: r, check: c, ...(part.extra ?? {}) })
  }
  const n = labels.length
  const raw = Buffer.alloc(n * (2 + GLYPH_PIXELS))
  raw.set(labels, 0)
  raw.set(roles, n)
  glyphs.forEach((g, i) => raw.set(g, 2 * n + i * GLYPH_PIXELS))
  const packed = gzipSync(raw, { level: 9 })
  const manifest: ReplayManifest = {
    format: REPLAY_SET_FORMAT,
    version: 1,
    file: FILE,
    sha256: createHash('sha256').update(packed).digest('hex'),
    n,
    counts,
    classes: CLASSES.join(''),
    encoding:
      'gzip of [n labels: class index][n roles: 0 replay, 1 check][n×1024 bytes: row-major 32×32 upright, 0 ink … 255 paper]',
    sources,
    command: meta.command,
    seed: meta.seed
  }
  return { manifest, packed }
}

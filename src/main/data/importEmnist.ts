// EMNIST → a glyph set in the coursework's NIST36 layout (NAME_train/valid/test.mat + manifest.json),
// so that `glyphdesk train mlp`, `glyphdesk eval`, the lab and training/train_cnn.py all read it like
// the synthetic set. EMNIST has train and test parts only: valid is a seeded, per-class share of its
// train part. Glyphs are framed like the page pipeline's (vision/normalise.ts) unless framing 'pad'.
import { existsSync, readdirSync } from 'node:fs'
import { writeFile } from 'node:fs/promises'
import { join, resolve } from 'node:path'
import { CLASSES, NUM_CLASSES } from '../../shared/classes.ts'
import { Rng } from '../nn/rng.ts'
import { writeDirAtomic } from '../core/atomicFile.ts'
import { normaliseGlyph } from '../vision/normalise.ts'
import { EMNIST_SPLITS, IdxFormatError, readEmnistDir, type EmnistSplit } from './emnist.ts'
import { subset, writeGlyphSet, type LabelledGlyphs } from './glyphset.ts'
import { extractZip } from './zip.ts'

export type EmnistFraming = 'nist' | 'pad'

export interface ImportEmnistOptions {
  split: EmnistSplit
  /** Share of each class of EMNIST's train part kept out as the valid split. Default 0.2. */
  validShare?: number
  /** Cap per class: train N, valid and test ⌈N/3⌉ each (the synthetic set's valid share). Default: all. */
  perClass?: number
  seed?: number
  /** 'nist' (default): ink box to NIST's 26 px like page glyphs; 'pad': EMNIST's 28×28 padded to 32. */
  framing?: EmnistFraming
  command?: string
  onMessage?: (text: string) => void
}

export interface ImportManifest {
  name: string
  kind: 'imported'
  source: { dataset: 'emnist'; split: EmnistSplit; dir: string; droppedClasses: number }
  framing: EmnistFraming
  seed: number
  validShare: number
  perClass: number | null
  counts: { train: number; valid: number; test: number }
  classesPresent: string[]
  command?: string
  note?: string
}

/** The folder holding emnist-<split>-… idx files: DIR, DIR/gzip, or DIR/gzip.zip unzipped into DIR first. */
async function locate(dir: string, split: EmnistSplit, say: (t: string) => void): Promise<string> {
  const has = (d: string) =>
    existsSync(d) && readdirSync(d).some((f) => f.startsWith(`emnist-${split}-train-images-idx3-ubyte`))
  if (has(dir)) return dir
  if (has(join(dir, 'gzip'))) return join(dir, 'gzip')
  const zip = join(dir, 'gzip.zip')
  if (existsSync(zip)) {
    say(`unzipping the ${split} files of ${zip}`)
    await extractZip(zip, dir, { filter: (name) => name.includes(`emnist-${split}-`) })
    if (has(join(dir, 'gzip'))) return join(dir, 'gzip')
    if (has(dir)) return dir
  }
  throw new IdxFormatError(
    join(dir, `emnist-${split}-train-images-idx3-ubyte`),
    `not found in ${dir}, ${join(dir, 'gzip')} or ${zip} (glyphdesk data fetch emnist --out ${dir} downloads gzip.zip)`
  )
}

/** Per class, the glyph indices in a seeded random order. */
function shuffledByClass(g: LabelledGlyphs, rng: Rng): number[][] {
  const byClass: number[][] = Array.from({ length: NUM_CLASSES }, () => [])
  const order = new Uint32Array(g.n)
  for (let i = 0; i < g.n; i++) order[i] = i
  rng.shuffle(order)
  for (const i of order) byClass[g.y[i]].push(i)
  return byClass
}

export async function importEmnist(srcDir: string, outDir: string, opts: ImportEmnistOptions): Promise<ImportManifest> {
  const { split } = opts
  if (!EMNIST_SPLITS.includes(split))
    throw new RangeError(`unknown EMNIST split "${split}"; one of ${EMNIST_SPLITS.join(', ')}`)
  const validShare = opts.validShare ?? 0.2
  if (!(validShare > 0 && validShare < 1)) throw new RangeError(`validShare must be between 0 and 1, got ${validShare}`)
  const seed = opts.seed ?? 1
  const framing = opts.framing ?? 'nist'
  const say = opts.onMessage ?? (() => {})
  const out = resolve(outDir)
  if (existsSync(out) && readdirSync(out).length > 0)
    throw new RangeError(`${out} exists and is not empty; choose a new folder`)

  const dir = await locate(resolve(srcDir), split, say)
  const normalise =
    framing === 'nist'
      ? (crop: Float32Array, w: number, h: number, o: Float32Array) => normaliseGlyph(crop, w, h, o)
      : undefined
  say(`reading EMNIST ${split} train from ${dir}`)
  const train = await readEmnistDir(dir, split, 'train', { normalise })
  say(`reading EMNIST ${split} test`)
  const test = await readEmnistDir(dir, split, 'test', { normalise })

  const rng = new Rng(seed)
  const cap = opts.perClass
  const small = cap === undefined ? Infinity : Math.ceil(cap / 3)
  const trainIdx: number[] = [],
    validIdx: number[] = [],
    testIdx: number[] = []
  for (const idx of shuffledByClass(train, rng)) {
    if (idx.length === 0) continue
    const v = Math.min(idx.length - 1, Math.max(1, Math.round(idx.length * validShare)))
    validIdx.push(...idx.slice(0, Math.min(v, small)))
    trainIdx.push(...idx.slice(v, v + (cap ?? Infinity)))
  }
  for (const idx of shuffledByClass(test, rng)) testIdx.push(...idx.slice(0, small))
  // Class order within each split, as the coursework files are.
  const sorted = (g: LabelledGlyphs, idx: number[]) =>
    subset(
      g,
      idx.sort((a, b) => g.y[a] - g.y[b] || a - b)
    )
  const splits = { train: sorted(train, trainIdx), valid: sorted(train, validIdx), test: sorted(test, testIdx) }

  const present = CLASSES.filter((_, k) => splits.train.y.includes(k))
  const name = `emnist_${split}`
  const manifest: ImportManifest = {
    name,
    kind: 'imported',
    source: { dataset: 'emnist', split, dir, droppedClasses: train.dropped + test.dropped },
    framing,
    seed,
    validShare,
    perClass: cap ?? null,
    counts: { train: splits.train.n, valid: splits.valid.n, test: splits.test.n },
    classesPresent: present,
    ...(opts.command ? { command: opts.command } : {}),
    ...(split === 'letters'
      ? { note: 'EMNIST letters merges upper and lower case under each label; lowercase shapes are filed as capitals' }
      : {})
  }

  // Staged and renamed into place: a failure leaves no partial glyph set.
  say(`writing ${manifest.counts.train}/${manifest.counts.valid}/${manifest.counts.test} glyphs`)
  await writeDirAtomic(out, async (staging) => {
    await writeGlyphSet(staging, name, splits)
    await writeFile(join(staging, 'manifest.json'), JSON.stringify(manifest, null, 2) + '\n')
  })
  return manifest
}

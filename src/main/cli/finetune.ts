// `glyphdesk finetune`: fine-tune a model on a person's corrections (PageDoc JSON files or a project) with
// replay of a glyph set; and `glyphdesk finetune label-from-truth`, which SIMULATES a person reviewing
// pages (userLabel on every box from a ground-truth .txt) so demos and tests are reproducible.
import { existsSync, statSync } from 'node:fs'
import { readFile } from 'node:fs/promises'
import { basename, extname, join, relative, resolve } from 'node:path'
import { writeFileAtomic } from '../core/atomicFile.ts'
import { collectCorrections, labelFromTruth, readPageDocs } from '../learn/corrections.ts'
import { checkOutputDir, finetune, finetuneKind, FINETUNE_DEFAULTS, type FinetuneConfig } from '../learn/finetune.ts'
import { loadClassifier, resolveModelDir } from '../recognize/models.ts'
import { loadImage } from '../vision/image.ts'
import { transcribe } from '../read/transcribe.ts'
import { numberOption, parseCommand, requiredString, UsageError } from './args.ts'

export const FINETUNE_USAGE = `usage: glyphdesk finetune --base MODEL --pages PAGES_DIR_OR_PROJECT --out MODEL_DIR
    [--replay N] [--replay-data DIR] [--epochs N] [--lr X] [--batch N] [--held-out SHARE] [--seed S]
    [--head-hidden N[,N]] [--no-augment] [--no-cross-validate] [--images DIR] [--json]
  MODEL: an MLP (continues training) or a CNN with an embedding output (trains a new head on its
    embeddings; saved as a 'cnn-head' model that refers to the base). Shipped names or directories.
  PAGES: a folder of PageDoc .json files (glyphdesk transcribe IMAGE --format json), one .json, or a
    .glyphdesk project. Boxes with a userLabel (typed or confirmed by the person) are the corrections.
  --replay N       glyphs per class replayed from --replay-data (default ${FINETUNE_DEFAULTS.mlp.replayPerClass}); 0 = corrections alone
  --replay-data    a glyph-set folder (NAME_train.mat …); default: the replay set shipped with the models (resources/replay)
  --out            a new folder, never inside resources/models
glyphdesk finetune label-from-truth IMAGE... --out DIR [--model MODEL]
  SIMULATES A PERSON: transcribes each image and sets userLabel on every box from the same-name .txt
  ground truth (only when each line has as many boxes as characters), writing DIR/NAME.json. The boxes'
  \`label\` is the classifier's own reading (word context off), so the changed boxes are its errors.`

export async function finetuneCommand(argv: string[]): Promise<number> {
  if (argv[0] === 'label-from-truth') return labelFromTruthCommand(argv.slice(1))
  const { values } = parseCommand(
    argv,
    {
      base: { type: 'string' },
      pages: { type: 'string' },
      out: { type: 'string' },
      replay: { type: 'string' },
      'replay-data': { type: 'string' },
      epochs: { type: 'string' },
      lr: { type: 'string' },
      batch: { type: 'string' },
      'held-out': { type: 'string' },
      seed: { type: 'string' },
      'head-hidden': { type: 'string' },
      'no-augment': { type: 'boolean' },
      images: { type: 'string' },
      json: { type: 'boolean' },
      'no-cross-validate': { type: 'boolean' }
    },
    FINETUNE_USAGE
  )
  const baseArg = requiredString(values, 'base', FINETUNE_USAGE)
  const pagesArg = requiredString(values, 'pages', FINETUNE_USAGE)
  const out = requiredString(values, 'out', FINETUNE_USAGE)
  const replayData = values['replay-data']
  if (replayData !== undefined && !existsSync(replayData))
    throw new UsageError(`--replay-data ${replayData} does not exist`)
  // Refuse a bad --out before any work (and again just before writing).
  checkOutputDir(out)
  const baseDir = resolveModelDir(baseArg)
  const kind = finetuneKind(baseDir)
  const d = FINETUNE_DEFAULTS[kind]
  let headHidden: number[] = d.headHidden ?? []
  if (values['head-hidden'] !== undefined) {
    headHidden = values['head-hidden'].split(',').filter(Boolean).map(Number)
    if (headHidden.some((h) => !Number.isInteger(h) || h < 1 || h > 4096))
      throw new UsageError(`--head-hidden must be widths like 128 or 256,128, got "${values['head-hidden']}"`)
  }
  const config: FinetuneConfig = {
    ...d,
    epochs: numberOption(values, 'epochs', d.epochs, { integer: true, min: 1, max: 500 }),
    lr: numberOption(values, 'lr', d.lr, { min: 1e-7, max: 1 }),
    batch: numberOption(values, 'batch', d.batch, { integer: true, min: 1, max: 1024 }),
    heldOut: numberOption(values, 'held-out', d.heldOut, { min: 0, max: 0.9 }),
    replayPerClass: numberOption(values, 'replay', d.replayPerClass, { integer: true, min: 0, max: 100000 }),
    seed: numberOption(values, 'seed', d.seed, { integer: true, min: 0 }),
    crossValidate: !values['no-cross-validate'],
    ...(kind === 'mlp' ? { augment: !values['no-augment'] } : { headHidden })
  }

  const sources = readPageDocs(pagesArg)
  const corrections = await collectCorrections(sources, { imagesDir: values.images })
  const name = basename(resolve(out))
  const command = `glyphdesk finetune ${argv.join(' ')}`
  let lastLine = ''
  const result = await finetune(
    {
      baseDir,
      baseName: baseArg,
      outDir: out,
      name,
      corrections,
      pages: corrections.pages.map((p) => relative(process.cwd(), p) || p),
      changed: corrections.changed,
      replayDir: replayData ?? null,
      config,
      command,
      pageOf: corrections.rows.map((r) => corrections.pages.indexOf(r.page))
    },
    {
      onMessage: (m) => process.stderr.write(`${m}\n`),
      onEpoch: (s, epochs) => {
        lastLine =
          `epoch ${s.epoch}/${epochs}  loss ${s.trainLoss.toFixed(4)}  train acc ${(s.trainAcc * 100).toFixed(1)}%` +
          (s.validAcc !== undefined ? `  held-out acc ${(s.validAcc * 100).toFixed(1)}%` : '') +
          `  ${s.seconds.toFixed(1)} s`
        process.stderr.write(lastLine + '\n')
      }
    }
  )
  if (!result) return 130
  const summary = {
    model: result.model,
    dir: resolve(result.dir),
    kind: result.kind,
    base: baseArg,
    corrections: result.corrections,
    changed: corrections.changed,
    pages: corrections.pages.length,
    replay: result.replay,
    trainGlyphs: result.trainGlyphs,
    heldOut: result.heldOut,
    before: result.before,
    after: result.after,
    evaluation: result.evaluation,
    seconds: result.seconds
  }
  if (values.json) process.stdout.write(JSON.stringify(summary) + '\n')
  else {
    const pct = (v: number | null) => (v === null ? '—' : `${(v * 100).toFixed(1)}%`)
    process.stdout.write(
      `saved ${summary.dir} (${result.kind}, base ${baseArg}): ${result.corrections} corrected glyphs (${corrections.changed} changed) from ${summary.pages} page(s), ` +
        `${result.replay} replayed, ${result.seconds.toFixed(1)} s` +
        (result.heldOut
          ? `; held-out corrections ${pct(result.before)} → ${pct(result.after)} (${result.heldOut})`
          : '') +
        '\n'
    )
    const ev = result.evaluation
    process.stdout.write(
      `  corrections as trained on (a fit): ${pct(ev.corrections.base)} → ${pct(ev.corrections.trained)} (${ev.corrections.n})\n`
    )
    if (ev.crossValidated)
      process.stdout.write(
        `  corrections, ${ev.crossValidated.method} (${ev.crossValidated.folds} models trained without the glyphs they read): ${pct(ev.crossValidated.base)} → ${pct(ev.crossValidated.after)}\n`
      )
    if (ev.replayCheck)
      process.stdout.write(
        `  rest of the alphabet, ${ev.replayCheck.source}: ${pct(ev.replayCheck.base)} → ${pct(ev.replayCheck.after)}\n`
      )
  }
  return 0
}

async function labelFromTruthCommand(argv: string[]): Promise<number> {
  const usage = 'usage: glyphdesk finetune label-from-truth IMAGE... --out DIR [--model MODEL]'
  const { values, positionals } = parseCommand(argv, { out: { type: 'string' }, model: { type: 'string' } }, usage)
  const outDir = requiredString(values, 'out', usage)
  if (positionals.length === 0) throw new UsageError(`name at least one page image\n${usage}`)
  if (existsSync(outDir) && !statSync(outDir).isDirectory())
    throw new UsageError(`--out ${outDir} is a file; give a folder`)
  const classifier = await loadClassifier(values.model)
  for (const img of positionals) {
    const stem = img.slice(0, img.length - extname(img).length)
    const truthFile = `${stem}.txt`
    if (!existsSync(truthFile)) throw new UsageError(`${img} has no ground truth ${truthFile}`)
    const bytes = await readFile(img)
    const image = await loadImage(bytes)
    const outFile = join(outDir, `${basename(stem)}.json`)
    // The image path is written relative to the PageDoc, so the folder can be committed and moved with the images.
    // The detector's boxes read by the classifier alone (no decoder, no context): `label` is what the classifier
    // itself read, so the simulated corrections are its errors.
    const { doc } = await transcribe(image, classifier, {
      path: relative(resolve(outDir), resolve(img)),
      fileBytes: bytes,
      decode: false,
      wordContext: false
    })
    const labelled = labelFromTruth(doc, await readFile(truthFile, 'utf8'))
    const changed = labelled.boxes.filter((b) => b.userLabel !== b.label).length
    await writeFileAtomic(outFile, JSON.stringify(labelled, null, 1) + '\n')
    process.stderr.write(
      `wrote ${outFile}: ${labelled.boxes.length} boxes labelled from ${basename(truthFile)} (simulated person), ${changed} differ from ${classifier.name}\n`
    )
  }
  return 0
}

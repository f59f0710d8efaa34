// Fits the learned candidate score of the reading stage (read/segmentCrf.ts) on training pages and writes it with
// its card. Every flat page of the given folders (`glyphdesk data pages --glyphs training`: the training fonts and
// the NIST letters the models already train on, never the evaluation sources) is read as transcribe reads it; each
// candidate of each line gets its features and whether it matches a drawn character (IoU ≥ --iou with one
// character and no two characters half inside it). One page in five (seeded) is held out to report how many lines
// the score reads with the right segmentation against the hand-set priors; the written model is then fitted on all.
//   npx tsx scripts/train-segment-score.ts DIR... --out resources/segment/score.json [--iou 0.6] [--l2 1] [--seed 1]
//      [--rows FILE]   also write the rows (features, matches) as JSON, for a reference fit elsewhere
//      [--model DIR]    fit for another page classifier (a model folder) than the default one
//      [--touching DIR] fit for another touching-letter model (a model folder) than the shipped one
//      [--set lattice.key=value ...] read the pages with these lattice settings (a score for settings under study)
//      [--without A,B]  leave these features out (an ablation: their columns are held constant, and the written
//                       model does not name them)
//      [--from-rows FILE] fit on the rows a run with --rows wrote, without reading the pages again (an ablation in
//                       about a minute instead of seven; 480 pages make a 200 MB file). The card names the rows file
//                       and the command that wrote it (`rowsCommand`: its lattice settings and any --without)
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { createHash } from 'node:crypto'
import { basename, dirname, join, relative, resolve } from 'node:path'
import { parseArgs } from 'node:util'
import { NUM_CLASSES } from '../src/shared/classes.ts'
import { writeFileAtomic } from '../src/main/core/atomicFile.ts'
import { gitCommit } from '../src/main/core/version.ts'
import { loadClassifier } from '../src/main/recognize/models.ts'
import { drawnChars, labelCandidate } from '../src/main/read/latticeCrops.ts'
import { shapePrior, type PreparedLines } from '../src/main/read/readLines.ts'
import {
  bestPath,
  fitSegmentScore,
  hasGoldPath,
  lineBand,
  SEGMENT_FEATURES,
  segmentFeatures,
  type CrfLine,
  type SegmentScoreModel
} from '../src/main/read/segmentCrf.ts'
import { transcribe } from '../src/main/read/transcribe.ts'
import { knobs } from '../bench/knobs.ts'
import { loadImage } from '../src/main/vision/image.ts'

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    out: { type: 'string' },
    iou: { type: 'string', default: '0.6' },
    l2: { type: 'string', default: '1' },
    seed: { type: 'string', default: '1' },
    rows: { type: 'string' },
    model: { type: 'string' },
    touching: { type: 'string' },
    without: { type: 'string' },
    'from-rows': { type: 'string' },
    set: { type: 'string', multiple: true }
  }
})
// `--set lattice.key=value`: fit the score for lattice settings under study (bench/knobs.ts), recorded in the card.
// The score is fitted on the candidates the decoder's search may take: rescue-only merges (read/lattice.ts) are the
// word rescue's alone, so none is built unless asked for with --set lattice.rescueMergeMaxWidth=W.
const lattice = { rescueMergeMaxWidth: 0, ...knobs(values.set ?? []).lattice }
if ((positionals.length === 0 && !values['from-rows']) || !values.out)
  throw new Error('usage: npx tsx scripts/train-segment-score.ts DIR... --out FILE.json [--iou 0.6] [--l2 1]')
const without = new Set(values.without ? values.without.split(',') : [])
for (const w of without)
  if (!(SEGMENT_FEATURES as readonly string[]).includes(w)) throw new Error(`--without: unknown feature "${w}"`)
const minIou = Number(values.iou),
  l2 = Number(values.l2),
  seed = Number(values.seed)

interface Line extends CrfLine {
  page: string
  condition: string
  /** The hand-set prior of each segment (shape, kind, touching certainty), for the comparison. */
  hand: Float64Array
}

/** Whether a page is held out for the report: a seeded hash of its folder and file. */
function heldOut(key: string): boolean {
  return createHash('sha256').update(`${seed}:${key}`).digest()[0] % 5 === 0
}

/** A fitted model without the features left out (their weights are 0: nothing read changes). */
function leaveOut(m: SegmentScoreModel, names: ReadonlySet<string>): SegmentScoreModel {
  const keep = m.names.map((n, q) => (names.has(n) ? -1 : q)).filter((q) => q >= 0)
  return {
    names: keep.map((q) => m.names[q]),
    mean: keep.map((q) => m.mean[q]),
    std: keep.map((q) => m.std[q]),
    weights: keep.map((q) => m.weights[q]),
    bias: m.bias
  }
}

/** What a --rows file holds besides the lines: enough for a card fitted from it to say where they came from. */
interface RowsFile {
  names: string[]
  command: string
  classifier: string
  gitCommit: string | null
  sources: { dir: string; seed?: number; command?: string; pages: number }[]
  lines: (Omit<Line, 'feats' | 'lnPeak' | 'gold' | 'hand' | 'from' | 'to'> & {
    feats: number[]
    lnPeak: number[]
    gold: number[]
    hand: number[]
    from: number[]
    to: number[]
  })[]
}

/** The lines of a --rows file, with the features left out held at 0 (as a fit that reads the pages holds them). */
function linesFromRows(rows: RowsFile): Line[] {
  if (rows.names.join() !== SEGMENT_FEATURES.join())
    throw new Error(`--from-rows: the file's features (${rows.names.join()}) are not this version's`)
  const k = SEGMENT_FEATURES.length
  const zero = SEGMENT_FEATURES.flatMap((n, q) => (without.has(n) ? [q] : []))
  return rows.lines.map((l) => {
    const feats = Float64Array.from(l.feats)
    for (let i = 0; i < l.from.length; i++) for (const q of zero) feats[i * k + q] = 0
    return {
      ...l,
      feats,
      lnPeak: Float64Array.from(l.lnPeak),
      gold: Uint8Array.from(l.gold),
      hand: Float64Array.from(l.hand),
      from: Int32Array.from(l.from),
      to: Int32Array.from(l.to)
    }
  })
}

const rel = (p: string) => relative(process.cwd(), resolve(p))

async function main() {
  const fromRows = values['from-rows'] ? (JSON.parse(readFileSync(values['from-rows'], 'utf8')) as RowsFile) : null
  if (fromRows) return fit(linesFromRows(fromRows), fromRows.sources, fromRows.classifier, fromRows)
  // `--model DIR`: the score for another page classifier than the default one (its readings are features).
  const classifier = await loadClassifier(values.model)
  // The card names it as the command does: a shipped model by name, a folder relative to the repository.
  const classifierName = values.model ? rel(values.model) : classifier.name
  // `--touching DIR`: the score for another touching-letter model than the shipped one (its readings are features).
  const touching = values.touching ? await loadClassifier(values.touching) : undefined
  const lines: Line[] = []
  const sources: RowsFile['sources'] = []
  const k = SEGMENT_FEATURES.length
  for (const dir of positionals) {
    const manifest = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8')) as {
      seed?: number
      command?: string
      sources: { glyphs?: string }
      pages: {
        file: string
        condition: string
        sheet?: unknown
        chars: [string, number, number, number, number, number][]
      }[]
    }
    if (manifest.sources.glyphs !== 'training')
      throw new Error(`${dir}: not training pages (manifest sources.glyphs must be "training")`)
    const pages = manifest.pages.filter((p) => p.sheet === undefined && p.chars.length > 0)
    sources.push({ dir: basename(dir), seed: manifest.seed, command: manifest.command, pages: pages.length })
    let done = 0
    for (const page of pages) {
      const image = await loadImage(readFileSync(join(dir, page.file)), { name: page.file })
      let prep: PreparedLines | undefined
      await transcribe(image, classifier, {
        sheet: false,
        onPrepared: (p) => (prep = p),
        ...(touching ? { touching } : {}),
        ...(lattice ? { lattice } : {})
      })
      if (!prep) continue
      const truth = drawnChars(page.chars)
      let base = 0
      for (const lat of prep.lattices) {
        const m = lat.segments.length
        const band = lineBand(lat)
        const line: Line = {
          page: `${basename(dir)}/${page.file}`,
          condition: page.condition,
          nodes: lat.nodes,
          from: Int32Array.from(lat.segments, (s) => s.from),
          to: Int32Array.from(lat.segments, (s) => s.to),
          feats: new Float64Array(m * k),
          lnPeak: new Float64Array(m),
          gold: new Uint8Array(m),
          hand: new Float64Array(m)
        }
        lat.segments.forEach((s, i) => {
          const r = base + i
          const probs = prep!.probs.subarray(r * NUM_CLASSES, (r + 1) * NUM_CLASSES)
          const tp = prep!.touchPeak?.[r] ?? 0
          const f = segmentFeatures(lat, i, probs, tp > 0 ? Math.log(tp) : undefined, band)
          // A left-out feature is held at 0: its standardised column is 0 and the L2 penalty keeps its weight 0.
          SEGMENT_FEATURES.forEach((name, q) => {
            if (without.has(name)) f[q] = 0
          })
          line.feats.set(f, i * k)
          line.lnPeak[i] = f[SEGMENT_FEATURES.indexOf('lnPeak')]
          line.hand[i] = shapePrior(s.box, s.kind, lat) + (prep!.prior?.[r] ?? 0)
          // A reading of one character (IoU ≥ minIou, no two characters half inside): never null with both bounds equal.
          line.gold[i] = typeof labelCandidate(s.box, truth, minIou, minIou) === 'number' ? 1 : 0
        })
        lines.push(line)
        base += m
      }
      if (++done % 20 === 0) console.error(`${basename(dir)}: ${done}/${pages.length} pages, ${lines.length} lines`)
    }
  }
  if (values.rows)
    writeFileSync(
      values.rows,
      JSON.stringify({
        names: SEGMENT_FEATURES,
        command: commandLine(),
        classifier: classifierName,
        gitCommit: gitCommit(),
        sources,
        lines: lines.map((l) => ({
          ...l,
          feats: [...l.feats],
          lnPeak: [...l.lnPeak],
          gold: [...l.gold],
          hand: [...l.hand],
          from: [...l.from],
          to: [...l.to]
        }))
      })
    )
  await fit(lines, sources, classifierName, null)
}

/** This run's command, folders and files relative to where it ran (the repository), never absolute paths. */
function commandLine(): string {
  const input = values['from-rows'] ? `--from-rows ${rel(values['from-rows'])}` : positionals.map(rel).join(' ')
  return `npx tsx scripts/train-segment-score.ts ${input} --out ${rel(values.out!)} --iou ${minIou} --l2 ${l2} --seed ${seed}${values.model ? ` --model ${rel(values.model)}` : ''}${values.touching ? ` --touching ${rel(values.touching)}` : ''}${without.size > 0 ? ` --without ${[...without].join(',')}` : ''}${(values.set ?? []).map((x) => ` --set ${x}`).join('')}`
}

async function fit(
  lines: Line[],
  sources: RowsFile['sources'],
  classifierName: string,
  rows: RowsFile | null
): Promise<void> {
  // The report: lines of held-out pages whose best path (score + ln p_top, no language model) is all matching
  // candidates, for the fitted score and the hand-set priors (plus the decoder's default per-segment bonus).
  const test = lines.filter((l) => heldOut(l.page) && hasGoldPath(l))
  const fitOn = lines.filter((l) => !heldOut(l.page))
  const right = (l: Line, path: number[]) => path.length > 0 && path.every((j) => l.gold[j] === 1)
  const byCondition = (score: (l: Line) => boolean) => {
    const out: Record<string, string> = {}
    const tally = new Map<string, [number, number]>()
    for (const l of test) {
      const t = tally.get(l.condition) ?? [0, 0]
      t[0] += score(l) ? 1 : 0
      t[1]++
      tally.set(l.condition, t)
    }
    for (const [c, [a, n]] of [...tally].sort()) out[c] = `${a}/${n}`
    return out
  }
  const t0 = performance.now()
  const trial = fitSegmentScore(fitOn, { l2 })
  const handRight = byCondition((l) =>
    right(
      l,
      bestPath(
        l,
        null,
        l.hand.map((h) => h + 1.5)
      )
    )
  )
  const fitRight = byCondition((l) => right(l, bestPath(l, trial.model)))
  console.error(`held-out lines read with the right segmentation: hand priors ${JSON.stringify(handRight)}`)
  console.error(`                                                  fitted score ${JSON.stringify(fitRight)}`)
  const fit = fitSegmentScore(lines, {
    l2,
    onIter: (i, loss) => {
      if (i % 50 === 0) console.error(`iteration ${i}: loss ${loss.toFixed(3)}`)
    }
  })
  const card = {
    kind: 'glyphdesk-segment-score',
    description:
      'Learned score of a candidate segment being one drawn character (read/segmentCrf.ts): a CRF over each line ' +
      "lattice's segmentations, fitted by maximum likelihood on training pages",
    // The folders as paths relative to where the command ran (the repository), never a machine's absolute paths.
    command: commandLine(),
    // Fitted from a rows file: the command that read the pages and wrote it (its lattice settings are there).
    ...(rows ? { rowsCommand: rows.command } : {}),
    classifier: classifierName,
    // The commit whose reading stage built the lattices: the score is fitted on its candidates, so rerunning the
    // command reproduces it from that commit (the lattice's defaults move with the code).
    gitCommit: rows ? rows.gitCommit : gitCommit(),
    sources,
    iou: minIou,
    l2,
    lines: { total: lines.length, fitted: fit.used, withoutGoldPath: fit.skipped },
    segments: lines.reduce((s, l) => s + l.from.length, 0),
    loss: fit.loss,
    iterations: fit.iterations,
    heldOutReport: {
      note: 'one page in five (seeded) left out of a trial fit; lines whose best path, without the language model, is all matching candidates',
      handPriors: handRight,
      fittedScore: fitRight
    },
    seconds: Math.round((performance.now() - t0) / 1000),
    model: leaveOut(fit.model, without)
  }
  mkdirSync(dirname(values.out!), { recursive: true })
  await writeFileAtomic(values.out!, JSON.stringify(card, null, 1) + '\n')
  console.error(`${fit.used} lines fitted (${fit.skipped} without a gold path) → ${values.out}`)
}
void main()

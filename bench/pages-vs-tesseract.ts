// Benchmark: reading the sample pages, Glyphdesk vs Tesseract (issue 4, item 7). For every page image with a
// same-name .txt ground truth in DIR (default resources/samples), one script times
//  - Glyphdesk: load the image + segment + lay out + recognise (loadImage, then transcribe), warm: OpenCV
//    and the model are loaded once first and every page is read once untimed; the median of --reps runs;
//  - Tesseract: `tesseract IMAGE - --psm 6` (Debian's tesseract-ocr, scripts/install-tesseract.sh), the
//    wall time of the whole command, the median of --reps runs. A command cannot be kept warm, so its time
//    includes process start and loading its English model; the floor that puts under every page is measured
//    separately on a blank 64×64 image and printed.
// Runs are interleaved (page by page, Glyphdesk then Tesseract) so that a varying load on the machine hits
// both systems alike. Next to wall time, CPU time (user + system: process.cpuUsage for Glyphdesk, GNU time's
// %U+%S for the tesseract process, when /usr/bin/time exists) is reported; on a shared, loaded machine it
// says more than wall time. Tesseract runs OpenMP threads by default; OMP_THREAD_LIMIT=1 in the
// environment is passed on to it (Tesseract's own advice when several jobs share the cores). Both outputs are scored with the same character error rate as `glyphdesk eval-pages`:
// Levenshtein distance / ground-truth length, without spaces and with spaces (and line breaks), after the
// same normalisation of prediction and ground truth alike — uppercase, keep only A–Z, 0–9 and spaces,
// collapse runs of spaces, drop empty lines. Tesseract reads lower case and punctuation too; the
// normalisation keeps it from being charged for them (Glyphdesk's output is already in that form).
//   npx tsx bench/pages-vs-tesseract.ts [DIR] [--reps 5] [--model MODEL] [--show-text] [--json]
import { spawnSync } from 'node:child_process'
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { cpus, loadavg, tmpdir } from 'node:os'
import { extname, join } from 'node:path'
import { parseArgs } from 'node:util'
import { createCanvas } from '@napi-rs/canvas'
import { loadClassifier, resolveModelDir } from '../src/main/recognize/models.ts'
import { levenshtein } from '../src/main/read/evalPages.ts'
import { loadImage } from '../src/main/vision/image.ts'
import { loadOpenCv } from '../src/main/vision/segment.ts'
import { transcribe } from '../src/main/read/transcribe.ts'
import { assembleText } from '../src/shared/pagedoc.ts'
import { SpawnHelper } from './spawnHelper.ts'

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    reps: { type: 'string', default: '5' },
    model: { type: 'string' },
    'show-text': { type: 'boolean', default: false },
    json: { type: 'boolean', default: false }
  }
})
const DIR = positionals[0] ?? 'resources/samples'
const REPS = Math.max(1, Number(values.reps))
const IMAGE_EXT = new Set(['.jpg', '.jpeg', '.png', '.tif', '.tiff', '.bmp'])
const TESSERACT_ARGS = ['-', '--psm', '6']

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b)
  const m = s.length >> 1
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2
}

/** The comparison's one text form: uppercase, only A–Z 0–9 and single spaces, no empty lines. */
function normaliseText(text: string): string[] {
  return text
    .split(/\r?\n/)
    .map((l) =>
      l
        .toUpperCase()
        .replace(/[^A-Z0-9\s]/g, '')
        .replace(/\s+/g, ' ')
        .trim()
    )
    .filter((l) => l.length > 0)
}

interface Score {
  cerNoSpace: number
  cer: number
  editsNoSpace: number
  edits: number
  text: string
}

function score(predicted: string, gtLines: string[]): Score {
  const pred = normaliseText(predicted).join('\n'),
    gt = gtLines.join('\n')
  const strip = (s: string) => s.replace(/\s+/g, '')
  const editsNoSpace = levenshtein(strip(pred), strip(gt)),
    edits = levenshtein(pred, gt)
  return {
    cerNoSpace: editsNoSpace / Math.max(1, strip(gt).length),
    cer: edits / Math.max(1, gt.length),
    editsNoSpace,
    edits,
    text: pred
  }
}

const GNU_TIME =
  existsSync('/usr/bin/time') && spawnSync('/usr/bin/time', ['-f', '%U', 'true']).status === 0 ? '/usr/bin/time' : null
let cpuFile = ''

// Tesseract runs from a helper process started before anything is loaded here (bench/spawnHelper.ts says why).
const helper = new SpawnHelper()

async function runTesseract(path: string): Promise<{ ms: number; cpuMs: number | null; text: string }> {
  const [cmd, args] = GNU_TIME
    ? [GNU_TIME, ['-f', '%U %S', '-o', cpuFile, 'tesseract', path, ...TESSERACT_ARGS]]
    : ['tesseract', [path, ...TESSERACT_ARGS]]
  const r = await helper.run(cmd, args, { readAfter: GNU_TIME ? cpuFile : undefined })
  if (r.error || r.status !== 0)
    throw new Error(`tesseract ${path} failed (${r.error ?? `exit ${r.status}: ${r.stderr.trim()}`})`)
  let cpuMs: number | null = null
  if (r.after) {
    const [u, sys] = r.after.trim().split(/\s+/).slice(-2).map(Number)
    if (Number.isFinite(u) && Number.isFinite(sys)) cpuMs = (u + sys) * 1000
  }
  return { ms: r.ms, cpuMs, text: r.stdout }
}

const version = spawnSync('tesseract', ['--version'], { encoding: 'utf8' })
if (version.error || version.status !== 0) {
  console.error(
    "tesseract is not installed: run scripts/install-tesseract.sh (Debian's tesseract-ocr), then this benchmark again"
  )
  process.exit(2)
}
const tesseractVersion = (version.stdout || version.stderr).split('\n')[0].trim()

const pages = readdirSync(DIR)
  .filter((f) => IMAGE_EXT.has(extname(f).toLowerCase()))
  .sort()
  .flatMap((f) => {
    const name = f.slice(0, -extname(f).length)
    try {
      return [{ name, path: join(DIR, f), gtLines: normaliseText(readFileSync(join(DIR, `${name}.txt`), 'utf8')) }]
    } catch {
      return []
    }
  })
if (pages.length === 0) {
  console.error(`${DIR} has no page image with a same-name .txt ground truth`)
  process.exit(2)
}

const load0 = loadavg()
// One-off costs, outside the timed runs: the OpenCV wasm module and the model.
let t = performance.now()
await loadOpenCv()
const openCvMs = performance.now() - t
t = performance.now()
const classifier = await loadClassifier(values.model)
const modelMs = performance.now() - t
const modelDir = resolveModelDir(values.model)

async function runGlyphdesk(
  path: string
): Promise<{ ms: number; cpuMs: number; loadMs: number; text: string; boxes: number }> {
  const c0 = process.cpuUsage()
  const t0 = performance.now()
  const image = await loadImage(path)
  const t1 = performance.now()
  const { doc } = await transcribe(image, classifier, { path })
  const t2 = performance.now()
  const c = process.cpuUsage(c0)
  return {
    ms: t2 - t0,
    cpuMs: (c.user + c.system) / 1000,
    loadMs: t1 - t0,
    text: assembleText(doc),
    boxes: doc.boxes.length
  }
}

// Tesseract's floor: start-up and model load on an image with nothing to read.
const tmp = mkdtempSync(join(tmpdir(), 'glyphdesk-bench-'))
const blank = join(tmp, 'blank.png')
cpuFile = join(tmp, 'cpu.txt')
{
  const c = createCanvas(64, 64)
  const ctx = c.getContext('2d')
  ctx.fillStyle = '#ffffff'
  ctx.fillRect(0, 0, 64, 64)
  writeFileSync(blank, c.toBuffer('image/png'))
}

// Warm-up: every page once through both systems (JIT, file cache), untimed.
const first = new Map<string, { ours: Awaited<ReturnType<typeof runGlyphdesk>>; theirs: string }>()
for (const p of pages)
  first.set(p.name, { ours: await runGlyphdesk(p.path), theirs: (await runTesseract(p.path)).text })
await runTesseract(blank)

const times = new Map(
  pages.map((p) => [
    p.name,
    {
      ours: [] as number[],
      oursCpu: [] as number[],
      load: [] as number[],
      theirs: [] as number[],
      theirsCpu: [] as number[]
    }
  ])
)
const floor: number[] = []
for (let r = 0; r < REPS; r++) {
  for (const p of pages) {
    const tm = times.get(p.name)!
    const g = await runGlyphdesk(p.path)
    tm.ours.push(g.ms)
    tm.oursCpu.push(g.cpuMs)
    tm.load.push(g.loadMs)
    const ts = await runTesseract(p.path)
    tm.theirs.push(ts.ms)
    if (ts.cpuMs !== null) tm.theirsCpu.push(ts.cpuMs)
  }
  floor.push((await runTesseract(blank)).ms)
}
rmSync(tmp, { recursive: true, force: true })
helper.close()
const load1 = loadavg()

const rows = pages.map((p) => {
  const tm = times.get(p.name)!,
    f = first.get(p.name)!
  const ours = score(f.ours.text, p.gtLines),
    theirs = score(f.theirs, p.gtLines)
  const gt = p.gtLines.join('\n')
  return {
    name: p.name,
    chars: gt.replace(/\s+/g, '').length,
    length: gt.length,
    boxes: f.ours.boxes,
    glyphdeskMs: median(tm.ours),
    glyphdeskLoadMs: median(tm.load),
    tesseractMs: median(tm.theirs),
    ratio: median(tm.ours) / median(tm.theirs),
    glyphdeskCpuMs: median(tm.oursCpu),
    tesseractCpuMs: tm.theirsCpu.length ? median(tm.theirsCpu) : NaN,
    glyphdesk: ours,
    tesseract: theirs,
    runs: tm
  }
})
const sum = (k: (r: (typeof rows)[number]) => number) => rows.reduce((s, r) => s + k(r), 0)
const overall = {
  glyphdeskMs: sum((r) => r.glyphdeskMs),
  tesseractMs: sum((r) => r.tesseractMs),
  ratio: sum((r) => r.glyphdeskMs) / sum((r) => r.tesseractMs),
  glyphdeskCpuMs: sum((r) => r.glyphdeskCpuMs),
  tesseractCpuMs: sum((r) => r.tesseractCpuMs),
  cpuRatio: sum((r) => r.glyphdeskCpuMs) / sum((r) => r.tesseractCpuMs),
  // Pooled over the pages: total edits / total ground-truth length.
  glyphdesk: {
    cerNoSpace: sum((r) => r.glyphdesk.editsNoSpace) / sum((r) => r.chars),
    cer: sum((r) => r.glyphdesk.edits) / sum((r) => r.length)
  },
  tesseract: {
    cerNoSpace: sum((r) => r.tesseract.editsNoSpace) / sum((r) => r.chars),
    cer: sum((r) => r.tesseract.edits) / sum((r) => r.length)
  }
}
const machine = {
  cpus: cpus().length,
  cpu: cpus()[0]?.model ?? 'unknown',
  loadavgBefore: load0.map((v) => +v.toFixed(2)),
  loadavgAfter: load1.map((v) => +v.toFixed(2)),
  node: process.version,
  tesseract: tesseractVersion,
  ompThreadLimit: process.env.OMP_THREAD_LIMIT ?? null
}

if (values.json) {
  console.log(
    JSON.stringify({
      dir: DIR,
      reps: REPS,
      model: { name: classifier.name, dir: modelDir },
      openCvMs,
      modelMs,
      tesseractFloorMs: median(floor),
      machine,
      pages: rows,
      overall
    })
  )
} else {
  const pct = (v: number) => `${(100 * v).toFixed(1)}%`
  const ms = (v: number) => `${Math.round(v)} ms`
  console.log(`pages: ${DIR} (${pages.length}), medians of ${REPS} interleaved runs after one warm-up each`)
  console.log(
    `machine: ${machine.cpus} × ${machine.cpu}, load average ${machine.loadavgBefore.join(' ')} before, ${machine.loadavgAfter.join(' ')} after; node ${machine.node}`
  )
  console.log(
    `glyphdesk: model ${classifier.name} (${modelDir}); one-off: OpenCV ${ms(openCvMs)}, model ${ms(modelMs)} (not in the page times)`
  )
  console.log(
    `tesseract: ${tesseractVersion}, \`tesseract IMAGE ${TESSERACT_ARGS.join(' ')}\`${machine.ompThreadLimit ? `, OMP_THREAD_LIMIT=${machine.ompThreadLimit}` : ''}; start-up floor (blank 64×64 image) ${ms(median(floor))}`
  )
  console.log(
    'CER: Levenshtein / ground-truth length, both outputs normalised alike (uppercase, only A–Z 0–9 and spaces, whitespace collapsed, empty lines dropped)'
  )
  console.log('')
  const cpu = (v: number) => (Number.isFinite(v) ? ms(v) : 'n/a')
  const head = [
    'page',
    'chars',
    'glyphdesk',
    '(load)',
    'tesseract',
    'ratio',
    'gd CPU',
    'tess CPU',
    'ratio',
    'CER glyphdesk',
    'CER tesseract'
  ]
  const widths = [12, 5, 10, 8, 10, 6, 9, 9, 6, 17, 17]
  const line = (cells: string[]) =>
    cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join(' ')
  console.log(line(head))
  console.log(line(['', '', 'wall', '', 'wall', '', '', '', '', 'no sp / with sp', 'no sp / with sp']))
  for (const r of rows) {
    console.log(
      line([
        r.name,
        String(r.chars),
        ms(r.glyphdeskMs),
        ms(r.glyphdeskLoadMs),
        ms(r.tesseractMs),
        r.ratio.toFixed(3),
        cpu(r.glyphdeskCpuMs),
        cpu(r.tesseractCpuMs),
        (r.glyphdeskCpuMs / r.tesseractCpuMs).toFixed(3),
        `${pct(r.glyphdesk.cerNoSpace)} / ${pct(r.glyphdesk.cer)}`,
        `${pct(r.tesseract.cerNoSpace)} / ${pct(r.tesseract.cer)}`
      ])
    )
  }
  const o = overall
  console.log(
    line([
      'overall',
      String(sum((r) => r.chars)),
      ms(o.glyphdeskMs),
      '',
      ms(o.tesseractMs),
      o.ratio.toFixed(3),
      cpu(o.glyphdeskCpuMs),
      cpu(o.tesseractCpuMs),
      o.cpuRatio.toFixed(3),
      `${pct(o.glyphdesk.cerNoSpace)} / ${pct(o.glyphdesk.cer)}`,
      `${pct(o.tesseract.cerNoSpace)} / ${pct(o.tesseract.cer)}`
    ])
  )
  console.log('')
  console.log(
    `goal: Glyphdesk ≤ ¼ of Tesseract's time — ${o.ratio <= 0.25 ? 'met' : 'NOT met'} on wall time (${o.ratio.toFixed(3)}), ${o.cpuRatio <= 0.25 ? 'met' : 'NOT met'} on CPU time (${o.cpuRatio.toFixed(3)}); far lower CER — Glyphdesk ${pct(o.glyphdesk.cerNoSpace)} vs Tesseract ${pct(o.tesseract.cerNoSpace)} without spaces`
  )
  console.log(
    `per-run times (ms): ${rows.map((r) => `${r.name} glyphdesk [${r.runs.ours.map(Math.round).join(', ')}] tesseract [${r.runs.theirs.map(Math.round).join(', ')}]`).join('; ')}; tesseract floor [${floor.map(Math.round).join(', ')}]`
  )
  if (values['show-text']) {
    for (const r of rows) {
      console.log(`\n== ${r.name}\n-- glyphdesk\n${r.glyphdesk.text}\n-- tesseract (normalised)\n${r.tesseract.text}`)
    }
  }
}

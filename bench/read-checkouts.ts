// Is a change to the reading path faster? Reads a folder's pages with `transcribe` from two checkouts of Glyphdesk —
// this one and another (a `git worktree` at the commit before, say) — in alternating child processes, and prints the
// ratio this / other of each pair's reading time (wall and CPU), start-up left out: each child loads its own
// checkout's sources, segments every page once, reads them all once unmeasured and then `--rounds` times measured.
// A whole-process timer would count the start-up too, and an option-cost knob needs both readings in one build.
//   git worktree add ../before HEAD~1 && ln -s "$PWD/node_modules" ../before/node_modules
//   npx tsx bench/read-checkouts.ts --other ../before [--dir resources/samples] [--pairs 5] [--rounds 12]
// The two checkouts' texts are compared too: a change meant to be output-identical says so.
import { spawnSync } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { parseArgs } from 'node:util'

const { values } = parseArgs({
  options: {
    other: { type: 'string' },
    dir: { type: 'string', default: 'resources/samples' },
    pairs: { type: 'string', default: '5' },
    rounds: { type: 'string', default: '12' },
    child: { type: 'string' }
  }
})

interface ChildResult {
  wallMs: number
  cpuMs: number
  texts: string[]
}

if (values.child) {
  // A child: read the pages of --dir with the sources of the checkout at --child.
  const root = values.child
  const imp = (p: string) => import(pathToFileURL(join(root, p)).href)
  const { loadClassifier } = await imp('src/main/recognize/models.ts')
  const { transcribe } = await imp('src/main/read/transcribe.ts')
  const { loadImage } = await imp('src/main/vision/image.ts')
  const { segmentScan } = await imp('src/main/vision/sheet.ts')
  const { assembleText } = await imp('src/shared/pagedoc.ts')
  const { pageImages } = await imp('bench/pageFiles.ts')
  const classifier = await loadClassifier()
  const pages: { image: unknown; seg: unknown }[] = []
  for (const f of pageImages(values.dir) as string[]) {
    const image = await loadImage(readFileSync(join(values.dir, f)), { name: f })
    pages.push({ image, seg: await segmentScan(image) })
  }
  const texts: string[] = []
  for (const p of pages) texts.push(assembleText((await transcribe(p.image, classifier, { segmentation: p.seg })).doc))
  const cpu0 = process.cpuUsage(),
    t0 = performance.now()
  for (let r = 0; r < Number(values.rounds); r++)
    for (const p of pages) await transcribe(p.image, classifier, { segmentation: p.seg })
  const cpu = process.cpuUsage(cpu0)
  const out: ChildResult = { wallMs: performance.now() - t0, cpuMs: (cpu.user + cpu.system) / 1000, texts }
  process.stdout.write(JSON.stringify(out))
  process.exit(0)
}

if (!values.other) throw new Error('usage: npx tsx bench/read-checkouts.ts --other DIR [--dir PAGES] [--pairs 5]')
const here = resolve(fileURLToPath(new URL('..', import.meta.url)))
const other = resolve(values.other)
const run = (root: string): ChildResult => {
  const r = spawnSync(
    process.execPath,
    [
      ...process.execArgv,
      fileURLToPath(import.meta.url),
      '--child',
      root,
      '--dir',
      resolve(values.dir),
      '--rounds',
      values.rounds
    ],
    { encoding: 'utf8', maxBuffer: 64 << 20 }
  )
  if (r.status !== 0) throw new Error(`the child reading with ${root} failed: ${r.stderr}`)
  return JSON.parse(r.stdout) as ChildResult
}
const wall: number[] = [],
  cpu: number[] = []
let differ: number | null = null
for (let k = 0; k < Number(values.pairs); k++) {
  // Alternate which checkout goes first, so neither always reads on a warmer (or busier) machine.
  const [a, b] = k % 2 === 0 ? [run(here), run(other)] : (([o, h]) => [h, o])([run(other), run(here)])
  wall.push(a.wallMs / b.wallMs)
  cpu.push(a.cpuMs / b.cpuMs)
  differ ??= a.texts.filter((t, i) => t !== b.texts[i]).length
  console.log(
    `pair ${k + 1}: this ${a.wallMs.toFixed(0)} ms (CPU ${a.cpuMs.toFixed(0)}), other ${b.wallMs.toFixed(0)} ms (CPU ${b.cpuMs.toFixed(0)})`
  )
}
const stats = (x: number[]) => {
  const s = [...x].sort((p, q) => p - q)
  const median = (s[(s.length - 1) >> 1] + s[s.length >> 1]) / 2
  return `${median.toFixed(3)} (min ${s[0].toFixed(3)}, max ${s[s.length - 1].toFixed(3)})`
}
console.log(`this / other, reading only: wall ${stats(wall)}, CPU ${stats(cpu)}; pages reading differently: ${differ}`)

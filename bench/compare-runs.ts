// Is a reading change better, or noise? Compares two sets of `decode-conditions --json` runs page by page: the same
// pages read two ways share most of their errors, so the per-page differences say far more than the two totals do.
// Per condition and overall: the errors (without spaces) of the base and the new reading, their difference, a 95%
// percentile bootstrap interval of that difference (pages resampled with replacement, seeded), the pages that read
// better and worse, and the exact sign test over those pages. Pages are matched by folder and file name; a page in
// only one set is an error.
//   npx tsx bench/compare-runs.ts --base A.json [--base …] --new B.json [--new …]
//      [--config-base NAME] [--config-new NAME]   which configuration of each file (default: its last)
//      [--reps 10000] [--seed 1]
// Both sides may be the same files with two configurations: --base X.json --new X.json --config-base lm
// --config-new lm+decoder.beam=64.
import { readFileSync } from 'node:fs'
import { basename } from 'node:path'
import { parseArgs } from 'node:util'
import { Rng } from '../src/main/nn/rng.ts'
import { bootstrapSumInterval, signTestP } from '../src/shared/stats.ts'

const { values } = parseArgs({
  options: {
    base: { type: 'string', multiple: true },
    new: { type: 'string', multiple: true },
    'config-base': { type: 'string' },
    'config-new': { type: 'string' },
    reps: { type: 'string', default: '10000' },
    seed: { type: 'string', default: '1' }
  }
})
if (!values.base?.length || !values.new?.length)
  throw new Error(
    'usage: npx tsx bench/compare-runs.ts --base A.json … --new B.json … [--config-base C] [--config-new C]'
  )

interface Run {
  dir: string
  configs: string[]
  pages?: Record<string, { condition: string; chars: number; errs: Record<string, number> }>
}
interface Page {
  condition: string
  chars: number
  errs: number
}

/** Every page of the files, keyed by folder and name, with its errors under `config` (default: each file's last). */
function load(files: readonly string[], config: string | undefined): Map<string, Page> {
  const out = new Map<string, Page>()
  for (const f of files) {
    const run = JSON.parse(readFileSync(f, 'utf8')) as Run
    if (!run.pages) throw new Error(`${f}: no per-page errors (written before decode-conditions recorded them)`)
    const c = config ?? run.configs[run.configs.length - 1]
    if (!run.configs.includes(c)) throw new Error(`${f}: no configuration "${c}" (it has ${run.configs.join(', ')})`)
    for (const [name, p] of Object.entries(run.pages)) {
      const key = `${basename(run.dir)}/${name}`
      if (out.has(key)) throw new Error(`${f}: page ${key} is in more than one file`)
      out.set(key, { condition: p.condition, chars: p.chars, errs: p.errs[c] })
    }
  }
  return out
}

const base = load(values.base, values['config-base'])
const next = load(values.new, values['config-new'])
for (const k of base.keys()) if (!next.has(k)) throw new Error(`page ${k} is in the base runs only`)
for (const k of next.keys()) if (!base.has(k)) throw new Error(`page ${k} is in the new runs only`)

const reps = Number(values.reps),
  seed = Number(values.seed)
const groups = new Map<string, string[]>()
for (const [k, p] of base) {
  // Pages without text (their errors are extra characters) count in their own condition only, as decode-conditions does.
  for (const g of p.chars > 0 ? [p.condition, 'overall'] : [p.condition]) {
    const list = groups.get(g) ?? []
    list.push(k)
    groups.set(g, list)
  }
}
console.log(
  '| condition | pages | characters | base | new | new − base | 95% interval | pages better / worse | sign test p |'
)
console.log('|---|---:|---:|---:|---:|---:|---|---|---:|')
const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0)
const order = [...groups.keys()].sort((a, b) => (a === 'overall' ? 1 : b === 'overall' ? -1 : a < b ? -1 : 1))
for (const g of order) {
  const keys = groups.get(g)!
  const d = keys.map((k) => next.get(k)!.errs - base.get(k)!.errs)
  const b = sum(keys.map((k) => base.get(k)!.errs)),
    n = sum(keys.map((k) => next.get(k)!.errs))
  const chars = sum(keys.map((k) => base.get(k)!.chars))
  // One generator per row, from the seed: a row's interval does not depend on which rows came before it.
  const rng = new Rng(seed)
  const [lo, hi] = bootstrapSumInterval(d, (m) => rng.int(m), reps)
  const better = d.filter((x) => x < 0).length,
    worse = d.filter((x) => x > 0).length
  console.log(
    `| ${g} | ${keys.length} | ${chars} | ${b} | ${n} | ${n - b > 0 ? '+' : ''}${n - b} | [${lo}, ${hi}] | ${better} / ${worse} | ${signTestP(better, worse).toFixed(3)} |`
  )
}

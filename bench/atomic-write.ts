// What one atomic output write costs beside a growing archive (issue 15): writeFileAtomic (temporary, fsync,
// rename) into a scratch folder that already holds N other files, with its sweep of dead writers' temporaries
// (the default: it lists the whole folder) and without it (what batch workers do: the batch sweeps its output
// folders once, at its start). A batch writes every page's output into such a folder, so a cost that grows with
// N makes an archive's reading quadratic. Milliseconds per write, the median of --rounds rounds of --writes writes.
//   npx tsx bench/atomic-write.ts [--files 0,1000,10000,30000] [--writes 50] [--rounds 3] [--dir SCRATCH_PARENT]
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { cpus, tmpdir } from 'node:os'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import { writeFileAtomic } from '../src/main/core/atomicFile.ts'
import { median } from '../src/shared/stats.ts'

const { values } = parseArgs({
  options: {
    files: { type: 'string', default: '0,1000,10000,30000' },
    writes: { type: 'string', default: '50' },
    rounds: { type: 'string', default: '3' },
    dir: { type: 'string', default: tmpdir() }
  }
})
const counts = values.files.split(',').map(Number)
const WRITES = Math.max(1, Number(values.writes))
const ROUNDS = Math.max(1, Number(values.rounds))

console.log(`${cpus()[0]?.model ?? 'CPU'} ×${cpus().length}, Node ${process.version}; ${WRITES} writes a round`)
console.log('\n| files in the folder | with the sweep, ms a write | without, ms a write | ratio |')
console.log('|---:|---:|---:|---:|')
for (const n of counts) {
  const dir = mkdtempSync(join(values.dir, 'glyphdesk-atomic-bench-'))
  try {
    for (let i = 0; i < n; i++) writeFileSync(join(dir, `page-${i}.txt`), 'x')
    const per: Record<'with' | 'without', number[]> = { with: [], without: [] }
    for (let r = 0; r < ROUNDS; r++)
      for (const side of ['with', 'without'] as const) {
        const t0 = performance.now()
        for (let i = 0; i < WRITES; i++)
          await writeFileAtomic(join(dir, `out-${i}.txt`), `page ${i}\n`, { sweep: side === 'with' })
        per[side].push((performance.now() - t0) / WRITES)
      }
    const a = median(per.with),
      b = median(per.without)
    console.log(`| ${n} | ${a.toFixed(2)} | ${b.toFixed(2)} | ${(a / b).toFixed(2)} |`)
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}

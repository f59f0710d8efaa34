// Benchmark: glyphs per second of every shipped model through Glyphdesk (MlpClassifier on typed
// arrays, OnnxClassifier on onnxruntime-node, 2 intra-op threads) vs the same model in PyTorch on the
// CPU (bench/cnn-throughput.py, 2 threads), at batch 1 and 256, and the ratio Glyphdesk / PyTorch.
// Both sides time the whole predict (input prep, network, softmax).
//   npx tsx bench/cnn-throughput.ts [--seconds 3] [--torch-threads 2] [--rounds 1] [--only mlp|cnn|NAME] [--json]
// The PyTorch child runs in torchEnv (bench/torchEnv.ts): its OpenMP and OpenBLAS pools both at --torch-threads,
// OpenMP waiting passively. Before, Debian's PyTorch ran four threads on two cores and the ratios flattered Glyphdesk.
// --rounds R alternates the two sides R times (Glyphdesk, PyTorch, Glyphdesk, …) and reports each cell's
// ratio per round (min and median), so that load drifting during the run hits both sides alike.
// The MLPs run batches of 8 glyphs or more through onnxruntime (recognize/mlpOnnx.ts) with GEMM_THREADS
// intra-op threads, smaller ones on the wasm gemms (simd.ts); GLYPHDESK_MLP_ONNX=0 keeps every batch on the
// wasm gemms (the comparison before the change).
import { spawnSync } from 'node:child_process'
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { loadavg, tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import type { Classifier } from '../src/main/recognize/classifier.ts'
import { MlpClassifier } from '../src/main/recognize/mlpClassifier.ts'
import { listShippedModels } from '../src/main/recognize/models.ts'
import { ONNX_INTRA_OP_THREADS, OnnxClassifier } from '../src/main/recognize/onnxClassifier.ts'
import { GEMM_THREADS } from '../src/main/nn/simd.ts'
import { GLYPH_PIXELS } from '../src/shared/classes.ts'
import { shiftedFixtureGlyphs } from '../test/main/helpers/fixtureGlyphs.ts'
import { torchEnv } from './torchEnv.ts'

const args = process.argv.slice(2)
const SECONDS = args.includes('--seconds') ? Number(args[args.indexOf('--seconds') + 1]) : 3
const TORCH_THREADS = args.includes('--torch-threads')
  ? Number(args[args.indexOf('--torch-threads') + 1])
  : ONNX_INTRA_OP_THREADS
const BATCHES = [1, 256]
const ROUNDS = args.includes('--rounds') ? Math.max(1, Number(args[args.indexOf('--rounds') + 1])) : 1
const ONLY = args.includes('--only') ? args[args.indexOf('--only') + 1] : undefined
const N = 1024
const here = dirname(fileURLToPath(import.meta.url))
const root = join(here, '..')

async function rate(model: Classifier, glyphs: Float32Array, batch: number): Promise<number> {
  await model.predict(glyphs.subarray(0, batch * GLYPH_PIXELS), batch) // warm-up
  let done = 0,
    i = 0
  const t0 = performance.now()
  while (performance.now() - t0 < SECONDS * 1000) {
    const s = (i * batch) % (N - batch + 1)
    await model.predict(glyphs.subarray(s * GLYPH_PIXELS, (s + batch) * GLYPH_PIXELS), batch)
    done += batch
    i++
  }
  return done / ((performance.now() - t0) / 1000)
}

const glyphs = shiftedFixtureGlyphs(N)
const models = listShippedModels().filter(
  (m) => (m.kind === 'mlp' || m.kind === 'cnn') && (ONLY === undefined || ONLY === m.kind || ONLY === m.name)
)
const loaded: Classifier[] = []
const pySpec: { name: string; kind: string; dir: string; checkpoint?: string }[] = []
for (const m of models) {
  loaded.push(m.kind === 'mlp' ? await MlpClassifier.load(m.dir, m.name) : await OnnxClassifier.load(m.dir, m.name))
  const checkpoint = join(root, 'training', 'checkpoints', `${m.name}.pt`)
  if (m.kind === 'mlp' || existsSync(checkpoint)) pySpec.push({ name: m.name, kind: m.kind, dir: m.dir, checkpoint })
}

const tmp = mkdtempSync(join(tmpdir(), 'glyphdesk-bench-'))
const oursBy: Record<string, Record<string, number>>[] = []
const torchBy: Record<string, Record<string, number>>[] = []
let torchVersion = 'not run'
try {
  const file = join(tmp, 'glyphs.f32')
  writeFileSync(file, Buffer.from(glyphs.buffer))
  for (let r = 0; r < ROUNDS; r++) {
    const ours: Record<string, Record<string, number>> = {}
    for (let i = 0; i < models.length; i++) {
      ours[models[i].name] = {}
      for (const b of BATCHES) ours[models[i].name][b] = await rate(loaded[i], glyphs, b)
    }
    oursBy.push(ours)
    const py = spawnSync(
      '/usr/bin/python3',
      [
        join(here, 'cnn-throughput.py'),
        JSON.stringify({ glyphs: file, models: pySpec, batches: BATCHES, seconds: SECONDS, threads: TORCH_THREADS })
      ],
      { encoding: 'utf8', env: torchEnv(TORCH_THREADS) }
    )
    if (py.status !== 0) process.stderr.write(`PyTorch side failed (status ${py.status}): ${py.stderr}\n`)
    else {
      const parsed = JSON.parse(py.stdout) as { torch: string; rates: Record<string, Record<string, number>> }
      torchBy.push(parsed.rates)
      torchVersion = parsed.torch
    }
  }
} finally {
  rmSync(tmp, { recursive: true, force: true })
}
const med = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b)
  return s.length % 2 ? s[s.length >> 1] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2
}
const ours: Record<string, Record<string, number>> = Object.fromEntries(
  models.map((m) => [m.name, Object.fromEntries(BATCHES.map((b) => [b, med(oursBy.map((o) => o[m.name][b]))]))])
)
const torchRates: Record<string, Record<string, number>> = torchBy.length === 0
  ? {}
  : Object.fromEntries(
      models
        .filter((m) => torchBy[0][m.name])
        .map((m) => [m.name, Object.fromEntries(BATCHES.map((b) => [b, med(torchBy.map((t) => t[m.name][b]))]))])
    )
const ratiosOf = (name: string, b: number): number[] =>
  oursBy.flatMap((o, r) => (torchBy[r]?.[name]?.[b] ? [o[name][b] / torchBy[r][name][b]] : []))

const rows = models.flatMap((m) =>
  BATCHES.map((b) => {
    const g = ours[m.name][b],
      t = torchRates[m.name]?.[b]
    const rs = ratiosOf(m.name, b)
    return {
      model: m.name,
      kind: m.kind,
      batch: b,
      glyphdesk: g,
      pytorch: t ?? null,
      ratio: rs.length ? med(rs) : null,
      ratioMin: rs.length ? Math.min(...rs) : null
    }
  })
)
if (args.includes('--json'))
  process.stdout.write(
    JSON.stringify({
      seconds: SECONDS,
      rounds: ROUNDS,
      gemmThreads: GEMM_THREADS,
      threads: ONNX_INTRA_OP_THREADS,
      torchThreads: TORCH_THREADS,
      torch: torchVersion,
      rows
    }) + '\n'
  )
else {
  process.stdout.write(
    `glyphs/second (medians of ${ROUNDS} round(s)), ${SECONDS} s per cell; Glyphdesk: onnxruntime ${ONNX_INTRA_OP_THREADS} intra-op threads, MLP gemms ${GEMM_THREADS} thread(s); PyTorch ${torchVersion} ${TORCH_THREADS} thread(s); load average ${loadavg()
      .map((v) => v.toFixed(2))
      .join(' ')}\n`
  )
  process.stdout.write(
    '| model | batch | Glyphdesk | PyTorch | Glyphdesk / PyTorch (median of rounds) | min of rounds |\n|---|---:|---:|---:|---:|---:|\n'
  )
  for (const r of rows)
    process.stdout.write(
      `| ${r.model} (${r.kind}) | ${r.batch} | ${Math.round(r.glyphdesk)} | ${r.pytorch === null ? '—' : Math.round(r.pytorch)} | ${r.ratio === null ? '—' : r.ratio.toFixed(2) + '×'} | ${r.ratioMin === null ? '—' : r.ratioMin.toFixed(2) + '×'} |\n`
    )
}

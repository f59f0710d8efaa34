// Benchmark: glyphs per second of every shipped model through Glyphdesk (MlpClassifier on typed
// arrays, OnnxClassifier on onnxruntime-node, 2 intra-op threads) vs the same model in PyTorch on the
// CPU (bench/cnn-throughput.py, 2 threads), at batch 1 and 256, and the ratio Glyphdesk / PyTorch.
// Both sides time the whole predict (input prep, network, softmax).
//   npx tsx bench/cnn-throughput.ts [--seconds 3] [--torch-threads 2] [--json]
// --torch-threads 1 shows how much of PyTorch's time on a loaded machine is OpenMP threads contending.
import { spawnSync } from 'node:child_process'
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import type { Classifier } from '../src/main/recognize/classifier.ts'
import { MlpClassifier } from '../src/main/recognize/mlpClassifier.ts'
import { listShippedModels } from '../src/main/recognize/models.ts'
import { ONNX_INTRA_OP_THREADS, OnnxClassifier } from '../src/main/recognize/onnxClassifier.ts'
import { GLYPH_PIXELS } from '../src/shared/classes.ts'

const args = process.argv.slice(2)
const SECONDS = args.includes('--seconds') ? Number(args[args.indexOf('--seconds') + 1]) : 3
const TORCH_THREADS = args.includes('--torch-threads') ? Number(args[args.indexOf('--torch-threads') + 1]) : ONNX_INTRA_OP_THREADS
const BATCHES = [1, 256]
const N = 1024
const here = dirname(fileURLToPath(import.meta.url))
const root = join(here, '..')

/** 1024 glyphs: the 16 committed fixture glyphs, each shifted by a pixel or two so batches are not identical. */
function benchGlyphs(): Float32Array {
  const buf = readFileSync(join(root, 'test', 'fixtures', 'onnx', 'cnn-compact-16.glyphs.f32'))
  const base = new Float32Array(buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength))
  const out = new Float32Array(N * GLYPH_PIXELS)
  for (let i = 0; i < N; i++) {
    const src = (i % 16) * GLYPH_PIXELS, dx = (i >> 4) % 3 - 1, dy = (i >> 6) % 3 - 1
    for (let y = 0; y < 32; y++) for (let x = 0; x < 32; x++) {
      const sx = Math.min(31, Math.max(0, x - dx)), sy = Math.min(31, Math.max(0, y - dy))
      out[i * GLYPH_PIXELS + y * 32 + x] = base[src + sy * 32 + sx]
    }
  }
  return out
}

async function rate(model: Classifier, glyphs: Float32Array, batch: number): Promise<number> {
  await model.predict(glyphs.subarray(0, batch * GLYPH_PIXELS), batch) // warm-up
  let done = 0, i = 0
  const t0 = performance.now()
  while (performance.now() - t0 < SECONDS * 1000) {
    const s = (i * batch) % (N - batch + 1)
    await model.predict(glyphs.subarray(s * GLYPH_PIXELS, (s + batch) * GLYPH_PIXELS), batch)
    done += batch
    i++
  }
  return done / ((performance.now() - t0) / 1000)
}

const glyphs = benchGlyphs()
const models = listShippedModels().filter((m) => m.kind === 'mlp' || m.kind === 'cnn')
const ours: Record<string, Record<string, number>> = {}
const pySpec: { name: string; kind: string; dir: string; checkpoint?: string }[] = []
for (const m of models) {
  const model: Classifier = m.kind === 'mlp' ? await MlpClassifier.load(m.dir, m.name) : await OnnxClassifier.load(m.dir, m.name)
  ours[m.name] = {}
  for (const b of BATCHES) ours[m.name][b] = await rate(model, glyphs, b)
  const checkpoint = join(root, 'training', 'checkpoints', `${m.name}.pt`)
  if (m.kind === 'mlp' || existsSync(checkpoint)) pySpec.push({ name: m.name, kind: m.kind, dir: m.dir, checkpoint })
}

const tmp = mkdtempSync(join(tmpdir(), 'glyphdesk-bench-'))
let torchRates: Record<string, Record<string, number>> = {}
let torchVersion = 'not run'
try {
  const file = join(tmp, 'glyphs.f32')
  writeFileSync(file, Buffer.from(glyphs.buffer))
  const py = spawnSync('/usr/bin/python3', [join(here, 'cnn-throughput.py'), JSON.stringify({ glyphs: file, models: pySpec, batches: BATCHES, seconds: SECONDS, threads: TORCH_THREADS })], { encoding: 'utf8' })
  if (py.status !== 0) process.stderr.write(`PyTorch side failed (status ${py.status}): ${py.stderr}\n`)
  else {
    const parsed = JSON.parse(py.stdout) as { torch: string; rates: Record<string, Record<string, number>> }
    torchRates = parsed.rates
    torchVersion = parsed.torch
  }
} finally {
  rmSync(tmp, { recursive: true, force: true })
}

const rows = models.flatMap((m) => BATCHES.map((b) => {
  const g = ours[m.name][b], t = torchRates[m.name]?.[b]
  return { model: m.name, kind: m.kind, batch: b, glyphdesk: g, pytorch: t ?? null, ratio: t ? g / t : null }
}))
if (args.includes('--json')) process.stdout.write(JSON.stringify({ seconds: SECONDS, threads: ONNX_INTRA_OP_THREADS, torchThreads: TORCH_THREADS, torch: torchVersion, rows }) + '\n')
else {
  process.stdout.write(`glyphs/second, ${SECONDS} s per cell; Glyphdesk ${ONNX_INTRA_OP_THREADS} threads, PyTorch ${torchVersion} ${TORCH_THREADS} thread(s)\n`)
  process.stdout.write('| model | batch | Glyphdesk | PyTorch | Glyphdesk / PyTorch |\n|---|---:|---:|---:|---:|\n')
  for (const r of rows) process.stdout.write(`| ${r.model} (${r.kind}) | ${r.batch} | ${Math.round(r.glyphdesk)} | ${r.pytorch === null ? '—' : Math.round(r.pytorch)} | ${r.ratio === null ? '—' : r.ratio.toFixed(2) + '×'} |\n`)
}

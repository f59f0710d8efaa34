// Benchmark: one training epoch of the 1024-64-36 sigmoid MLP (batch 32, plain SGD, 10800
// glyph-like inputs) in Glyphdesk vs the NumPy reference (bench/reference/mlp_numpy.py) and the
// PyTorch CPU reference (bench/reference/mlp_torch.py, same algorithm, --torch-threads, default 1
// like Glyphdesk's training loop). All runs get the same data, sample order and initial weights
// (written to a temp dir), so besides the times we can check that they compute the same thing.
// After one warm-up epoch each, Glyphdesk, NumPy and PyTorch epochs alternate (the machine's load
// drifts); min and median of each side, and the ratios of paired runs.
// Debian's NumPy and PyTorch both run their products on the system OpenBLAS (pthreads, one thread per core), whose
// threads keep spinning for ~0.1 s after each call. So every timed epoch starts after --settle-ms (default 300) of
// quiet, and the PyTorch child runs in torchEnv (bench/torchEnv.ts: its OpenBLAS and OpenMP pools at --torch-threads,
// OpenMP waiting passively; torch.set_num_threads alone does not reach OpenBLAS, and a "1-thread" PyTorch ran its
// products on two spinning threads). NumPy keeps its BLAS as found (printed).
//   node --import tsx bench/train-epoch.ts [--reps 7] [--n 10800] [--no-numpy] [--no-torch] [--torch-threads 1] [--gemm-threads 1,2]
//     [--settle-ms 300] [--breakdown]
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { cpus, loadavg, tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { createInterface } from 'node:readline'
import { fileURLToPath } from 'node:url'
import { countCorrect } from '../src/main/nn/kernels.ts'
import { Mlp } from '../src/main/nn/mlp.ts'
import type { Activation, Dense } from '../src/main/nn/layers.ts'
import { Rng } from '../src/main/nn/rng.ts'
import { GEMM_THREADS } from '../src/main/nn/simd.ts'
import { trainMlp, type LabelledGlyphs } from '../src/main/nn/train.ts'
import { torchEnv } from './torchEnv.ts'

const args = process.argv.slice(2)
const opt = (name: string, dflt: number): number => {
  const i = args.indexOf(`--${name}`)
  return i >= 0 ? Number(args[i + 1]) : dflt
}
const REPS = opt('reps', 7)
const SETTLE_MS = opt('settle-ms', 300)
const settle = (): Promise<void> => new Promise((resolve) => setTimeout(resolve, SETTLE_MS))
const N = opt('n', 10800)
const LR = 0.01
const SIZES = [1024, 64, 36]
const here = dirname(fileURLToPath(import.meta.url))

/** Glyph-like inputs: background 1 with three dark strokes (row, column or diagonal), random labels. */
function glyphLike(n: number, rng: Rng): LabelledGlyphs {
  const x = new Float32Array(n * 1024).fill(1)
  const y = new Uint8Array(n)
  for (let i = 0; i < n; i++) {
    const o = i * 1024
    for (let s = 0; s < 3; s++) {
      const kind = rng.int(3),
        p = 4 + rng.int(24)
      for (let t = 4; t < 28; t++) x[o + (kind === 0 ? p * 32 + t : kind === 1 ? t * 32 + p : t * 32 + t)] = 0
    }
    y[i] = rng.int(36)
  }
  return { x, y, n }
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]
const le = (a: Float32Array | Uint8Array | Uint32Array): Buffer => Buffer.from(a.buffer, a.byteOffset, a.byteLength) // host is little-endian (x86/arm64)

const rng = new Rng(1)
const data = glyphLike(N, rng)
// --gemm-threads 1,2: one Glyphdesk side per setting (simd.ts: 2 = the layer-1 gemms split by columns with
// a helper thread; the default is the machine's, see GEMM_THREADS).
const gi = args.indexOf('--gemm-threads')
const THREADS = (gi >= 0 ? args[gi + 1] : String(GEMM_THREADS)).split(',').map((t) => (t === '2' ? 2 : 1) as 1 | 2)
const mlps = THREADS.map(
  (t) => new Mlp({ sizes: SIZES, activation: 'sigmoid', seed: 1 }, { maxBatch: 32, gemmThreads: t })
)
const mlp = mlps[0]
const init = mlp.copyWeights()
const cfg = { epochs: 1, lr: LR, batch: 32, momentum: 0, optimizer: 'sgd' as const, seed: 7 }

// The sample order trainMlp will use for its first epoch (same RNG, same shuffle).
const order = Uint32Array.from({ length: N }, (_, i) => i)
new Rng(cfg.seed).shuffle(order)

const sum = (a: ArrayLike<number>): number => {
  let s = 0
  for (let i = 0; i < a.length; i++) s += a[i]
  return s
}

/** One Glyphdesk epoch from the initial weights: wall and CPU seconds, loss and accuracy. */
async function ourEpoch(net: Mlp = mlp): Promise<{ seconds: number; cpu: number; loss: number; acc: number }> {
  net.setWeights(init)
  const c0 = process.cpuUsage(),
    t0 = performance.now()
  const res = await trainMlp(net, data, undefined, cfg)
  const seconds = (performance.now() - t0) / 1000,
    c = process.cpuUsage(c0)
  return { seconds, cpu: (c.user + c.system) / 1e6, loss: res.curves[0].trainLoss, acc: res.curves[0].trainAcc }
}

/** A Python reference as a child process answering one epoch per request (see mlp_numpy.py --serve). */
class PyRef {
  private readonly child: ChildProcessWithoutNullStreams
  private readonly lines: AsyncIterator<string>
  private stderr = ''
  constructor(
    readonly label: string,
    script: string,
    readonly dir: string,
    extra: string[] = [],
    env: NodeJS.ProcessEnv = process.env
  ) {
    this.child = spawn(
      '/usr/bin/python3',
      [join(here, 'reference', script), '--inputs', dir, '--lr', String(LR), '--serve', ...extra],
      { env }
    )
    this.child.stderr.on('data', (b: Buffer) => {
      this.stderr += b.toString()
    })
    this.lines = createInterface({ input: this.child.stdout })[Symbol.asyncIterator]()
  }
  async ask<T>(cmd: string): Promise<T> {
    this.child.stdin.write(cmd + '\n')
    const next = await this.lines.next()
    if (next.done) {
      const code = await new Promise<number | null>((resolve) =>
        this.child.exitCode !== null ? resolve(this.child.exitCode) : this.child.on('exit', resolve)
      )
      throw new Error(
        code === 3
          ? `${this.label} is not installed for /usr/bin/python3: ${this.stderr.trim()}`
          : `${this.label} reference failed (exit ${code}): ${this.stderr.trim()}`
      )
    }
    return JSON.parse(next.value)
  }
  close(): void {
    this.child.stdin.end()
  }
}

const fmt = (xs: number[]): string => `min ${Math.min(...xs).toFixed(3)} s, median ${median(xs).toFixed(3)} s`
const withNumpy = !args.includes('--no-numpy')
const withTorch = !args.includes('--no-torch')
const TORCH_THREADS = opt('torch-threads', 1)
const dir = mkdtempSync(join(tmpdir(), 'glyphdesk-bench-'))
const refs: { ref: PyRef; prefix: string; times: { seconds: number; cpu: number }[] }[] = []
try {
  if (withNumpy || withTorch) {
    writeFileSync(join(dir, 'x.f32'), le(data.x))
    writeFileSync(join(dir, 'y.u8'), le(data.y))
    writeFileSync(join(dir, 'order.u32'), le(order))
    init.forEach((t, i) => writeFileSync(join(dir, ['W1', 'b1', 'W2', 'b2'][i] + '.f32'), le(t.data as Float32Array)))
  }
  if (withNumpy) refs.push({ ref: new PyRef('NumPy', 'mlp_numpy.py', dir), prefix: 'numpy', times: [] })
  if (withTorch)
    refs.push({
      ref: new PyRef('PyTorch', 'mlp_torch.py', dir, ['--threads', String(TORCH_THREADS)], torchEnv(TORCH_THREADS)),
      prefix: 'torch',
      times: []
    })
  // One warm-up epoch each (JIT, wasm tier-up, first touch of the data), then alternate
  // the sides so that load from other processes hits them alike.
  for (const net of mlps) await ourEpoch(net)
  for (const r of refs) await r.ref.ask('epoch')
  const oursBy: Awaited<ReturnType<typeof ourEpoch>>[][] = mlps.map(() => [])
  for (let r = 0; r < REPS; r++) {
    for (let v = 0; v < mlps.length; v++) {
      await settle()
      oursBy[v].push(await ourEpoch(mlps[v]))
    }
    for (const side of refs) {
      await settle()
      side.times.push(await side.ref.ask<{ seconds: number; cpu: number }>('epoch'))
    }
  }
  console.log(
    `load average ${loadavg()
      .map((v) => v.toFixed(2))
      .join(' ')}; ${cpus()[0]?.model ?? 'cpu'}, ${cpus().length} cores, Node ${process.version}`
  )
  for (let v = 0; v < mlps.length; v++) {
    const o = oursBy[v],
      w = o.map((e) => e.seconds),
      l = o[o.length - 1]
    console.log(
      `glyphdesk (gemm threads ${THREADS[v]}): epoch ${fmt(w)} (wall, ${REPS} runs: ${w.map((t) => t.toFixed(3)).join(', ')}; CPU median ${median(o.map((e) => e.cpu)).toFixed(3)} s), loss ${l.loss.toFixed(6)}, acc ${l.acc.toFixed(4)}`
    )
    if (v > 0) {
      const same = mlps[v].params().every((p, i) => p.value.every((x, k) => Object.is(x, mlp.params()[i].value[k])))
      console.log(
        `  weights after one epoch ${same ? 'bit-identical to' : 'DIFFER from'} gemm threads ${THREADS[0]}; wall ratio to it: medians ${(median(w) / median(oursBy[0].map((e) => e.seconds))).toFixed(3)}`
      )
    }
  }
  const ours = oursBy[0]
  const last = ours[ours.length - 1]
  for (const side of refs) {
    const summary = await side.ref.ask<{
      numpy?: string
      torch?: string
      threads?: number
      trainLoss: number
      trainAcc: number
      env?: unknown
      finalW1Sum: number
    }>('finish')
    const nw = side.times.map((t) => t.seconds)
    const version =
      side.prefix === 'numpy'
        ? `numpy ${summary.numpy}`
        : `torch ${summary.torch} (${summary.threads} thread${summary.threads === 1 ? '' : 's'})`
    console.log(
      `${version}: epoch ${fmt(nw)} (wall, ${REPS} runs: ${nw.map((t) => t.toFixed(3)).join(', ')}; CPU median ${median(side.times.map((t) => t.cpu)).toFixed(3)} s), loss ${summary.trainLoss.toFixed(6)}, acc ${summary.trainAcc.toFixed(4)}`
    )
    if (summary.env)
      console.log(
        `  BLAS env as found: ${JSON.stringify(summary.env)}; OPENBLAS_CORETYPE=${process.env.OPENBLAS_CORETYPE ?? '(unset)'}`
      )
    for (let v = 0; v < mlps.length; v++) {
      const mine = oursBy[v].map((o) => o.seconds)
      const paired = mine.map((t, i) => t / nw[i])
      const cpuRatio = median(oursBy[v].map((o) => o.cpu)) / median(side.times.map((t) => t.cpu))
      console.log(
        `ratio glyphdesk (gemm threads ${THREADS[v]})/${side.prefix}: wall medians ${(median(mine) / median(nw)).toFixed(3)}, mins ${(Math.min(...mine) / Math.min(...nw)).toFixed(3)}, paired runs min ${Math.min(...paired).toFixed(3)} median ${median(paired).toFixed(3)}; CPU medians ${cpuRatio.toFixed(3)}  (<1 means Glyphdesk is faster)`
      )
    }
    // Same data, order and init: the final weights should agree to float32 rounding.
    let maxDiff = 0
    ;['W1', 'b1', 'W2', 'b2'].forEach((name, i) => {
      const buf = readFileSync(join(dir, `${side.prefix}_${name}.f32`))
      const theirW = new Float32Array(buf.buffer, buf.byteOffset, buf.length / 4)
      const mine = mlp.dense[i >> 1][i & 1 ? 'b' : 'W']
      for (let k = 0; k < mine.length; k++) maxDiff = Math.max(maxDiff, Math.abs(mine[k] - theirW[k]))
    })
    console.log(
      `  same algorithm check vs ${side.prefix}: max |Δweight| after one epoch = ${maxDiff.toExponential(2)}, |Δloss| = ${Math.abs(summary.trainLoss - last.loss).toExponential(2)} (W1 sum ${sum(mlp.dense[0].W).toFixed(4)} vs ${summary.finalW1Sum.toFixed(4)})`
    )
  }
} catch (e) {
  console.error((e as Error).message)
  process.exitCode = 1
} finally {
  for (const side of refs) side.ref.close()
  rmSync(dir, { recursive: true, force: true })
}

if (args.includes('--breakdown')) breakdown()

/** Where one epoch's time goes: the same steps as trainMlp (plain SGD: the fused path), timed per phase. */
function breakdown(): void {
  const B = 32,
    d = 1024
  mlp.setWeights(init)
  const xb = mlp.inputBuffer().subarray(0, B * d),
    yb = new Uint8Array(B)
  const [dense0, act, dense1] = mlp.layers as [Dense, Activation, Dense]
  const rows = Array.from({ length: N }, (_, i) => data.x.subarray(i * d, (i + 1) * d))
  const t = { gather: 0, fwd0: 0, act: 0, fwd1: 0, loss: 0, bwd1: 0, actBwd: 0, bwd0: 0 }
  let now = performance.now()
  const lap = (k: keyof typeof t): void => {
    const n = performance.now()
    t[k] += n - now
    now = n
  }
  for (let s = 0; s + B <= N; s += B) {
    now = performance.now()
    for (let r = 0; r < B; r++) {
      xb.set(rows[order[s + r]], r * d)
      yb[r] = data.y[order[s + r]]
    }
    lap('gather')
    const a = dense0.forward(xb, B)
    lap('fwd0')
    const h = act.forward(a, B)
    lap('act')
    const z = dense1.forward(h, B)
    lap('fwd1')
    mlp.loss.forward(z, yb, B)
    countCorrect(B, 36, mlp.loss.lastProbs(), yb)
    const dz = mlp.loss.backward(yb, B)
    lap('loss')
    const dh = dense1.backwardSgd(dz, B, LR)!
    lap('bwd1')
    const da = act.backward(dh, B)
    lap('actBwd')
    dense0.backwardSgd(da, B, LR)
    lap('bwd0')
  }
  const total = Object.values(t).reduce((a, b) => a + b, 0)
  console.log(
    `breakdown (ms per epoch, ${Math.floor(N / B)} full batches; bwd = gradient gemms fused with the SGD update): ` +
      Object.entries(t)
        .map(([k, v]) => `${k} ${v.toFixed(1)} (${((100 * v) / total).toFixed(0)}%)`)
        .join(', ')
  )
}

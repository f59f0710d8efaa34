// Microbenchmark of the arena gemms (simd.ts) on the products of training and inference: GMAC/s of the
// fastest and the median of R timed blocks (each block repeats the product until ~20 ms have passed),
// for each gemm-thread setting. On a shared machine the minimum is the figure to compare.
//   node --import tsx bench/gemm-kernels.ts [--blocks 15] [--threads 1,2] [--only NAME]
import { gemmNN, gemmTNSgd } from '../src/main/nn/kernels.ts'
import { Rng } from '../src/main/nn/rng.ts'
import { createArena, type Arena } from '../src/main/nn/simd.ts'

const args = process.argv.slice(2)
const opt = (name: string, dflt: string): string => {
  const i = args.indexOf(`--${name}`)
  return i >= 0 ? args[i + 1] : dflt
}
const BLOCKS = Number(opt('blocks', '15'))
const THREADS = opt('threads', '1,2')
  .split(',')
  .map((t) => (t === '2' ? 2 : 1) as 1 | 2)
const ONLY = opt('only', '')

interface Shape {
  name: string
  m: number
  n: number
  k: number
  kind: 'NN' | 'TNSgd' | 'TNSgdT'
}
const SHAPES = (
  [
    { name: 'train-fwd0 X·W1 (32×64×1024)', m: 32, n: 64, k: 1024, kind: 'NN' },
    { name: 'train-bwd0 W1 −= lr·Xᵀ·dA (1024×64×32), X read by columns', m: 1024, n: 64, k: 32, kind: 'TNSgd' },
    { name: 'train-bwd0 W1 −= lr·Xᵀ·dA (1024×64×32), X transposed first', m: 1024, n: 64, k: 32, kind: 'TNSgdT' },
    { name: 'train-fwd0, batch 64 (64×64×1024)', m: 64, n: 64, k: 1024, kind: 'NN' },
    { name: 'train-bwd0, batch 64 (1024×64×64), X read by columns', m: 1024, n: 64, k: 64, kind: 'TNSgd' },
    { name: 'train-fwd0, batch 128 (128×64×1024)', m: 128, n: 64, k: 1024, kind: 'NN' },
    { name: 'train-bwd0, batch 128 (1024×64×128), X read by columns', m: 1024, n: 64, k: 128, kind: 'TNSgd' },
    { name: 'infer mlp-baseline X·W1 (256×64×1024)', m: 256, n: 64, k: 1024, kind: 'NN' },
    { name: 'infer mlp-best X·W1 (256×256×1024)', m: 256, n: 256, k: 1024, kind: 'NN' }
  ] satisfies Shape[]
).filter((s) => ONLY === '' || s.name.includes(ONLY))

function fill(a: Float32Array, rng: Rng): Float32Array {
  for (let i = 0; i < a.length; i++) a[i] = rng.normal() * 0.1
  return a
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]

for (const s of SHAPES) {
  for (const t of THREADS) {
    const arena: Arena = createArena(2 * s.m * s.k + s.k * s.n + s.m * s.n + 1024, t)!
    const rng = new Rng(1)
    const { m, n, k } = s
    const A = fill(arena.alloc(m * k)!, rng),
      B = fill(arena.alloc(k * n)!, rng),
      C = fill(arena.alloc(m * n)!, rng)
    const G = new Float32Array(m * n),
      aT = arena.alloc(m * k)!
    const run = (): void => {
      if (s.kind === 'NN') gemmNN(m, n, k, A, B, C, false)
      else gemmTNSgd(m, n, k, A, B, C, 1e-9, G, s.kind === 'TNSgdT' ? aT : undefined)
    }
    for (let i = 0; i < 50; i++) run()
    let reps = 1
    for (;;) {
      const t0 = performance.now()
      for (let i = 0; i < reps; i++) run()
      if (performance.now() - t0 > 20) break
      reps *= 2
    }
    const rates: number[] = [],
      cpus: number[] = []
    for (let b = 0; b < BLOCKS; b++) {
      const c0 = process.cpuUsage(),
        t0 = performance.now()
      for (let i = 0; i < reps; i++) run()
      const sec = (performance.now() - t0) / 1000,
        c = process.cpuUsage(c0)
      rates.push((m * n * k * reps) / sec / 1e9)
      cpus.push((c.user + c.system) / 1e6 / reps)
    }
    console.log(
      `${s.name}, ${t} thread(s): max ${Math.max(...rates).toFixed(1)} GMAC/s, median ${median(rates).toFixed(1)} GMAC/s; ` +
        `${((m * n * k) / Math.max(...rates) / 1e3).toFixed(1)} µs per product; CPU ${(median(cpus) * 1e6).toFixed(1)} µs median`
    )
  }
}

// Seeded randomness for training: one reproducible stream per run, whose state can be saved
// into a checkpoint and restored so a resumed run draws exactly the numbers it would have drawn.
// Generator: xoshiro128** (32-bit, fast in JS) seeded through splitmix32 so nearby seeds give
// unrelated streams.

export interface RngState {
  /** xoshiro128** state, four uint32 words. */
  s: [number, number, number, number]
  /** Box–Muller yields normals in pairs; the unused one is part of the state. */
  spareNormal: number | null
}

function splitmix32(seed: number): () => number {
  let x = seed >>> 0
  return () => {
    x = (x + 0x9e3779b9) >>> 0
    let z = x
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0
    return (z ^ (z >>> 16)) >>> 0
  }
}

const TWO_POW_M53 = 1 / 9007199254740992

export class Rng {
  private s0 = 0
  private s1 = 0
  private s2 = 0
  private s3 = 0
  private spare: number | null = null

  constructor(seed: number) {
    if (!Number.isFinite(seed)) throw new RangeError(`Rng seed must be a finite number, got ${seed}`)
    // Fold seeds beyond 32 bits in rather than silently truncating them.
    const hi = Math.floor(seed / 4294967296) >>> 0
    const next = splitmix32((seed >>> 0) ^ Math.imul(hi, 0x27d4eb2d))
    this.s0 = next()
    this.s1 = next()
    this.s2 = next()
    this.s3 = next()
    if ((this.s0 | this.s1 | this.s2 | this.s3) === 0) this.s0 = 1 // all-zero state is a fixed point
  }

  /** Next uniform uint32. */
  nextU32(): number {
    const s0 = this.s0,
      s1 = this.s1
    const result = Math.imul(rotl(Math.imul(s1, 5), 7), 9) >>> 0
    const t = s1 << 9
    let s2 = this.s2 ^ s0
    let s3 = this.s3 ^ s1
    this.s1 = s1 ^ s2
    this.s0 = s0 ^ s3
    s2 ^= t
    s3 = rotl(s3, 11)
    this.s2 = s2 | 0
    this.s3 = s3 | 0
    this.s0 |= 0
    this.s1 |= 0
    return result
  }

  /** Uniform in [0, 1) with 53 bits of precision. */
  uniform(): number {
    const hi = this.nextU32() >>> 5,
      lo = this.nextU32() >>> 6
    return (hi * 67108864 + lo) * TWO_POW_M53
  }

  /** Uniform in [lo, hi). */
  uniformIn(lo: number, hi: number): number {
    return lo + (hi - lo) * this.uniform()
  }

  /** Standard normal via Box–Muller (pairs cached). */
  normal(mean = 0, std = 1): number {
    if (this.spare !== null) {
      const z = this.spare
      this.spare = null
      return mean + std * z
    }
    let u = 0
    do u = this.uniform()
    while (u === 0) // log(0) would give -Infinity
    const v = this.uniform()
    const r = Math.sqrt(-2 * Math.log(u))
    const theta = 2 * Math.PI * v
    this.spare = r * Math.sin(theta)
    return mean + std * r * Math.cos(theta)
  }

  /** Uniform integer in [0, n), unbiased (rejection sampling), n ≤ 2^32. */
  int(n: number): number {
    if (!(n >= 1 && n <= 4294967296 && Number.isInteger(n)))
      throw new RangeError(`Rng.int needs an integer 1 ≤ n ≤ 2^32, got ${n}`)
    const limit = 4294967296 - (4294967296 % n)
    let x = this.nextU32()
    while (x >= limit) x = this.nextU32()
    return x % n
  }

  /** In-place Fisher–Yates shuffle (uniform over permutations). */
  shuffle(a: Uint32Array): void {
    for (let i = a.length - 1; i > 0; i--) {
      const j = this.int(i + 1)
      const t = a[i]
      a[i] = a[j]
      a[j] = t
    }
  }

  getState(): RngState {
    return { s: [this.s0 >>> 0, this.s1 >>> 0, this.s2 >>> 0, this.s3 >>> 0], spareNormal: this.spare }
  }

  setState(state: RngState): void {
    const { s } = state
    if (!Array.isArray(s) || s.length !== 4 || s.some((w) => !Number.isInteger(w) || w < 0 || w > 0xffffffff)) {
      throw new RangeError('RngState.s must be four uint32 words')
    }
    this.s0 = s[0] | 0
    this.s1 = s[1] | 0
    this.s2 = s[2] | 0
    this.s3 = s[3] | 0
    this.spare = state.spareNormal
  }

  static fromState(state: RngState): Rng {
    const r = new Rng(0)
    r.setState(state)
    return r
  }
}

function rotl(x: number, k: number): number {
  return (x << k) | (x >>> (32 - k))
}

/**
 * Cheap per-pixel noise for rendering (synthetic glyphs, page photos): the sum of two uniforms from an inline
 * xorshift32 seeded once from `rng`, centred, with standard deviation about `sd`. The shape of such noise does not
 * matter, its scale does, and an Rng call per pixel would dominate the run time.
 */
export function pixelNoise(rng: Rng, sd: number): () => number {
  let state = rng.nextU32() | 1
  const k = (sd * 2.45) / 4294967296
  return () => {
    state ^= state << 13
    state ^= state >>> 17
    state ^= state << 5
    const a = state >>> 0
    state ^= state << 13
    state ^= state >>> 17
    state ^= state << 5
    return k * (a + (state >>> 0) - 4294967295)
  }
}

// Training allocates no typed arrays per batch: every buffer of a step (the gathered batch, the
// activations, the gradients, the probabilities) is made once and reused. Checked by counting, between
// consecutive batches of trainMlp, every typed-array and ArrayBuffer construction and every
// subarray/slice (a view is an allocation too), through constructors replaced by counting proxies.
import { afterEach, describe, expect, it } from 'vitest'
import { Mlp } from '../../../src/main/nn/mlp.ts'
import { trainMlp, type TrainConfig } from '../../../src/main/nn/train.ts'
import { blobs } from './fixtures.ts'

const CTORS = [
  'Float32Array',
  'Float64Array',
  'Uint8Array',
  'Uint16Array',
  'Uint32Array',
  'Int8Array',
  'Int16Array',
  'Int32Array',
  'ArrayBuffer'
] as const
type Ctor = (typeof CTORS)[number]
const g = globalThis as unknown as Record<Ctor, unknown>
const originals = Object.fromEntries(CTORS.map((c) => [c, g[c]]))
const typedProto = Object.getPrototypeOf(Int8Array.prototype) as { subarray: unknown; slice: unknown }
const viewMethods = { subarray: typedProto.subarray, slice: typedProto.slice }
let allocations = 0

function countAllocations(): void {
  for (const c of CTORS) {
    g[c] = new Proxy(originals[c] as object, {
      construct(target, args, newTarget) {
        allocations++
        return Reflect.construct(
          target as new (...a: unknown[]) => object,
          args,
          newTarget === g[c] ? (target as new (...a: unknown[]) => object) : newTarget
        )
      }
    })
  }
  for (const m of ['subarray', 'slice'] as const) {
    const f = viewMethods[m] as (...a: unknown[]) => unknown
    typedProto[m] = function (this: unknown, ...a: unknown[]) {
      allocations++
      return f.apply(this, a)
    }
  }
}

afterEach(() => {
  for (const c of CTORS) g[c] = originals[c]
  typedProto.subarray = viewMethods.subarray
  typedProto.slice = viewMethods.slice
})

describe('training allocates nothing per batch', () => {
  const cases: [string, Partial<TrainConfig>][] = [
    ['plain SGD (the fused path)', { optimizer: 'sgd', momentum: 0 }],
    ['SGD with momentum', { optimizer: 'sgd', momentum: 0.9 }],
    ['Adam', { optimizer: 'adam', momentum: 0 }]
  ]
  for (const [what, opt] of cases) {
    it(what, async () => {
      // The benchmark's shape (1024-64-36, batch 32) on 330 random glyphs: 10 full batches and a short one.
      const data = blobs(330, 1024, 36, 3)
      const mlp = new Mlp({ sizes: [1024, 64, 36], activation: 'sigmoid', seed: 1 }, { maxBatch: 32 })
      const marks: number[] = []
      countAllocations()
      const res = await trainMlp(
        mlp,
        data,
        undefined,
        { epochs: 2, lr: 0.01, batch: 32, momentum: 0, optimizer: 'sgd', seed: 2, ...opt } as TrainConfig,
        {
          onBatch: () => {
            marks.push(allocations)
          }
        }
      )
      expect(res.curves).toHaveLength(2)
      expect(marks).toHaveLength(22)
      const perBatch = marks.slice(1).map((m, i) => m - marks[i])
      // perBatch[i] is what batch i+1 allocated. Only the first short batch (index 9, the first
      // batch of 10 rows) may make its views; every other batch, the whole second epoch included
      // (its short batch and the epoch boundary), allocates nothing.
      const others = perBatch.filter((_, i) => i !== 9)
      expect(others).toEqual(new Array(others.length).fill(0))
      // The counter works: the setup (buffers, views of the training rows) was counted.
      expect(marks[0]).toBeGreaterThan(330)
    })
  }
})

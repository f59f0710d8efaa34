import { describe, expect, it } from 'vitest'
import { Mlp } from '../../../src/main/nn/mlp.ts'
import type { Rng } from '../../../src/main/nn/rng.ts'
import { trainStateFromJSON, trainStateToJSON } from '../../../src/main/nn/serialise.ts'
import { DivergedError, evaluateMlp, trainMlp, type TrainConfig, type TrainHooks } from '../../../src/main/nn/train.ts'
import { blobs, sameBits } from './fixtures.ts'

const DIM = 16,
  CLASSES = 4
const train = blobs(203, DIM, CLASSES, 1) // 203 = 12 full batches of 16 + a short one
const valid = blobs(200, DIM, CLASSES, 2)
const net = (seed = 5): Mlp => new Mlp({ sizes: [DIM, 12, CLASSES], activation: 'sigmoid', seed })
const weightsOf = (m: Mlp): Float32Array[] => m.weights().map((t) => t.data as Float32Array)

/** Flips the sign of ~10% of pixels, drawing from the training RNG (so resume must restore it). */
function augment(x: Float32Array, n: number, rng: Rng): void {
  for (let i = 0; i < n * DIM; i++) if (rng.uniform() < 0.1) x[i] = -x[i]
}

describe('trainMlp', () => {
  it('learns a small separable problem to >95% validation accuracy', async () => {
    const mlp = net()
    const epochs: number[] = []
    const { curves, stopped } = await trainMlp(
      mlp,
      train,
      valid,
      { epochs: 15, lr: 0.5, batch: 16, momentum: 0.9, optimizer: 'sgd', seed: 1 },
      {
        onEpoch: (s) => epochs.push(s.epoch)
      }
    )
    expect(stopped).toBe(false)
    expect(epochs).toEqual(Array.from({ length: 15 }, (_, i) => i + 1))
    expect(curves[14].validAcc).toBeGreaterThan(0.95)
    expect(curves[14].trainLoss).toBeLessThan(curves[0].trainLoss)
    const ev = evaluateMlp(mlp, valid)
    expect(ev.accuracy).toBeCloseTo(curves[14].validAcc!, 12)
    expect(ev.loss).toBeCloseTo(curves[14].validLoss!, 6)
    expect(ev.predictions).toHaveLength(200)
    expect(ev.probs).toHaveLength(200 * CLASSES)
  })

  it('gives bit-identical weights for identical seeds after one epoch, and different ones for different seeds', async () => {
    const cfg: TrainConfig = { epochs: 1, lr: 0.1, batch: 16, momentum: 0.9, optimizer: 'sgd', seed: 11 }
    const [a, b, c, d] = [net(5), net(5), net(5), net(6)]
    await trainMlp(a, train, undefined, cfg, { augment })
    await trainMlp(b, train, undefined, cfg, { augment })
    await trainMlp(c, train, undefined, { ...cfg, seed: 12 }, { augment }) // same init, other shuffle
    await trainMlp(d, train, undefined, cfg, { augment }) // other init, same shuffle
    expect(sameBits(weightsOf(a), weightsOf(b))).toBe(true)
    expect(sameBits(weightsOf(a), weightsOf(c))).toBe(false)
    expect(sameBits(weightsOf(a), weightsOf(d))).toBe(false)
  })

  for (const optimizer of ['sgd', 'adam'] as const) {
    it(`resumes after abort to bit-identical weights and curves (${optimizer}, through a JSON checkpoint, twice)`, async () => {
      const cfg: TrainConfig = {
        epochs: 3,
        lr: optimizer === 'sgd' ? 0.2 : 0.01,
        batch: 16,
        momentum: 0.9,
        optimizer,
        weightDecay: 1e-3,
        seed: 21
      }
      const full = net()
      const ref = await trainMlp(full, train, valid, cfg, { augment })

      // Abort mid-epoch 2 (batch 5), then again at the very last batch of epoch 2.
      const stopAt = (epoch: number, batchIdx: number): TrainHooks => {
        const ctl = new AbortController()
        return {
          augment,
          signal: ctl.signal,
          onBatch: (e, b) => {
            if (e === epoch && b === batchIdx) ctl.abort()
          }
        }
      }
      const first = await trainMlp(net(), train, valid, cfg, stopAt(2, 5))
      expect(first.stopped).toBe(true)
      expect([first.state.epoch, first.state.batch]).toEqual([1, 6])
      const viaDisk = (s: typeof first.state) => trainStateFromJSON(JSON.parse(JSON.stringify(trainStateToJSON(s))))
      const second = await trainMlp(net(99), train, valid, cfg, { ...stopAt(2, 12), resume: viaDisk(first.state) })
      expect(second.stopped).toBe(true)
      expect([second.state.epoch, second.state.batch]).toEqual([2, 0])
      const resumed = net(123) // a different init: the checkpoint's weights must win
      const last = await trainMlp(resumed, train, valid, cfg, { augment, resume: viaDisk(second.state) })
      expect(last.stopped).toBe(false)
      expect(sameBits(weightsOf(resumed), weightsOf(full))).toBe(true)
      const strip = (c: typeof ref.curves) => c.map(({ seconds: _s, ...rest }) => rest)
      expect(strip(last.curves)).toEqual(strip(ref.curves))
      // Sanity: the interrupted run really did stop early.
      expect(first.curves).toHaveLength(1)
    })
  }

  it('stops when the signal is aborted from a timer while training runs', async () => {
    const ctl = new AbortController()
    const big = blobs(4000, DIM, CLASSES, 3)
    setTimeout(() => ctl.abort(), 60)
    const res = await trainMlp(
      net(),
      big,
      undefined,
      { epochs: 10_000, lr: 0.1, batch: 8, momentum: 0, optimizer: 'sgd', seed: 1 },
      { signal: ctl.signal }
    )
    expect(res.stopped).toBe(true)
    expect(res.state.epoch).toBeLessThan(10_000)
  })

  for (const activation of ['sigmoid', 'relu'] as const) {
    it(`throws DivergedError naming epoch, batch and lr when lr=1e6 (${activation})`, async () => {
      const mlp = new Mlp({ sizes: [DIM, 12, CLASSES], activation, seed: 5 })
      const before = mlp.copyWeights()
      const batches: number[] = []
      const err = await trainMlp(
        mlp,
        train,
        undefined,
        { epochs: 50, lr: 1e6, batch: 16, momentum: 0.9, optimizer: 'sgd', seed: 1 },
        {
          onBatch: (_e, b) => batches.push(b)
        }
      ).then(
        () => null,
        (e: unknown) => e
      )
      expect(err).toBeInstanceOf(DivergedError)
      const d = err as DivergedError
      expect(d.lr).toBe(1e6)
      expect(d.epoch).toBe(1) // it blows up within the first epoch
      expect(d.batch).toBe(batches.length) // the batch after the last one reported as done
      expect(d.message).toMatch(/epoch 1, batch \d+ with learning rate 1000000; try a smaller learning rate/)
      expect(!(d.loss <= 1000)).toBe(true)
      expect(
        sameBits(
          weightsOf(mlp),
          before.map((t) => t.data)
        )
      ).toBe(false)
    })
  }

  it('does not call a healthy run diverged', async () => {
    await expect(
      trainMlp(net(), train, undefined, { epochs: 2, lr: 0.5, batch: 16, momentum: 0.9, optimizer: 'sgd', seed: 1 })
    ).resolves.toMatchObject({ stopped: false })
  })

  it('rejects labels outside the network’s classes', async () => {
    const bad = { ...train, y: train.y.map((v, i) => (i === 7 ? 9 : v)) }
    await expect(
      trainMlp(net(), bad, undefined, { epochs: 1, lr: 0.1, batch: 16, momentum: 0, optimizer: 'sgd', seed: 1 })
    ).rejects.toThrow(/label 9 at row 7/)
  })
})

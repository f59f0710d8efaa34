import { mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { Mlp } from '../../../src/main/nn/mlp.ts'
import { loadCheckpoint, loadMlp, ModelFileError, saveCheckpoint, saveMlp } from '../../../src/main/nn/serialise.ts'
import { trainMlp } from '../../../src/main/nn/train.ts'
import { blobs, sameBits } from './fixtures.ts'

const root = await mkdtemp(join(tmpdir(), 'glyphdesk-nn-'))
afterAll(() => rm(root, { recursive: true, force: true }))
const dirFor = (name: string): string => join(root, name)

async function savedModel(name: string): Promise<{ dir: string; mlp: Mlp }> {
  const mlp = new Mlp({ sizes: [1024, 64, 36], activation: 'relu', seed: 9 })
  mlp.dense[1].b[3] = 0.25 // non-zero bias, to see it survive
  const dir = dirFor(name)
  await saveMlp(dir, mlp, { trainedOn: 'fixture', validAcc: 0.5 })
  return { dir, mlp }
}

async function expectProblem(p: Promise<unknown>, problem: string, message: RegExp): Promise<void> {
  const err = await p.then(
    () => null,
    (e: unknown) => e
  )
  expect(err).toBeInstanceOf(ModelFileError)
  expect((err as ModelFileError).problem).toBe(problem)
  expect((err as Error).message).toMatch(message)
}

describe('model files', () => {
  it('round-trips weights bit-exactly with the manifest and card, leaving no temp files', async () => {
    const { dir, mlp } = await savedModel('roundtrip')
    expect((await readdir(dir)).sort()).toEqual(['model.json', 'weights.bin'])
    const { mlp: loaded, manifest, card } = await loadMlp(dir)
    expect(
      sameBits(
        loaded.weights().map((t) => t.data),
        mlp.weights().map((t) => t.data)
      )
    ).toBe(true)
    expect(manifest).toMatchObject({
      formatVersion: 1,
      kind: 'mlp',
      sizes: [1024, 64, 36],
      activation: 'relu',
      weightsBytes: (1024 * 64 + 64 + 64 * 36 + 36) * 4
    })
    expect(manifest.classes.join('')).toBe('ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789')
    expect(manifest.tensors.map((t) => [t.name, t.offset])).toEqual([
      ['dense0.W', 0],
      ['dense0.b', 1024 * 64 * 4],
      ['dense1.W', (1024 * 64 + 64) * 4],
      ['dense1.b', (1024 * 64 + 64 + 64 * 36) * 4]
    ])
    expect(card).toEqual({ trainedOn: 'fixture', validAcc: 0.5 })
    // weights.bin is little-endian float32: the first value decodes to dense0.W[0].
    const bin = await readFile(join(dir, 'weights.bin'))
    expect(bin.readFloatLE(0)).toBe(mlp.dense[0].W[0])
  })

  it('rejects NaN weights on load (and refuses to save them)', async () => {
    const { dir } = await savedModel('nan')
    const bin = await readFile(join(dir, 'weights.bin'))
    bin.writeFloatLE(NaN, 4 * 100)
    await writeFile(join(dir, 'weights.bin'), bin)
    // Keep the checksum consistent so the NaN check itself is what fires.
    const manifest = JSON.parse(await readFile(join(dir, 'model.json'), 'utf8'))
    const { createHash } = await import('node:crypto')
    manifest.weightsSha256 = createHash('sha256').update(bin).digest('hex')
    await writeFile(join(dir, 'model.json'), JSON.stringify(manifest))
    await expectProblem(loadMlp(dir), 'nonFinite', /dense0\.W\[100\] is NaN/)

    const broken = new Mlp({ sizes: [4, 2], activation: 'tanh', seed: 1 })
    broken.dense[0].b[1] = Infinity
    await expectProblem(saveMlp(dirFor('inf'), broken), 'nonFinite', /dense0\.b\[1\] is Infinity/)
  })

  it('rejects a truncated weights file, a mismatched one, a wrong shape and a missing directory', async () => {
    const { dir } = await savedModel('bad')
    const bin = await readFile(join(dir, 'weights.bin'))
    await writeFile(join(dir, 'weights.bin'), bin.subarray(0, bin.length - 4))
    await expectProblem(loadMlp(dir), 'byteLength', /has \d+ bytes; model\.json's tensors need \d+/)

    const flipped = Buffer.from(bin)
    flipped[10] ^= 1
    await writeFile(join(dir, 'weights.bin'), flipped)
    await expectProblem(loadMlp(dir), 'checksum', /SHA-256/)

    await writeFile(join(dir, 'weights.bin'), bin)
    const manifest = JSON.parse(await readFile(join(dir, 'model.json'), 'utf8'))
    manifest.tensors[2].shape = [36, 64]
    await writeFile(join(dir, 'model.json'), JSON.stringify(manifest))
    await expectProblem(loadMlp(dir), 'shape', /dense1\.W/)

    await expectProblem(loadMlp(dirFor('nowhere')), 'missing', /model\.json: file not found/)
  })
})

describe('training checkpoints', () => {
  it('save/load round-trips a TrainState that resumes exactly', async () => {
    const data = blobs(50, 8, 3, 4)
    const cfg = { epochs: 2, lr: 0.01, batch: 8, momentum: 0, optimizer: 'adam' as const, seed: 3 }
    const make = (): Mlp => new Mlp({ sizes: [8, 5, 3], activation: 'tanh', seed: 2 })
    const ref = make()
    await trainMlp(ref, data, undefined, cfg)
    const ctl = new AbortController()
    const part = await trainMlp(make(), data, undefined, cfg, {
      signal: ctl.signal,
      onBatch: (e, b) => {
        if (e === 1 && b === 3) ctl.abort()
      }
    })
    const path = join(dirFor('ckpt'), 'train.ckpt.json')
    await saveCheckpoint(path, part.state)
    const state = await loadCheckpoint(path)
    expect(state.order).toEqual(part.state.order)
    expect(state.optimizer.steps).toBe(4)
    const resumed = make()
    await trainMlp(resumed, data, undefined, cfg, { resume: state })
    expect(
      sameBits(
        resumed.weights().map((t) => t.data),
        ref.weights().map((t) => t.data)
      )
    ).toBe(true)
    await writeFile(path, '{"format":"something-else"}')
    await expectProblem(loadCheckpoint(path), 'format', /not a Glyphdesk training checkpoint/)
  })

  it('names the field of a checkpoint that does not fit its schema, before decoding anything', async () => {
    const data = blobs(20, 8, 3, 4)
    const cfg = { epochs: 1, lr: 0.01, batch: 8, momentum: 0, optimizer: 'sgd' as const, seed: 3 }
    const run = await trainMlp(new Mlp({ sizes: [8, 5, 3], activation: 'tanh', seed: 2 }), data, undefined, cfg)
    const path = join(dirFor('ckpt-bad'), 'train.ckpt.json')
    await saveCheckpoint(path, run.state)
    const good = JSON.parse(await readFile(path, 'utf8'))
    await writeFile(path, JSON.stringify({ ...good, rng: { s: [1, 2, 3], spareNormal: null } }))
    await expectProblem(loadCheckpoint(path), 'format', /rng\.s/)
    await writeFile(path, JSON.stringify({ ...good, config: { ...good.config, optimizer: 'lbfgs' } }))
    await expectProblem(loadCheckpoint(path), 'format', /config\.optimizer/)
    await writeFile(
      path,
      JSON.stringify({ ...good, weights: [{ name: 'W0', shape: [2], data: { dtype: 'int8', length: 2, base64: '' } }] })
    )
    await expectProblem(loadCheckpoint(path), 'format', /weights\.0\.data\.dtype/)
  })
})

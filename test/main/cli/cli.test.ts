// The glyphdesk command end to end, as a person runs it: train on the committed synthetic mini
// set, evaluate with --json, and the exit codes for bad usage and bad data.
import { spawnSync } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import sharp from 'sharp'
import { afterAll, describe, expect, it } from 'vitest'
import { levenshtein } from '../../../src/main/read/evalPages.ts'

const root = resolve(__dirname, '..', '..', '..')
const bin = join(root, 'bin', 'glyphdesk.mjs')
const mini = join(root, 'test', 'fixtures', 'synth-mini')
const realMini = join(root, 'test', 'fixtures', 'nist26-mini', 'nist26_mini_valid.mat')
const work = mkdtempSync(join(tmpdir(), 'glyphdesk-cli-'))
afterAll(() => rmSync(work, { recursive: true, force: true }))

function glyphdesk(...args: string[]) {
  const r = spawnSync(process.execPath, [bin, ...args], { cwd: root, encoding: 'utf8', timeout: 120_000 })
  return { code: r.status, stdout: r.stdout, stderr: r.stderr }
}

describe('glyphdesk CLI', () => {
  const model = join(work, 'mlp')

  it('trains an MLP on the synthetic mini set and writes weights plus a model card', () => {
    const r = glyphdesk('train', 'mlp', '--data', mini, '--out', model, '--epochs', '30', '--lr', '0.5', '--seed', '3')
    expect(r.stderr).toMatch(/training 1024-64-36 sigmoid on 360 glyphs/)
    expect(r.code, r.stderr).toBe(0)
    const manifest = JSON.parse(readFileSync(join(model, 'model.json'), 'utf8'))
    expect(manifest.sizes).toEqual([1024, 64, 36])
    expect(manifest.card.curves).toHaveLength(30)
    expect(manifest.card.config.train).toMatchObject({
      epochs: 30,
      lr: 0.5,
      batch: 32,
      momentum: 0,
      optimizer: 'sgd',
      seed: 3
    })
    expect(manifest.card.command).toContain('train mlp --data')
    // Training loss falls: the last epoch is well below the first (3.7 → 1.9 nats when written).
    const curves = manifest.card.curves
    expect(curves[29].trainLoss).toBeLessThan(curves[0].trainLoss * 0.6)
  })

  it('eval --json reports accuracy, n, a 36×36 confusion matrix and the classes, well above chance', () => {
    const r = glyphdesk('eval', '--model', model, '--data', mini, '--split', 'valid', '--json')
    expect(r.code, r.stderr).toBe(0)
    const out = JSON.parse(r.stdout)
    expect(out.n).toBe(108)
    expect(out.classes).toHaveLength(36)
    expect(out.classes.slice(0, 3)).toEqual(['A', 'B', 'C'])
    expect(out.classes[26]).toBe('0')
    expect(out.confusion).toHaveLength(36)
    expect(out.confusion.every((row: number[]) => row.length === 36)).toBe(true)
    const total = out.confusion.flat().reduce((a: number, b: number) => a + b, 0)
    expect(total).toBe(108)
    const diagonal = out.confusion.reduce((a: number, row: number[], i: number) => a + row[i], 0)
    expect(out.accuracy).toBeCloseTo(diagonal / 108, 12)
    // Chance is 1/36 ≈ 2.8%; 360 training glyphs get far beyond it.
    expect(out.accuracy).toBeGreaterThan(0.15)
  })

  it('scores a letters-only real set with the 36-way prediction', () => {
    const r = glyphdesk('eval', '--model', model, '--data', realMini, '--json')
    expect(r.code, r.stderr).toBe(0)
    const out = JSON.parse(r.stdout)
    expect(out.n).toBe(78)
    expect(out.classesPresent).toBe(26)
    expect(out.note).toMatch(/26 classes/)
  })

  it('trains on real letters mixed in and scores only the real letters it held out', () => {
    const out = join(work, 'mlp-real')
    const r = glyphdesk(
      'train',
      'mlp',
      '--data',
      mini,
      '--out',
      out,
      '--epochs',
      '30',
      '--optimizer',
      'adam',
      '--lr',
      '0.002',
      '--hidden',
      '128',
      '--activation',
      'relu',
      '--seed',
      '1',
      '--extra-train',
      realMini,
      '--extra-per-class',
      '2',
      '--extra-repeat',
      '3',
      '--eval-data',
      realMini
    )
    expect(r.code, r.stderr).toBe(0)
    const card = JSON.parse(readFileSync(join(out, 'model.json'), 'utf8')).card
    expect(card.data.extraTrain).toMatchObject({ perClass: 2, glyphs: 52, repeat: 3 })
    expect(card.metrics.evalData.n).toBe(26)
    // eval leaves the 52 training letters out by itself, from the card.
    const e = JSON.parse(glyphdesk('eval', '--model', out, '--data', realMini, '--json').stdout)
    expect(e.n).toBe(26)
    expect(e.note).toMatch(/left out the first 2 glyphs per class/)
    expect(e.accuracy).toBeCloseTo(card.metrics.evalData.accuracy, 12)
    // 26 unseen real letters after 2 examples each: chance is 1/36; 14/26 when written.
    expect(e.accuracy).toBeGreaterThan(0.3)
  })

  it('is reproducible: the same command and seed give bit-identical weights', () => {
    const again = join(work, 'mlp-again')
    const r = glyphdesk('train', 'mlp', '--data', mini, '--out', again, '--epochs', '30', '--lr', '0.5', '--seed', '3')
    expect(r.code, r.stderr).toBe(0)
    expect(readFileSync(join(again, 'weights.bin')).equals(readFileSync(join(model, 'weights.bin')))).toBe(true)
  })

  it("prints each command's usage on --help and exits 0", () => {
    for (const command of [
      'train',
      'eval',
      'gradcheck',
      'data',
      'models',
      'transcribe',
      'eval-pages',
      'serve',
      'experiment'
    ]) {
      const r = glyphdesk(command, '--help')
      expect(r.code, command).toBe(0)
      expect(r.stdout, command).toMatch(new RegExp(`glyphdesk ${command}`))
    }
  })

  it('exits 2 with a message for bad usage', () => {
    expect(glyphdesk('frobnicate').code).toBe(2)
    const noData = glyphdesk('train', 'mlp', '--out', join(work, 'x'))
    expect(noData.code).toBe(2)
    expect(noData.stderr).toMatch(/--data is required/)
    const badLr = glyphdesk('train', 'mlp', '--data', mini, '--out', join(work, 'x'), '--lr', 'fast')
    expect(badLr.code).toBe(2)
    expect(badLr.stderr).toMatch(/--lr must be a number/)
    const badFlag = glyphdesk('eval', '--modle', 'x', '--data', mini)
    expect(badFlag.code).toBe(2)
    const badSplit = glyphdesk('eval', '--model', model, '--data', mini, '--split', 'dev')
    expect(badSplit.code).toBe(2)
    for (const flag of ['--touching', '--pairs', '--segment-score', '--orientation']) {
      const bad = glyphdesk('transcribe', join(root, 'resources', 'samples', '02_letters.jpg'), flag, 'maybe')
      expect(bad.code).toBe(2)
      expect(bad.stderr).toMatch(new RegExp(`${flag} must be on or off`))
    }
  })

  it('reads touching letters better with the touching-letter model than with --touching off', () => {
    // A committed hard page of touching pairs (glyphdesk data pages, seed 1): the model's opinion on the boxes
    // the reader cuts is on by default; off, the page classifier reads them alone (docs/BENCHMARKS.md).
    const page = join(root, 'test', 'fixtures', 'hard-pages', 'touching-01')
    const truth = readFileSync(`${page}.txt`, 'utf8').replace(/\s+/g, '')
    const errors = (...flags: string[]) => {
      const r = glyphdesk('transcribe', `${page}.png`, ...flags)
      expect(r.code, r.stderr).toBe(0)
      return levenshtein(r.stdout.replace(/\s+/g, ''), truth)
    }
    const on = errors()
    const off = errors('--touching', 'off')
    expect(on).toBeLessThan(off) // 35 against 44 of 190 characters when written
  })

  it('reads a page lying upside down turned upright, and as it lies with --orientation off', async () => {
    // Sample 02 turned 180° (sharp, lossless PNG): read upright by default, with its PageDoc saying the turn.
    const sample = join(root, 'resources', 'samples', '02_letters')
    const turned = join(work, 'upside-down.png')
    writeFileSync(turned, await sharp(`${sample}.jpg`).rotate(180).png().toBuffer())
    const truth = readFileSync(`${sample}.txt`, 'utf8').replace(/\s+/g, '')
    const on = glyphdesk('transcribe', turned, '--format', 'json')
    expect(on.code, on.stderr).toBe(0)
    const doc = JSON.parse(on.stdout) as { image: { turn?: number } }
    expect(doc.image.turn).toBe(180)
    const text = glyphdesk('transcribe', turned)
    expect(text.stdout.replace(/\s+/g, '')).toBe(truth)
    const off = glyphdesk('transcribe', turned, '--orientation', 'off')
    expect(off.code, off.stderr).toBe(0)
    expect(levenshtein(off.stdout.replace(/\s+/g, ''), truth)).toBeGreaterThan(truth.length / 2)
  })

  it('exits 1 with a clear error for bad data and leaves no model behind', () => {
    const notMat = join(work, 'notes_train.mat')
    writeFileSync(notMat, 'this is not a MATLAB file')
    const r = glyphdesk('eval', '--model', model, '--data', notMat)
    expect(r.code).toBe(1)
    expect(r.stderr).toMatch(/notes_train\.mat/)
    const missing = glyphdesk('train', 'mlp', '--data', work, '--out', join(work, 'never'))
    expect(missing.code).toBe(1)
    expect(missing.stderr).toMatch(/missing|no .*_train\.mat|found/i)
    expect(() => readFileSync(join(work, 'never', 'model.json'))).toThrow()
  })

  it('stops on a diverging learning rate with the reason', () => {
    const r = glyphdesk(
      'train',
      'mlp',
      '--data',
      mini,
      '--out',
      join(work, 'diverged'),
      '--epochs',
      '3',
      '--lr',
      '1e6',
      '--activation',
      'relu'
    )
    expect(r.code).toBe(1)
    expect(r.stderr).toMatch(/diverged.*smaller learning rate/)
    expect(() => readFileSync(join(work, 'diverged', 'model.json'))).toThrow()
  })

  it('gradcheck passes and prints the worst relative error', () => {
    const r = glyphdesk('gradcheck')
    expect(r.code, r.stderr).toBe(0)
    const worst = Number(/worst relative error (\S+)/.exec(r.stdout)?.[1])
    expect(worst).toBeLessThan(1e-5)
  })
})

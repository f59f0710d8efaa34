import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import {
  EXPERIMENT_NAMES,
  EXPERIMENTS,
  loadExperimentContext,
  writeExperiment,
  type Budgets
} from '../../../src/main/lab/index.ts'
import { renderCharts } from '../../../src/main/lab/write.ts'
import { reproducibleView, REPORT_SCHEMA, type ExperimentName } from '../../../src/main/lab/report.ts'
import { describeSweep, pickBest } from '../../../src/main/lab/lrSweep.ts'
import { canonicalSvg } from '../../../src/main/lab/charts.ts'
import { main } from '../../../src/main/cli/index.ts'
import { parseLrSchedule } from '../../../src/main/cli/experiment.ts'

// The committed 540-glyph set and tiny budgets: each experiment runs in a second or two.
const DATA = 'test/fixtures/synth-mini'
const EVAL = 'test/fixtures/nist26-mini/nist26_mini_valid.mat'
const SMALL: Partial<Budgets> = {
  mlpEpochs: 2,
  lrGrid: [0.1, 1],
  mlpLr: 0.3,
  aeEpochs: 2,
  aeLr: 3e-5,
  aeBatch: 36,
  aeSchedule: { kind: 'step', drops: [{ after: 1, factor: 0.1 }] }
}

const context = (seed = 1) =>
  loadExperimentContext({ dataDir: DATA, evalFile: EVAL, seed, budgets: SMALL, command: 'test' })

async function runOnce(name: ExperimentName, seed = 1) {
  const out = await EXPERIMENTS[name](await context(seed))
  const files = new Map([...out.files, ...renderCharts(out.report)])
  return { report: out.report, files }
}

describe('lab experiments on the committed mini set', () => {
  for (const name of EXPERIMENT_NAMES) {
    it(`${name}: the same seed reproduces every number, chart and picture exactly`, async () => {
      const a = await runOnce(name)
      const b = await runOnce(name)
      expect(a.report.schema).toBe(REPORT_SCHEMA)
      expect(a.report.name).toBe(name)
      expect(a.report.summary.length).toBeGreaterThan(0)
      expect(JSON.parse(JSON.stringify(reproducibleView(b.report)))).toEqual(
        JSON.parse(JSON.stringify(reproducibleView(a.report)))
      )
      expect([...b.files.keys()].sort()).toEqual([...a.files.keys()].sort())
      for (const [f, body] of a.files)
        expect(Buffer.compare(Buffer.from(b.files.get(f)!), Buffer.from(body)), f).toBe(0)
      // Every chart and image the report names has a file.
      for (const c of a.report.charts) expect(a.files.has(c.file), c.file).toBe(true)
      for (const img of a.report.images) expect(a.files.has(img.file), img.file).toBe(true)
    })
  }

  it('a different seed gives a different lr-sweep', async () => {
    const a = await runOnce('lr-sweep', 1)
    const b = await runOnce('lr-sweep', 2)
    expect(b.report.details).not.toEqual(a.report.details)
  })

  it('autoencoder and pca reconstruct the same glyphs and report PSNR in dB', async () => {
    const ae = await runOnce('autoencoder')
    const pca = await runOnce('pca')
    const pick = (r: typeof ae.report) => r.details['reconstructed'] as { indices: number[]; classes: string[] }
    expect(pick(pca.report)).toMatchObject({ indices: pick(ae.report).indices, classes: pick(ae.report).classes })
    expect(pick(ae.report).indices).toHaveLength(10)
    expect(pca.report.metrics['projectionRank']).toBe(32)
    expect(pca.report.metrics['pcaParameters']).toBe(33792)
    expect(pca.report.metrics['autoencoderParameters']).toBe(68704)
    for (const r of [ae.report, pca.report]) expect(r.metrics['validMeanPsnrDb']).toBeGreaterThan(5)
    // Two epochs: "after 2 epochs", "the last epoch"; the schedule is recorded as data and as text.
    const summary = ae.report.summary.join(' ')
    expect(summary).toContain('after 2 epochs')
    expect(summary).toContain('the last epoch improved it')
    expect(summary).toContain('Learning-rate schedule: lr 0.00003 for epoch 1, ×0.1 after epoch 1 (0.000003).')
    expect(ae.report.details['lrSchedule']).toEqual({ kind: 'step', drops: [{ after: 1, factor: 0.1 }] })
    expect((ae.report.details['curves'] as { lr: number }[]).map((c) => c.lr)).toEqual([0.00003, 0.000003])
    expect(ae.report.metrics).toMatchObject({ lrSchedule: 'step', lrDropsAfterEpochs: '1', finalLr: 0.000003 })
  })

  it('parses --ae-schedule specs', () => {
    expect(parseLrSchedule('step:60,75')).toEqual({
      kind: 'step',
      drops: [
        { after: 60, factor: 0.1 },
        { after: 75, factor: 0.1 }
      ]
    })
    expect(parseLrSchedule('step:50/0.5')).toEqual({ kind: 'step', drops: [{ after: 50, factor: 0.5 }] })
    expect(parseLrSchedule('cosine')).toEqual({ kind: 'cosine', minFactor: 0 })
    expect(parseLrSchedule('cosine:0.01')).toEqual({ kind: 'cosine', minFactor: 0.01 })
    expect(parseLrSchedule('constant')).toEqual({ kind: 'constant' })
    for (const bad of ['step:', 'step:0', 'step:10/0', 'cosine:2', 'linear'])
      expect(() => parseLrSchedule(bad), bad).toThrow(/--ae-schedule/)
  })

  it('cnn-vs-mlp scores every loadable shipped model on the same glyphs and lists the others with a reason', async () => {
    const { report } = await runOnce('cnn-vs-mlp')
    const models = report.details['models'] as { name: string; test: { accuracy: number } }[]
    const skipped = report.details['skipped'] as { name: string; reason: string }[]
    expect(models.map((m) => m.name)).toEqual(expect.arrayContaining(['mlp-baseline', 'mlp-best']))
    for (const s of skipped) expect(s.reason.length).toBeGreaterThan(0)
    if (report.metrics['cnnModels'] === 0) expect(report.summary.join(' ')).toMatch(/No CNN could be scored/)
  })

  it('cnn-vs-mlp with --digits-data scores real digits 36-way and 10-way (10-way can only be as good or better)', async () => {
    // The mini set's own digits stand in for real ones: a set folder gives its test split.
    const ctx = await loadExperimentContext({
      dataDir: DATA,
      evalFile: EVAL,
      digitsFile: DATA,
      seed: 1,
      budgets: SMALL,
      command: 'test'
    })
    const { report } = await EXPERIMENTS['cnn-vs-mlp'](ctx)
    const models = report.details['models'] as {
      name: string
      realDigits: { n: number; accuracy: number; tenWay: number; perDigit: Record<string, number | null> } | null
    }[]
    const testN = ctx.digitsData!.glyphs.n
    expect(testN).toBeGreaterThan(0)
    expect([...ctx.digitsData!.glyphs.y].every((y) => y >= 26)).toBe(true)
    expect(ctx.digitsData!.file).toMatch(/synth-mini \(test\)$/)
    for (const m of models) {
      expect(m.realDigits, m.name).not.toBeNull()
      expect(m.realDigits!.n).toBe(testN)
      expect(m.realDigits!.tenWay).toBeGreaterThanOrEqual(m.realDigits!.accuracy)
      expect(Object.keys(m.realDigits!.perDigit)).toEqual(['0', '1', '2', '3', '4', '5', '6', '7', '8', '9'])
      expect(report.metrics[`${m.name}.realDigitsTenWay`]).toBeCloseTo(m.realDigits!.tenWay, 3)
    }
    const table = report.tables.find((t) => t.id === 'real-digits')!
    expect(table.rows.map((r) => r[0])).toEqual(models.map((m) => m.name))
    expect(report.tables.find((t) => t.id === 'models')!.columns).toContain('real-digit accuracy (36-way)')
  })
})

describe('lr-sweep text', () => {
  const curve = (accs: number[], loss: number) =>
    accs.map((a, i) => ({ epoch: i + 1, trainLoss: loss, trainAcc: a + 0.01, validLoss: loss, validAcc: a }))
  it('picks the highest final valid accuracy, skipping diverged runs', () => {
    expect(
      pickBest([
        { lr: 0.1, curves: curve([0.5, 0.7], 1), diverged: null },
        { lr: 1, curves: curve([0.6, 0.8], 1), diverged: null },
        { lr: 10, curves: curve([0.9], 1), diverged: { epoch: 2 } }
      ])
    ).toBe(1)
  })
  it('says what the curves show, from the numbers', () => {
    const s = describeSweep(
      { lr: 0.3, curves: curve([0.6, 0.8, 0.85], 0.5), diverged: null },
      { lr: 3, curves: curve([0.3], 9), diverged: { epoch: 2 } },
      { lr: 0.03, curves: curve([0.3, 0.5, 0.6], 1.2), diverged: null },
      0.84
    ).join(' ')
    expect(s).toContain('At the best learning rate, 0.3, validation accuracy reached 85.0% after 3 epochs (test 84.0%)')
    expect(s).toContain('Ten times larger (3) training diverged in epoch 2')
    expect(s).toContain(
      'A tenth of it (0.03) learns slowly: after 3 epochs it reached 60.0%, which the best rate had reached by epoch 1.'
    )
  })
})

describe('charts', () => {
  it('renumbers echarts instance ids so the same chart gives the same SVG bytes', () => {
    expect(
      canonicalSvg('<g class="zr7-cls-3"><clipPath id="zr7-c0"/><p class="zr7-cls-9"/><q class="zr7-cls-3"/>')
    ).toBe('<g class="c0"><clipPath id="chart-c0"/><p class="c1"/><q class="c0"/>')
  })
})

describe('glyphdesk experiment', () => {
  const dirs: string[] = []
  afterAll(async () => {
    for (const d of dirs) await rm(d, { recursive: true, force: true })
  })

  it('writes README.md, report.json and the charts into OUT/NAME', async () => {
    const out = await mkdtemp(join(tmpdir(), 'gd-exp-'))
    dirs.push(out)
    expect(await main(['experiment', 'gradcheck', '--out', out, '--seed', '3'])).toBe(0)
    const files = (await readdir(join(out, 'gradcheck'))).sort()
    expect(files).toEqual(['README.md', 'errors.svg', 'report.json'])
    const report = JSON.parse(await readFile(join(out, 'gradcheck', 'report.json'), 'utf8'))
    expect(report).toMatchObject({ schema: REPORT_SCHEMA, name: 'gradcheck', seed: 3, metrics: { allPass: true } })
    const md = await readFile(join(out, 'gradcheck', 'README.md'), 'utf8')
    expect(md).toContain('![Worst relative error per tensor (log scale)](errors.svg)')
    expect(await readFile(join(out, 'gradcheck', 'errors.svg'), 'utf8')).toMatch(/^<svg/)
  })

  it('is a usage error (exit 2) without a known name, or without --data where data is needed', async () => {
    expect(await main(['experiment', 'nope'])).toBe(2)
    expect(await main(['experiment', 'pca'])).toBe(2)
    expect(await main(['experiment'])).toBe(2)
  })

  it('writes a full experiment folder through writeExperiment', async () => {
    const out = await mkdtemp(join(tmpdir(), 'gd-exp-'))
    dirs.push(out)
    const o = await EXPERIMENTS['pca'](await context())
    const dir = await writeExperiment(out, o)
    expect((await readdir(dir)).sort()).toEqual([
      'README.md',
      'components.png',
      'reconstructions.png',
      'report.json',
      'variance.svg'
    ])
  })
})

// `glyphdesk calibrate` end to end on the shipped cnn-compact and the committed synthetic mini set:
// the offsets it writes are the ones OnnxClassifier then applies (eval agrees with the card's own
// after-score), --in-place is repeatable, and it refuses what would overwrite or mislead.
import { spawnSync } from 'node:child_process'
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'

const root = resolve(__dirname, '..', '..', '..')
const bin = join(root, 'bin', 'glyphdesk.mjs')
const mini = join(root, 'test', 'fixtures', 'synth-mini')
const compact = join(root, 'resources', 'models', 'cnn-compact')
const work = mkdtempSync(join(tmpdir(), 'glyphdesk-calibrate-'))
afterAll(() => rmSync(work, { recursive: true, force: true }))

function glyphdesk(...args: string[]) {
  const r = spawnSync(process.execPath, [bin, ...args], { cwd: root, encoding: 'utf8', timeout: 120_000 })
  return { code: r.status, stdout: r.stdout, stderr: r.stderr }
}

type Score = {
  accuracy: number
  n: number
  pairs: { letter: string; digit: string; letterRecall: number; digitRecall: number }[]
}
const worstSum = (s: Score) =>
  s.pairs.reduce(
    (a, p) =>
      a + (Number.isNaN(p.letterRecall) || Number.isNaN(p.digitRecall) ? 0 : Math.min(p.letterRecall, p.digitRecall)),
    0
  )

describe('glyphdesk calibrate', () => {
  const out = join(work, 'compact-calibrated')

  it('writes a calibrated copy whose offsets eval then applies, with the shipped model untouched', () => {
    const shippedCard = readFileSync(join(compact, 'model.json'), 'utf8')
    const r = glyphdesk('calibrate', '--model', 'cnn-compact', '--data', mini, '--out', out, '--json')
    expect(r.code, r.stderr).toBe(0)
    const report = JSON.parse(r.stdout)
    expect(report.data.n).toBe(108)
    expect(report.checks.test.n).toBe(72)
    expect(worstSum(report.after)).toBeGreaterThanOrEqual(worstSum(report.before))
    const card = JSON.parse(readFileSync(join(out, 'model.json'), 'utf8'))
    expect(card.logitOffsets).toHaveLength(36)
    expect(card.card.calibration.command).toContain('calibrate --model cnn-compact')
    // Only digits move; letters are the reference.
    card.logitOffsets.slice(0, 26).forEach((v: number) => expect(v).toBe(0))
    expect(Buffer.compare(readFileSync(join(out, 'model.onnx')), readFileSync(join(compact, 'model.onnx')))).toBe(0)
    expect(readFileSync(join(compact, 'model.json'), 'utf8')).toBe(shippedCard)
    // Through the ordinary predict path (softmax of logits + offsets) the valid score is the card's.
    const e = glyphdesk('eval', '--model', out, '--data', mini, '--split', 'valid', '--json')
    expect(e.code, e.stderr).toBe(0)
    expect(JSON.parse(e.stdout).accuracy).toBeCloseTo(report.after.accuracy, 10)
  })

  it('--in-place refits from the raw logits, so running it twice gives the same card offsets', () => {
    const copy = join(work, 'inplace')
    mkdirSync(copy)
    cpSync(join(compact, 'model.onnx'), join(copy, 'model.onnx'))
    const card = JSON.parse(readFileSync(join(compact, 'model.json'), 'utf8'))
    delete card.logitOffsets
    writeFileSync(join(copy, 'model.json'), JSON.stringify(card))
    const first = glyphdesk('calibrate', '--model', copy, '--data', mini, '--in-place', '--json')
    expect(first.code, first.stderr).toBe(0)
    const once = JSON.parse(readFileSync(join(copy, 'model.json'), 'utf8')).logitOffsets
    const second = glyphdesk('calibrate', '--model', copy, '--data', mini, '--in-place', '--json')
    expect(second.code, second.stderr).toBe(0)
    expect(JSON.parse(readFileSync(join(copy, 'model.json'), 'utf8')).logitOffsets).toEqual(once)
    expect(JSON.parse(second.stdout).before).toEqual(JSON.parse(first.stdout).before)
  })

  it('refuses to write into resources/models without --in-place, a non-empty folder, MLPs and ambiguous targets', () => {
    const cases: [string[], RegExp][] = [
      [['--out', join(root, 'resources', 'models', 'x')], /inside resources\/models/],
      [['--out', join(work, 'compact-calibrated')], /exists and is not empty/],
      [[], /exactly one of --out DIR or --in-place/],
      [['--out', join(work, 'y'), '--in-place'], /exactly one of --out DIR or --in-place/],
      [['--out', join(work, 'z'), '--pairs', 'OO'], /"OO" is not one/]
    ]
    for (const [extra, message] of cases) {
      const r = glyphdesk('calibrate', '--model', 'cnn-compact', '--data', mini, ...extra)
      expect(r.code, r.stderr).toBe(2)
      expect(r.stderr).toMatch(message)
    }
    const mlp = glyphdesk('calibrate', '--model', 'mlp-best', '--data', mini, '--out', join(work, 'm'))
    expect(mlp.code).toBe(2)
    expect(mlp.stderr).toMatch(/not an ONNX model/)
  })
})

// Look-alike calibration: offsets found on hand-built logits where the right answer is known.
import { describe, expect, it } from 'vitest'
import { CLASSES, NUM_CLASSES } from '../../../src/shared/classes.ts'
import { argmaxWithOffsets, fitLookalikeOffsets, scoreCalibration } from '../../../src/main/learn/calibrate.ts'
import { headlineAccuracy } from '../../../src/shared/cardMetrics.ts'

const O = CLASSES.indexOf('O'),
  ZERO = CLASSES.indexOf('0'),
  I = CLASSES.indexOf('I'),
  ONE = CLASSES.indexOf('1'),
  A = CLASSES.indexOf('A')

/** Rows of logits: every class −5 except the given (class, value) pairs. */
function rows(spec: { truth: number; logits: [number, number][] }[]): { logits: Float32Array; truth: number[] } {
  const logits = new Float32Array(spec.length * NUM_CLASSES).fill(-5)
  spec.forEach((r, i) =>
    r.logits.forEach(([k, v]) => {
      logits[i * NUM_CLASSES + k] = v
    })
  )
  return { logits, truth: spec.map((r) => r.truth) }
}

describe('look-alike calibration', () => {
  it('argmaxWithOffsets and scoreCalibration agree with hand-counted cases', () => {
    const { logits, truth } = rows([
      {
        truth: O,
        logits: [
          [O, 2],
          [ZERO, 1]
        ]
      },
      {
        truth: ZERO,
        logits: [
          [O, 2],
          [ZERO, 1.5]
        ]
      },
      { truth: A, logits: [[A, 3]] }
    ])
    const zero = new Array(NUM_CLASSES).fill(0)
    expect(Array.from(argmaxWithOffsets(logits, 3, zero))).toEqual([O, O, A])
    const off = zero.slice()
    off[ZERO] = 0.6
    expect(Array.from(argmaxWithOffsets(logits, 3, off))).toEqual([O, ZERO, A])
    const s = scoreCalibration(truth, [O, O, A], [['O', '0']])
    expect(s.accuracy).toBeCloseTo(2 / 3)
    expect(s.pairs[0]).toEqual({
      letter: 'O',
      digit: '0',
      letterRecall: 1,
      digitRecall: 0,
      letterToDigit: 0,
      digitToLetter: 1
    })
  })

  it('moves the digit just far enough that the worse of 0/O is as good as it can be', () => {
    // Zeros whose 0-logit trails O by 0.3, 0.5, 0.7; Os whose 0-logit trails by 1.0, 1.2, 1.4.
    // Any offset in (0.7, 1.0) gets every glyph right; the smallest such grid offset is 0.75.
    const spec = [
      ...[0.3, 0.5, 0.7].map((gap) => ({
        truth: ZERO,
        logits: [
          [O, 2],
          [ZERO, 2 - gap]
        ] as [number, number][]
      })),
      ...[1.0, 1.2, 1.4].map((gap) => ({
        truth: O,
        logits: [
          [O, 2],
          [ZERO, 2 - gap]
        ] as [number, number][]
      })),
      {
        truth: I,
        logits: [
          [I, 2],
          [ONE, 0]
        ] as [number, number][]
      },
      {
        truth: ONE,
        logits: [
          [ONE, 2],
          [I, 0]
        ] as [number, number][]
      }
    ]
    const { logits, truth } = rows(spec)
    const r = fitLookalikeOffsets(logits, truth, truth.length, {
      pairs: [
        ['O', '0'],
        ['I', '1']
      ],
      min: -2,
      max: 2,
      step: 0.05
    })
    expect(r.offsets[ZERO]).toBeCloseTo(0.75, 10)
    expect(r.offsets[ONE], 'a pair already balanced keeps offset 0').toBe(0)
    expect(r.offsets.filter((_, k) => k !== ZERO).every((v) => v === 0)).toBe(true)
    expect(r.before.pairs[0].digitRecall).toBe(0)
    expect(r.after.accuracy).toBe(1)
    expect(r.after.pairs[0]).toMatchObject({ letterRecall: 1, digitRecall: 1 })
  })

  it('balances a pair that cannot be separated instead of giving it all to the letter', () => {
    // Four 0s and four Os drawn alike: each has O ahead of 0 by 0.2 twice and by 0.6 twice. No offset
    // separates them; the best for the worse member is an offset in (0.2, 0.6), which gives each 50%.
    const spec = [
      ...[0.2, 0.2, 0.6, 0.6].map((gap) => ({
        truth: ZERO,
        logits: [
          [O, 2],
          [ZERO, 2 - gap]
        ] as [number, number][]
      })),
      ...[0.2, 0.2, 0.6, 0.6].map((gap) => ({
        truth: O,
        logits: [
          [O, 2],
          [ZERO, 2 - gap]
        ] as [number, number][]
      }))
    ]
    const { logits, truth } = rows(spec)
    const r = fitLookalikeOffsets(logits, truth, truth.length, { pairs: [['O', '0']] })
    expect(r.before.pairs[0]).toMatchObject({ letterRecall: 1, digitRecall: 0 })
    expect(r.after.pairs[0]).toMatchObject({ letterRecall: 0.5, digitRecall: 0.5 })
    expect(r.offsets[ZERO]).toBeCloseTo(0.25, 10)
  })

  it('refuses non-finite logits and leaves pairs absent from the data alone', () => {
    const { logits, truth } = rows([{ truth: A, logits: [[A, 1]] }])
    expect(fitLookalikeOffsets(logits, truth, 1).offsets.every((v) => v === 0)).toBe(true)
    logits[3] = NaN
    expect(() => fitLookalikeOffsets(logits, truth, 1)).toThrow(/logit 3 is NaN/)
  })
})

describe('headline accuracy of a card', () => {
  it('prefers the calibrated checks and falls back to the training metrics', () => {
    const metrics = { test: { accuracy: 0.9795 }, evalData: { accuracy: 0.9487 } }
    expect(headlineAccuracy({ metrics })).toEqual({ test: 0.9795, realHeldOut: 0.9487, calibrated: false })
    const calibration = {
      checks: { test: { after: { accuracy: 0.981 } }, realHeldOut: { after: { accuracy: 0.941 } } }
    }
    expect(headlineAccuracy({ metrics, calibration })).toEqual({ test: 0.981, realHeldOut: 0.941, calibrated: true })
    expect(headlineAccuracy({ metrics: { test: { accuracy: 'x' } } })).toEqual({
      test: undefined,
      realHeldOut: undefined,
      calibrated: false
    })
  })
})

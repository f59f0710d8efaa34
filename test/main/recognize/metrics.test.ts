import { describe, expect, it } from 'vitest'
import { lookAlikeShare, scorePredictions } from '../../../src/main/recognize/metrics.ts'
import { classIndex } from '../../../src/shared/classes.ts'

describe('scorePredictions', () => {
  it('counts a hand-made confusion matrix, per-class accuracy and the most confused pairs', () => {
    const A = classIndex('A'),
      O = classIndex('O'),
      zero = classIndex('0')
    // truth:     A A A O O 0 0 0
    // predicted: A A O O 0 O O 0
    const truth = [A, A, A, O, O, zero, zero, zero]
    const pred = [A, A, O, O, zero, O, O, zero]
    const r = scorePredictions(truth, pred)
    expect(r.n).toBe(8)
    expect(r.accuracy).toBeCloseTo(4 / 8, 12)
    expect(r.confusion[zero][O]).toBe(2)
    expect(r.confusion[A][O]).toBe(1)
    expect(r.perClass['A']).toBeCloseTo(2 / 3, 12)
    expect(r.perClass['B']).toBeNull()
    expect(r.classesPresent).toBe(3)
    expect(r.topConfusions[0]).toEqual({ truth: '0', predicted: 'O', count: 2 })
    expect(r.topConfusions).toHaveLength(3)
    // 4 errors, of which 0→O twice and O→0 once are look-alikes.
    expect(lookAlikeShare(r)).toBeCloseTo(3 / 4, 12)
  })

  it('treats O and 0 as distinct classes', () => {
    expect(classIndex('O')).not.toBe(classIndex('0'))
    const r = scorePredictions([classIndex('O')], [classIndex('0')])
    expect(r.accuracy).toBe(0)
  })

  it('rejects mismatched lengths and out-of-range labels', () => {
    expect(() => scorePredictions([1, 2], [1])).toThrow(/2 labels but predictions 1/)
    expect(() => scorePredictions([40], [1])).toThrow(/out of range/)
  })
})

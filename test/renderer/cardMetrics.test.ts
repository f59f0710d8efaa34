// The model panel's rows (src/shared/cardMetrics.ts#cardSummaryRows) on hand-made cards: each kind of card the app
// writes, and malformed fields, which must show "—" rather than throw or print "NaN%".
import { describe, expect, it } from 'vitest'
import { cardSummaryRows, listedAccuracy } from '../../src/shared/cardMetrics.ts'

const rows = (card: unknown): Record<string, string> => Object.fromEntries(cardSummaryRows(card))

describe('cardSummaryRows', () => {
  it('an MLP card: layers with activation, accuracies, what it was trained on', () => {
    const r = rows({
      kind: 'mlp',
      created: '2026-11-30T12:34:56.789Z',
      config: { sizes: [1024, 64, 36], activation: 'sigmoid' },
      metrics: { test: { accuracy: 0.8123 }, valid: 0.8 },
      data: { train: 10800, name: 'nist36' }
    })
    expect(r['Kind']).toBe('mlp')
    expect(r['Layers']).toBe('1024–64–36 (sigmoid)')
    expect(r['Created']).toBe('2026-11-30 12:34:56')
    expect(r['Test accuracy']).toBe('81.2%')
    expect(r['Valid accuracy']).toBe('80.0%')
    expect(r['Trained on']).toBe('10800 glyphs (nist36)')
    expect(r['Look-alike offsets']).toBe('—')
    expect(r['Held-out corrections']).toBe('—')
    expect(r).not.toHaveProperty('Corrections, as trained on')
  })

  it('a calibrated CNN: offsets in order with signs, test before → after, headline after calibration', () => {
    const r = rows({
      kind: 'onnx',
      architecture: 'ensemble of 2 CNNs',
      metrics: { test: { accuracy: 0.5 } },
      calibration: {
        offsets: { '0': 0.25, '1': -0.1 },
        checks: { test: { before: { accuracy: 0.9795 }, after: { accuracy: 0.9807 } } }
      }
    })
    expect(r['Layers']).toBe('ensemble of 2 CNNs')
    expect(r['Look-alike offsets']).toBe('0 +0.25, 1 −0.10 (test 97.95% → 98.07%)')
    expect(r['Test accuracy']).toBe('98.1%')
  })

  it('a retrained head: its evaluation rows, each saying what it measured', () => {
    const r = rows({
      kind: 'cnn-head',
      base: 'cnn-best',
      config: { head: { sizes: [128, 36] } },
      data: { corrections: 9 },
      evaluation: {
        corrections: { n: 9, base: 7 / 9, trained: 1 },
        crossValidated: { method: 'leave one page out', n: 9, base: 0.5, after: 0.75 },
        replayCheck: { n: 720, base: 0.9847, after: 0.9736 }
      }
    })
    expect(r['Layers']).toBe("head 128–36 on cnn-best's embedding")
    expect(r['Corrections, as trained on']).toBe('77.8% → 100.0% (n=9; a fit, not a test)')
    expect(r['Corrections, leave one page out']).toBe('50.0% → 75.0% (n=9)')
    expect(r['Rest of the alphabet']).toBe('98.5% → 97.4% (720 shipped glyphs never trained on)')
    expect(r['Trained on']).toBe('9 corrections')
    expect(listedAccuracy({ evaluation: { replayCheck: { n: 720, after: 0.9736 } } })).toEqual({
      accuracy: 0.9736,
      of: 'replay check: 720 shipped glyphs never trained on'
    })
  })

  it('malformed or missing fields read "—", never NaN or a throw', () => {
    for (const card of [null, 42, 'x', {}, { config: { sizes: ['a'] }, metrics: { test: NaN }, calibration: null }]) {
      const r = rows(card)
      expect(Object.values(r).join(' ')).not.toMatch(/NaN|undefined|\[object/)
      expect(r['Test accuracy']).toBe('—')
    }
  })
})

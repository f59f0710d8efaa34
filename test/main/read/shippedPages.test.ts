// The shipped default model on the four sample pages (issue 5's page acceptance), and what its look-alike
// calibration changes there: through the pipeline the CER stays within 3% and page 02's digit row is read
// right; the classifier alone (no word context) reads the row's 0 as 0 (the raw network read O).
import { join, resolve } from 'node:path'
import { beforeAll, describe, expect, it } from 'vitest'
import { loadClassifier, SHIPPED_MODELS_DIR } from '../../../src/main/recognize/models.ts'
import type { Classifier } from '../../../src/main/recognize/classifier.ts'
import { readOnnxModelCard } from '../../../src/main/recognize/modelCard.ts'
import { evalPages, type EvalResult } from '../../../src/main/read/evalPages.ts'

const samples = resolve(__dirname, '../../../resources/samples')
const digitRow = (r: EvalResult) =>
  r.pages
    .find((p) => p.name === '02_letters')!
    .text.split('\n')
    .filter(Boolean)
    .at(-1)

let model: Classifier
beforeAll(async () => {
  model = await loadClassifier()
}, 60_000)

describe('the default model on the sample pages', () => {
  it('is cnn-best with calibrated look-alike offsets on its card', () => {
    expect(model.name).toBe('cnn-best')
    const card = readOnnxModelCard(join(SHIPPED_MODELS_DIR, 'cnn-best'))
    expect(card.logitOffsets).toHaveLength(36)
    expect(card.logitOffsets!.slice(0, 26).every((v) => v === 0)).toBe(true)
    expect(card.logitOffsets![26], 'the 0 is pushed up against O').toBeGreaterThan(0)
    expect((card.card['calibration'] as { command: string }).command).toMatch(/^glyphdesk calibrate --model cnn-best/)
  })

  it('reads the four pages within 3% CER (no spaces) and the digit row as 1234567890', async () => {
    const r = await evalPages(samples, model)
    expect(r.pages.map((p) => p.name)).toEqual(['01_list', '02_letters', '03_haiku', '04_deep'])
    expect(r.overall.cerNoSpace).toBeLessThanOrEqual(0.03)
    expect(digitRow(r)).toBe('1234567890')
  }, 60_000)

  it('on its own (no word context) reads digits 2–9 and 0 of the digit row as digits', async () => {
    // The classifier alone on the detector's boxes (decode: false), no context.
    const r = await evalPages(samples, model, { decode: false, wordContext: false })
    expect(digitRow(r)!.slice(1)).toBe('234567890')
    // Since real digits are in training (issue 17) the classifier alone reads more of this writer's letters as
    // digits (9 of 246, 3.66%; 1.63% before); the word context fixes every one (0% above). Pinned, not hidden.
    expect(r.overall.cerNoSpace).toBeLessThanOrEqual(0.04)
  }, 60_000)
})

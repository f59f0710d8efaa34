import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { decodeProbs, type Classifier } from '../../../src/main/recognize/classifier.ts'
import { assembleText } from '../../../src/shared/pagedoc.ts'
import { alignCounts, evalPages, levenshtein, oracleText } from '../../../src/main/read/evalPages.ts'
import { loadImage } from '../../../src/main/vision/image.ts'
import { transcribe } from '../../../src/main/read/transcribe.ts'

// Always answers "E": recognition is not under test here, detection and text assembly are.
const alwaysE: Classifier = {
  name: 'always-E',
  async predict(glyphs, n) {
    expect(glyphs.length).toBe(n * 1024)
    const p = new Float32Array(n * 36).fill(0.5 / 35)
    for (let i = 0; i < n; i++) p[i * 36 + 4] = 0.5
    return decodeProbs(p, n)
  }
}
const fixtures = new URL('../../fixtures/pages/eval', import.meta.url).pathname

describe('evalPages', () => {
  it('scores edit distance and alignment', () => {
    expect(levenshtein('KITTEN', 'SITTING')).toBe(3)
    // One substitution (a box with a wrong label still counts as found), one extra box, one miss.
    expect(alignCounts('ABXD', 'ABCD')).toEqual({ matched: 4, missed: 0, extra: 0 })
    expect(alignCounts('ABBCD', 'ABCD')).toEqual({ matched: 4, missed: 0, extra: 1 })
    expect(alignCounts('ABD', 'ABCD')).toEqual({ matched: 3, missed: 1, extra: 0 })
  })

  it('finds every line and character of the tiny committed page, and its text assembles exactly', async () => {
    // No touching-letter model either: every candidate is read by the fake classifier alone. A page read as
    // nothing but E is what a texture looks like to the clutter rule (read/notWriting.ts): not asked here.
    // The hand-set candidate prior too: the learned score (read/segmentCrf.ts) weighs the classifier's readings,
    // fitted on cnn-best's, and a classifier that reads everything as E is not one it can weigh.
    // And no pair reader: next to a classifier that is never sure, the real pair reader's readings would win.
    const r = await evalPages(fixtures, alwaysE, {
      touching: null,
      dropClutter: false,
      segmentScore: null,
      pairs: null
    })
    expect(r.pages).toHaveLength(1)
    const p = r.pages[0]
    expect(p.name).toBe('haiku')
    expect([p.linesFound, p.linesExpected]).toEqual([3, 3])
    expect(p.boxesPerLine).toEqual(p.charsPerLine)
    expect(r.overall.detection).toMatchObject({ matched: 54, missed: 0, extra: 0, rate: 1 })
    expect(p.oracleExact).toBe(true)
    expect(p.cerNoSpace).toBeCloseTo(1 - 10 / 54, 6) // the 10 real E's are right
  })
})

describe('assembleText oracle on a shipped sample page', () => {
  it('rebuilds 01_list exactly (lines, order, word spaces) when every box has its correct label', async () => {
    const path = new URL('../../../resources/samples/01_list.jpg', import.meta.url).pathname
    const gt = readFileSync(path.replace(/\.jpg$/, '.txt'), 'utf8')
      .trim()
      .split('\n')
    // The detector's boxes and the layout's word gaps (decode: false): with a classifier that reads every
    // glyph as E the decoder's language model has nothing to go on.
    const { doc } = await transcribe(await loadImage(path), alwaysE, { path, decode: false, dropClutter: false })
    expect(doc.image).toMatchObject({ width: 1600, height: 1150 })
    expect(doc.boxes.every((b) => b.x + b.w <= 1600 && b.y + b.h <= 1150 && b.source === 'detector')).toBe(true)
    expect(oracleText(doc, gt)).toBe(gt.join('\n'))
    expect(
      assembleText(doc)
        .split('\n')
        .map((l) => l.split(' ').length)
    ).toEqual(gt.map((l) => l.split(' ').length))
  })
})

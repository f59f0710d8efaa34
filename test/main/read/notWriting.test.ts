// The page-level "this is not writing" rule (read/notWriting.ts), on hand-made confidences and box shapes.
import { describe, expect, it } from 'vitest'
import {
  boxesLookLikeClutter,
  CLUTTER_FLAT_SHARE,
  CLUTTER_ONE_SHAPE_MIN,
  CLUTTER_ONE_SHAPE_SHARE,
  CLUTTER_IRREGULAR_SPREAD,
  CLUTTER_TALL_SHARE,
  CLUTTER_UNSURE_SHARE,
  DOUBT_SURE_SHARE,
  doubtfulPage,
  dropClutterLines,
  FLAT_ASPECT,
  heightSpread,
  LINE_SURE_SHARE,
  lineLooksLikeClutter,
  NOT_WRITING_CONFIDENCE,
  TALL_ASPECT
} from '../../../src/main/read/notWriting.ts'
import { PageDocSchema, type PageDoc } from '../../../src/shared/pagedoc.ts'

const CLASSES_36 = 'ABCDFGHIJKLMNOPQRSTUVWXYZ0123456789E'.split('')

/** Ten boxes: the first `sure` read at 0.9, the rest at 0.3; the first `flat` of them twice as wide as high. */
function page(sure: number, flat: number) {
  const conf = Array.from({ length: 10 }, (_, i) => (i < sure ? 0.9 : 0.3))
  const boxes = Array.from({ length: 10 }, (_, i) => (i < flat ? { w: 40, h: 20 } : { w: 15, h: 20 }))
  return [conf, boxes] as const
}

describe('boxesLookLikeClutter', () => {
  it('has the constants the rule was chosen with', () => {
    expect([NOT_WRITING_CONFIDENCE, FLAT_ASPECT, CLUTTER_FLAT_SHARE, CLUTTER_UNSURE_SHARE]).toEqual([
      0.5, 1.5, 0.25, 0.6
    ])
  })

  it('calls a page clutter when fewer than half its boxes are sure, whatever their shape', () => {
    expect(boxesLookLikeClutter(...page(4, 0))).toBe(true)
    expect(boxesLookLikeClutter(...page(5, 0))).toBe(false)
  })

  it('calls an unsure page of flat boxes clutter (grain read half confidently as M and L)', () => {
    expect(boxesLookLikeClutter(...page(5, 3))).toBe(true) // 50% sure, 30% flat
    expect(boxesLookLikeClutter(...page(5, 2))).toBe(false) // 20% flat: a few touching pairs
    expect(boxesLookLikeClutter(...page(6, 9))).toBe(false) // 60% sure: writing the classifier reads
  })

  it('calls a page of upright strokes of irregular heights clutter, however sure (grain read as 1 and I)', () => {
    expect([TALL_ASPECT, CLUTTER_TALL_SHARE]).toEqual([1.5, 0.7])
    const sure = Array(10).fill(0.95)
    // Grain's strokes run to any length: heights 28, 40 and 60 (median deviation 0.3 of the median).
    const heights = [28, 40, 60, 40, 28, 60, 40, 28, 60, 40]
    const tall = (k: number) => heights.map((h, i) => (i < k ? { w: 10, h } : { w: h, h }))
    expect(boxesLookLikeClutter(sure, tall(8))).toBe(true)
    expect(boxesLookLikeClutter(sure, tall(7))).toBe(false) // 70%: not above the share
    expect(boxesLookLikeClutter(sure, tall(4))).toBe(false) // a narrow hand, broken strokes: up to 44% seen
    // Exactly 1.5 times as high as wide is not tall.
    const sizes = [1, 1.4, 2, 1.4, 1, 2, 1.4, 1, 2, 1.4]
    expect(
      boxesLookLikeClutter(
        sure,
        sizes.map((k) => ({ w: 20 * k, h: 30 * k }))
      )
    ).toBe(false)
    expect(
      boxesLookLikeClutter(
        sure,
        sizes.map((k) => ({ w: 20 * k, h: 30 * k + 1 }))
      )
    ).toBe(true)
    // A narrow hand's letters in regular lines are writing, however tall: sample 02's A is 62 × 116, and a sheet
    // of 72 of them (heights within 3%) was once read as no text.
    const sheet = Array.from({ length: 72 }, (_, i) => ({ w: 62, h: 114 + (i % 5) }))
    expect(boxesLookLikeClutter(Array(72).fill(0.95), sheet, Array(72).fill('A'))).toBe(false)
  })

  it('calls a page clutter when most of its sure boxes are one class (grain read as E), not a page of writing', () => {
    expect([CLUTTER_ONE_SHAPE_MIN, CLUTTER_ONE_SHAPE_SHARE]).toEqual([12, 0.6])
    // Texture's boxes differ in height: 24, 40 and 64 in turn (median deviation 0.4 of the median).
    const grain = (n: number) => Array.from({ length: n }, (_, i) => ({ w: 30, h: [24, 40, 64][i % 3] }))
    /** n boxes read at 0.95, the first `same` of them E, the others each a different class; then 4 unsure boxes. */
    const desk = (n: number, same: number) => {
      const labels = Array.from({ length: n }, (_, i) => (i < same ? 'E' : `c${i}`)).concat(['E', 'E', 'E', 'E'])
      const conf = Array(n).fill(0.95).concat([0.3, 0.3, 0.3, 0.3])
      return [conf, grain(n + 4), labels] as const
    }
    expect(boxesLookLikeClutter(...desk(22, 21))).toBe(true) // the validation desk: 21 of 22 sure boxes E
    expect(boxesLookLikeClutter(...desk(20, 13))).toBe(true) // 65%
    expect(boxesLookLikeClutter(...desk(20, 12))).toBe(false) // 60%: not above the share
    expect(boxesLookLikeClutter(...desk(11, 11))).toBe(false) // fewer than 12 sure boxes: a short number (1000000000)
    expect(boxesLookLikeClutter(...desk(12, 8))).toBe(true)
    // Unsure boxes do not count: 12 sure boxes, 6 of them E (50%), and 12 unsure E's (75% of all 24).
    const conf = Array(12).fill(0.9).concat(Array(12).fill(0.45))
    const labels = Array.from({ length: 12 }, (_, i) => (i < 6 ? 'E' : `c${i}`)).concat(Array(12).fill('E'))
    expect(boxesLookLikeClutter(conf, grain(24), labels)).toBe(false)
    // A page of writing: 115 sure boxes (as many as sample 01_list), its commonest class 15 of them.
    const writing = Array.from({ length: 115 }, (_, i) => (i < 12 ? 'E' : CLASSES_36[i % 36]))
    expect(boxesLookLikeClutter(Array(115).fill(0.9), grain(115), writing)).toBe(false)
    // Without the classes, that part of the rule is not asked.
    expect(boxesLookLikeClutter(desk(22, 21)[0], desk(22, 21)[1])).toBe(false)
    // A sheet of one letter written over and over in regular lines is writing: heights within 10% of each other.
    const sheet = Array.from({ length: 40 }, (_, i) => ({ w: 30, h: 40 + (i % 5) - 2 }))
    expect(heightSpread(sheet)).toBeLessThan(CLUTTER_IRREGULAR_SPREAD)
    expect(boxesLookLikeClutter(Array(40).fill(0.95), sheet, Array(40).fill('A'))).toBe(false)
    expect(boxesLookLikeClutter(Array(40).fill(0.95), grain(40), Array(40).fill('A'))).toBe(true)
  })

  it('measures the spread of box heights as the median relative deviation from the median height', () => {
    expect(CLUTTER_IRREGULAR_SPREAD).toBe(0.15)
    expect(heightSpread([])).toBe(0)
    expect(heightSpread([{ h: 40 }, { h: 40 }, { h: 40 }])).toBe(0)
    // Heights 20, 40, 40, 50, 100: median 40; deviations 0.5, 0, 0, 0.25, 1.5 → median 0.25.
    expect(heightSpread([20, 40, 40, 50, 100].map((h) => ({ h })))).toBeCloseTo(0.25, 12)
  })

  it('doubts a page that passed when fewer than 80% of its boxes are sure', () => {
    expect(DOUBT_SURE_SHARE).toBe(0.8)
    expect(doubtfulPage(page(7, 0)[0])).toBe(true)
    expect(doubtfulPage(page(8, 0)[0])).toBe(false)
    expect(doubtfulPage([])).toBe(false)
  })

  it('counts a box as flat only above 1.5 × its height, and has no opinion on an empty page', () => {
    const conf = Array(10).fill(0.55)
    conf.fill(0.3, 0, 5)
    const edge = Array.from({ length: 10 }, () => ({ w: 30, h: 20 })) // exactly 1.5: not flat
    expect(boxesLookLikeClutter(conf, edge)).toBe(false)
    expect(
      boxesLookLikeClutter(
        conf,
        edge.map(() => ({ w: 31, h: 20 }))
      )
    ).toBe(true)
    expect(boxesLookLikeClutter([], [])).toBe(false)
  })
})

describe('lineLooksLikeClutter and dropClutterLines', () => {
  it('drops a line when fewer than a quarter of its boxes are sure', () => {
    expect([LINE_SURE_SHARE, NOT_WRITING_CONFIDENCE]).toEqual([0.25, 0.5])
    const line = (sure: number, n: number) => Array.from({ length: n }, (_, i) => (i < sure ? 0.9 : 0.2))
    // A cable read as nine letters, one of them sure: 1/9 < 1/4.
    expect(lineLooksLikeClutter(line(1, 9))).toBe(true)
    expect(lineLooksLikeClutter(line(2, 9))).toBe(true) // 2/9 = 0.22
    expect(lineLooksLikeClutter(line(3, 12))).toBe(false) // exactly a quarter is not fewer
    expect(lineLooksLikeClutter(line(7, 16))).toBe(false) // the least sure line of writing on the tuning pages
    expect(lineLooksLikeClutter(line(0, 1))).toBe(true) // a lone unsure mark
    expect(lineLooksLikeClutter(line(1, 1))).toBe(false)
    // 0.5 itself is sure, as on the page rule.
    expect(lineLooksLikeClutter([0.5, 0.2, 0.2, 0.2])).toBe(false)
    expect(lineLooksLikeClutter([0.4999, 0.2, 0.2, 0.2])).toBe(true)
    expect(lineLooksLikeClutter([])).toBe(false)
  })

  /** Three lines: writing (line 0), a cable read unsure (line 1), writing (line 2); box k of line l at x = 30k. */
  function page(cable: 'detector' | 'person' = 'detector'): PageDoc {
    const row = (line: number, conf: number[], source: 'detector' | 'person' = 'detector') =>
      conf.map((c, k) => ({
        id: `l${line}b${k}`,
        x: 30 * k,
        y: 40 * line,
        w: 20,
        h: 30,
        line,
        word: 0,
        label: 'A',
        confidence: c,
        source: k === 0 ? source : ('detector' as const)
      }))
    return PageDocSchema.parse({
      version: 1,
      image: { path: 'x.png', width: 400, height: 120 },
      boxes: [...row(0, [0.9, 0.3, 0.95]), ...row(1, [0.1, 0.6, 0.2, 0.05, 0.1], cable), ...row(2, [0.3, 0.3, 0.8])],
      lines: [0, 1, 2].map((index) => ({ index, x: 0, y: 40 * index, w: 150, h: 30 })),
      decoding: {
        lm: { weight: 0.3 },
        lines: [0, 1, 2].map((line) => ({ line, alternatives: [{ text: 'A', score: -1 }], candidates: [] }))
      }
    })
  }

  it('drops such a line with its boxes, its line and its decoding record, and says which boxes stay', () => {
    const doc = page()
    const { doc: out, kept } = dropClutterLines(doc)
    // Line 1: one sure box of five (0.2 < 0.25). Line 2: one of three (0.33): kept.
    expect(kept).toEqual([0, 1, 2, 8, 9, 10])
    expect(out.boxes.map((b) => b.id)).toEqual(['l0b0', 'l0b1', 'l0b2', 'l2b0', 'l2b1', 'l2b2'])
    expect(out.lines.map((l) => l.index)).toEqual([0, 2])
    expect(out.decoding!.lines.map((l) => l.line)).toEqual([0, 2])
    expect(() => PageDocSchema.parse(out)).not.toThrow()
    // Nothing to drop: the same page, every box kept.
    const again = dropClutterLines(out)
    expect(again.doc).toBe(out)
    expect(again.kept).toEqual([0, 1, 2, 3, 4, 5])
  })

  it('never drops a line holding a box a person drew', () => {
    const { doc: out, kept } = dropClutterLines(page('person'))
    expect(kept).toHaveLength(11)
    expect(out.lines).toHaveLength(3)
  })
})

describe('a page the box rule calls no writing, judged again on its decoded reading', () => {
  it('reads a small page of crowded writing whose touching letters made wide, unsure boxes', async () => {
    // test/fixtures/pages/small-crowded.png: page small-02 of `glyphdesk data pages --seed 324 --pages-per-condition
    // 4` (evaluation glyphs; 396 × 235 px): 71 detector boxes, 35 of them sure and 18 flat, so the box rule calls it
    // a desk; it was read as no text before the second look (docs/BENCHMARKS.md).
    const { loadClassifier } = await import('../../../src/main/recognize/models.ts')
    const { transcribe, decodedLooksLikeClutter } = await import('../../../src/main/read/transcribe.ts')
    const { loadImage } = await import('../../../src/main/vision/image.ts')
    const { levenshtein } = await import('../../../src/main/read/evalPages.ts')
    const { assembleText } = await import('../../../src/shared/pagedoc.ts')
    const { readFileSync } = await import('node:fs')
    const { join } = await import('node:path')
    const file = join(__dirname, '..', '..', 'fixtures', 'pages', 'small-crowded')
    const image = await loadImage(readFileSync(`${file}.png`), { name: 'small-crowded.png' })
    const model = await loadClassifier()
    let doubted: boolean | undefined
    const { doc } = await transcribe(image, model, { onPrepared: (p) => (doubted = p.doubtedWriting) })
    expect(doubted, 'the box rule said no writing').toBe(true)
    const truth = readFileSync(`${file}.txt`, 'utf8').replace(/\s+/g, '')
    const text = assembleText(doc).replace(/\s+/g, '')
    expect(levenshtein(text, truth)).toBeLessThan(0.15 * truth.length)
    // The decoded rule itself: unsure wide readings are clutter, sure letter-shaped ones are not.
    const box = (w: number, p: number, label: string) => {
      const probs = new Float32Array(36)
      probs[0] = p
      return {
        box: { x: 0, y: 0, w, h: 40, origin: 'component' as const },
        kind: 'box' as const,
        line: 0,
        word: 0,
        probs,
        label,
        candidate: 0
      }
    }
    expect(decodedLooksLikeClutter(Array.from({ length: 10 }, (_, i) => box(90, 0.3, i % 2 ? 'A' : 'B')))).toBe(true)
    expect(decodedLooksLikeClutter(Array.from({ length: 10 }, () => box(30, 0.9, 'A')))).toBe(false)
  }, 60_000)
})

// Segmentation by recognition on crafted pages: letters drawn one by one (DejaVu Sans, a training font) at
// positions chosen to make a touching pair, a letter broken in two, a digit string beside a word.
import { GlobalFonts, createCanvas } from '@napi-rs/canvas'
import { existsSync } from 'node:fs'
import { beforeAll, describe, expect, it } from 'vitest'
import { assembleText, type PageDoc } from '../../../src/shared/pagedoc.ts'
import type { Classifier } from '../../../src/main/recognize/classifier.ts'
import { loadClassifier } from '../../../src/main/recognize/models.ts'
import { pageBoxGlyphs, transcribe, extractGlyphs } from '../../../src/main/read/transcribe.ts'
import { buildLattices } from '../../../src/main/read/lattice.ts'
import type { GrayImage } from '../../../src/main/vision/image.ts'
import { layoutPage } from '../../../src/main/vision/layout.ts'
import { segmentPage } from '../../../src/main/vision/segment.ts'

const FONT = '/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf'
const SIZE = 64

/** One line of glyphs: [text, advance after it in px (negative overlaps the next)] …; `erase` blanks columns. */
function page(lines: [string, number][][], erase: { x: number; y: number; w: number; h: number }[] = []): GrayImage {
  const width = 1100,
    height = 110 * lines.length + 40
  const canvas = createCanvas(width, height)
  const ctx = canvas.getContext('2d')
  ctx.fillStyle = '#fff'
  ctx.fillRect(0, 0, width, height)
  ctx.fillStyle = '#111'
  ctx.font = `${SIZE}px GlyphdeskTestSans`
  lines.forEach((line, li) => {
    let x = 40
    for (const [t, after] of line) {
      ctx.fillText(t, x, 100 + 110 * li)
      x += ctx.measureText(t).width + after
    }
  })
  ctx.fillStyle = '#fff'
  for (const r of erase) ctx.fillRect(r.x, r.y, r.w, r.h)
  const rgba = ctx.getImageData(0, 0, width, height).data
  const data = new Uint8Array(width * height)
  for (let i = 0; i < data.length; i++) data[i] = rgba[i * 4]
  return { width, height, data }
}

/** A word as glyphs with a normal letter gap, a word gap after it. */
const word = (w: string, gap = 6, after = 40): [string, number][] =>
  [...w].map((c, i) => [c, i === w.length - 1 ? after : gap] as [string, number])

const kinds = (doc: PageDoc) =>
  doc.decoding!.lines.flatMap((l) => l.candidates.filter((c) => c.chosen).map((c) => c.kind))

let model: Classifier
beforeAll(async () => {
  GlobalFonts.registerFromPath(FONT, 'GlyphdeskTestSans')
  model = await loadClassifier()
}, 60_000)

describe.runIf(existsSync(FONT))('segmentation by recognition on crafted pages', () => {
  it('cuts a touching pair the detector gave as one box', async () => {
    // "RAIN" with R and A overlapping by 7 px: one component.
    const img = page([[...word('BIG'), ['R', -7], ...word('AIN')]])
    const seg = await segmentPage(img)
    const { doc } = await transcribe(img, model, { segmentation: seg })
    expect(assembleText(doc)).toBe('BIG RAIN')
    expect(kinds(doc)).toContain('cut')
    // The detector alone reads one box less.
    const before = await transcribe(img, model, { segmentation: seg, decode: false })
    expect(before.doc.boxes.length).toBe(doc.boxes.length - 1)
  }, 60_000)

  it('merges a letter broken in two', async () => {
    // "BEAR" with the B's stem cut from its bowls by a 5 px white band.
    const probe = page([word('BEAR')])
    const seg0 = await segmentPage(probe)
    const b = seg0.boxes.reduce((l, q) => (q.x < l.x ? q : l))
    const img = page([word('BEAR')], [{ x: b.x + Math.round(b.w * 0.22), y: b.y - 2, w: 5, h: b.h + 4 }])
    const seg = await segmentPage(img)
    expect(seg.boxes.length, 'the detector sees two pieces').toBe(5)
    const { doc } = await transcribe(img, model, { segmentation: seg })
    expect(assembleText(doc)).toBe('BEAR')
    expect(kinds(doc)).toContain('merge')
  }, 60_000)

  it('reads a digit string next to a word, and mixed tokens, as drawn', async () => {
    const img = page([[...word('ROOM'), ...word('101'), ...word('4B'), ...word('A4'), ...word('2525', 6, 0)]])
    const { doc } = await transcribe(img, model)
    expect(assembleText(doc)).toBe('ROOM 101 4B A4 2525')
  }, 60_000)

  it('reads an I pressed into the R before it (FRIEND) as two letters with the pair reader, where no cut parts them', async () => {
    // The I drawn 16 px into the R: one component. Without the pair reader the I is lost into the R (FREND).
    const img = page([
      [...word('BIG'), ['F', 6], ['R', -16], ['I', 6], ['E', 6], ['N', 6], ['D', 40], ...word('HOUSE', 6, 0)]
    ])
    const seg = await segmentPage(img)
    const off = await transcribe(img, model, { segmentation: seg, pairs: null })
    expect(assembleText(off.doc)).toBe('BIG FREND HOUSE')
    // The word rescue reads the pair where the decoder may not (pairPenalty Infinity) …
    const rescue = await transcribe(img, model, {
      segmentation: seg,
      decoder: { pairPenalty: Number.POSITIVE_INFINITY }
    })
    expect(assembleText(rescue.doc)).toBe('BIG FRIEND HOUSE')
    expect(rescue.doc.decoding!.lines[0].rescues).toContainEqual(
      expect.objectContaining({ token: 'FREND', word: 'FRIEND' })
    )
    // … and by default the decoder reads it itself, with nothing left for the rescue.
    const { doc, glyphs } = await transcribe(img, model, { segmentation: seg })
    expect(assembleText(doc)).toBe('BIG FRIEND HOUSE')
    expect(doc.decoding!.lines[0].rescues).toBeUndefined()
    // The R and the I are the two halves of one box, side by side, each with a glyph of its own.
    const r = doc.boxes.findIndex((b) => b.label === 'R')
    const [rb, ib] = [doc.boxes[r], doc.boxes[r + 1]]
    expect(ib.label).toBe('I')
    expect(ib.x).toBe(rb.x + rb.w)
    expect(ib.word).toBe(rb.word)
    const g = (k: number) => Array.from(glyphs.subarray(k * 1024, (k + 1) * 1024))
    expect(g(r + 1)).not.toEqual(g(r))
    // A correction's glyphs are cut again exactly as they were read, the two halves included.
    const again = pageBoxGlyphs(img, seg, doc.boxes)
    expect(again.fromDetector).toBe(doc.boxes.length)
    expect(Array.from(again.glyphs)).toEqual(Array.from(glyphs))
  }, 60_000)

  it('reads a word missing a pressed-in letter as the longer word where that is a word too (SAD → SAID, TIP → TRIP)', async () => {
    // The A drawn 12 px into the I, the R 16 px into the I: each pair one component, the shorter reading a word.
    const pressed = (w: string, k: number, overlap: number): [string, number][] =>
      [...w].map((c, i) => [c, i === w.length - 1 ? 40 : i === k ? -overlap : 6] as [string, number])
    for (const [w, k, overlap, short] of [
      ['SAID', 1, 12, 'SAD'],
      ['TRIP', 1, 16, 'TIP']
    ] as const) {
      const img = page([[...word('BIG'), ...pressed(w, k, overlap), ...word('HOUSE', 6, 0)]])
      const seg = await segmentPage(img)
      // Only tokens that are no word asked about: the short word stands.
      const nonWords = await transcribe(img, model, { segmentation: seg, rescue: { pairWords: false } })
      expect(assembleText(nonWords.doc)).toBe(`BIG ${short} HOUSE`)
      // Words asked about too (the default): the decoder weighs both readings and takes the pair.
      const { doc } = await transcribe(img, model, { segmentation: seg })
      expect(assembleText(doc)).toBe(`BIG ${w} HOUSE`)
    }
  }, 60_000)

  it('a box made by a cut or a merge is cut again exactly as it was read (corrections)', async () => {
    const img = page([[...word('BIG'), ['R', -7], ...word('AIN')]])
    const seg = await segmentPage(img)
    const { doc } = await transcribe(img, model, { segmentation: seg })
    const again = pageBoxGlyphs(img, seg, doc.boxes)
    expect(again.fromDetector, 'every box found with its ink').toBe(doc.boxes.length)
    // The same pixels the classifier saw: re-extract the chosen candidates directly and compare.
    const lattices = buildLattices(seg, layoutPage(seg.boxes))
    const byRect = new Map(
      lattices.flatMap((l) => l.segments.map((s) => [`${s.box.x},${s.box.y},${s.box.w},${s.box.h}`, s.box]))
    )
    const boxes = doc.boxes.map((b) => byRect.get(`${b.x},${b.y},${b.w},${b.h}`)!)
    expect(Array.from(again.glyphs)).toEqual(Array.from(extractGlyphs(seg, boxes)))
  }, 60_000)
})

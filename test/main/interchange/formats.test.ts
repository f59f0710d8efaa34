// The shapes other tools give these formats, each read into lines, words and glyphs. The files are written
// here after the structure of each tool's own output templates (Kraken's ALTO, PAGE and hOCR; Transkribus's
// line-level PAGE 2013), with the word positions Tesseract found on the haiku sample page, so that the
// import also runs Glyphdesk's segmentation on a real photo.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { classChars, importOcrFile, readOcrFile } from '../../../src/main/interchange/import.ts'
import type { ImportedPage, Rect } from '../../../src/main/interchange/read.ts'
import { parseXml } from '../../../src/main/interchange/xml.ts'
import { readOcrDocument } from '../../../src/main/interchange/read.ts'

const ROOT = resolve(import.meta.dirname, '..', '..', '..')
const IMAGE = join(ROOT, 'resources', 'samples', '03_haiku.jpg')
const work = mkdtempSync(join(tmpdir(), 'glyphdesk-formats-'))
afterAll(() => rmSync(work, { recursive: true, force: true }))

let haiku: ImportedPage
beforeAll(async () => {
  haiku = await readOcrFile(join(ROOT, 'test', 'fixtures', 'interchange', 'tesseract', '03_haiku.xml'))
})

const bb = (r: Rect) => `${r.x} ${r.y} ${r.x + r.w} ${r.y + r.h}`
const poly = (r: Rect) => `${r.x},${r.y} ${r.x},${r.y + r.h} ${r.x + r.w},${r.y + r.h} ${r.x + r.w},${r.y}`
const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/"/g, '&quot;')
/** A word's box cut into equal columns, one per character (how a line recogniser's cuts place glyphs). */
const cuts = (r: Rect, n: number): Rect[] =>
  Array.from({ length: n }, (_, k) => {
    const x0 = r.x + Math.round((k * r.w) / n),
      x1 = r.x + Math.round(((k + 1) * r.w) / n)
    return { x: x0, y: r.y, w: x1 - x0, h: r.h }
  })

function krakenAltoV3(): string {
  const lines = haiku.lines
    .map(
      (l, li) =>
        `<TextLine ID="line_${li}" HPOS="${l.rect.x}" VPOS="${l.rect.y}" WIDTH="${l.rect.w}" HEIGHT="${l.rect.h}">` +
        l.words
          .map(
            (w, wi) =>
              (wi > 0
                ? `<SP ID="segment_${li}_${wi}s" HPOS="${w.rect.x - 5}" VPOS="${w.rect.y}" WIDTH="5" HEIGHT="${w.rect.h}"/>`
                : '') +
              `<String ID="segment_${li}_${wi}" CONTENT="${esc(w.text)}" HPOS="${w.rect.x}" VPOS="${w.rect.y}" WIDTH="${w.rect.w}" HEIGHT="${w.rect.h}" WC="0.8123" CC="${w.text
                .split('')
                .map(() => 8)
                .join(' ')}"/>`
          )
          .join('') +
        '</TextLine>'
    )
    .join('\n')
  return `<alto xmlns="http://www.loc.gov/standards/alto/ns-v3#"><Description><MeasurementUnit>pixel</MeasurementUnit>
<sourceImageInformation><fileName>03_haiku.jpg</fileName></sourceImageInformation>
<OCRProcessing ID="OCR_0"><ocrProcessingStep><processingSoftware><softwareName>kraken</softwareName></processingSoftware></ocrProcessingStep></OCRProcessing></Description>
<Layout><Page WIDTH="1600" HEIGHT="375" PHYSICAL_IMG_NR="0" ID="page_0"><PrintSpace HPOS="0" VPOS="0" WIDTH="1600" HEIGHT="375">
<TextBlock HPOS="0" VPOS="0" ID="textblock_0" WIDTH="1600" HEIGHT="375">${lines}</TextBlock></PrintSpace></Page></Layout></alto>`
}

function krakenPage2019(): string {
  const lines = haiku.lines
    .map(
      (l, li) =>
        `<TextLine id="line_${li}"><Coords points="${poly(l.rect)}"/><Baseline points="${l.rect.x},${l.rect.y + l.rect.h} ${l.rect.x + l.rect.w},${l.rect.y + l.rect.h}"/>` +
        l.words
          .map((w, wi) => {
            const chars = [...w.text]
            const glyphs = cuts(w.rect, chars.length)
              .map(
                (g, k) =>
                  `<Glyph id="char_${li}_${wi}_${k}"><Coords points="${poly(g)}"/><TextEquiv conf="0.9"><Unicode>${esc(chars[k])}</Unicode></TextEquiv></Glyph>`
              )
              .join('')
            // Kraken writes the space between two words as a word of its own.
            const space =
              wi > 0
                ? `<Word id="segment_${li}_${wi}s"><Coords points="${poly({ x: w.rect.x - 4, y: w.rect.y, w: 4, h: w.rect.h })}"/><Glyph id="sp_${li}_${wi}"><Coords points="${poly({ x: w.rect.x - 4, y: w.rect.y, w: 4, h: w.rect.h })}"/><TextEquiv conf="0.99"><Unicode> </Unicode></TextEquiv></Glyph></Word>`
                : ''
            return `${space}<Word id="segment_${li}_${wi}"><Coords points="${poly(w.rect)}"/>${glyphs}</Word>`
          })
          .join('') +
        '</TextLine>'
    )
    .join('\n')
  return `<?xml version="1.0" encoding="UTF-8"?>
<PcGts xmlns="http://schema.primaresearch.org/PAGE/gts/pagecontent/2019-07-15" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
<Metadata><Creator>kraken</Creator><Created>2024-01-01T00:00:00</Created><LastChange>2024-01-01T00:00:00</LastChange></Metadata>
<Page imageFilename="03_haiku.jpg" imageWidth="1600" imageHeight="375"><TextRegion id="textblock_1"><Coords points="0,0 0,375 1600,375 1600,0"/>${lines}</TextRegion></Page></PcGts>`
}

function transkribusPage2013(): string {
  const lines = haiku.lines
    .map(
      (l, li) =>
        `<TextLine id="tr_${li}" custom="readingOrder {index:${li};}"><Coords points="${poly(l.rect)}"/>` +
        `<Baseline points="${l.rect.x},${l.rect.y + l.rect.h - 3} ${l.rect.x + l.rect.w},${l.rect.y + l.rect.h - 3}"/>` +
        `<TextEquiv><Unicode>${esc(l.words.map((w) => w.text).join(' '))}</Unicode></TextEquiv></TextLine>`
    )
    .join('\n')
  return `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<PcGts xmlns="http://schema.primaresearch.org/PAGE/gts/pagecontent/2013-07-15" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
<Metadata><Creator>prov=University of Rostock/Institute of Mathematics/CITlab/Transkribus</Creator><Created>2020-01-01T00:00:00.000+01:00</Created><LastChange>2020-01-01T00:00:00.000+01:00</LastChange></Metadata>
<Page imageFilename="03_haiku.jpg" imageWidth="1600" imageHeight="375"><ReadingOrder><OrderedGroup id="ro_1" caption="Regions reading order"><RegionRefIndexed index="0" regionRef="r1"/></OrderedGroup></ReadingOrder>
<TextRegion id="r1" custom="readingOrder {index:0;}"><Coords points="0,0 0,375 1600,375 1600,0"/>${lines}
<TextEquiv><Unicode>${esc(haiku.lines.map((l) => l.words.map((w) => w.text).join(' ')).join('\n'))}</Unicode></TextEquiv></TextRegion></Page></PcGts>`
}

function krakenHocr(): string {
  const lines = haiku.lines
    .map(
      (l, li) =>
        `<span class="ocr_line" id="line_${li}" title="bbox ${bb(l.rect)}; cuts 1 2 3">` +
        l.words
          .map(
            (w, wi) =>
              `<span class="ocrx_word" id="segment_${li}_${wi}" title="bbox ${bb(w.rect)}, x_confs ${w.text
                .split('')
                .map(() => 0.9)
                .join(' ')}">${esc(w.text)}</span>`
          )
          .join('<span class="ocrx_word" title="bbox 0 0 1 1"> </span>') +
        '</span><br/>'
    )
    .join('\n')
  return `<!DOCTYPE html>
<html><head><meta http-equiv="Content-Type" content="text/html; charset=utf-8"/><meta name="ocr-system" content="kraken"/></head>
<body><div class="ocr_page" title="bbox 0 0 1600 375, image 03_haiku.jpg" style="writing-mode: horizontal-tb;">${lines}</div></body></html>`
}

const wordsOf = (p: ImportedPage) => p.lines.map((l) => l.words.map((w) => w.text))

describe('OCR files as other tools write them', () => {
  it('Kraken ALTO v3 (word Strings, SP between, CC confidences, no glyphs): words as written, glyphs segmented and aligned', async () => {
    writeFileSync(join(work, 'kraken.alto.xml'), krakenAltoV3())
    const p = await readOcrFile(join(work, 'kraken.alto.xml'))
    expect(p).toMatchObject({ format: 'alto', version: 'ALTO v3', tool: 'kraken', width: 1600, height: 375 })
    expect(wordsOf(p)).toEqual(wordsOf(haiku))
    expect(p.lines[0].words[0].conf).toBeCloseTo(0.8123, 4)
    const { doc, report } = await importOcrFile(join(work, 'kraken.alto.xml'), IMAGE)
    expect(report.alignedWords).toBeGreaterThan(report.words / 2)
    expect(doc.imported?.tool).toBe('kraken')
  })

  it("Kraken PAGE 2019 (glyphs with conf, words without TextEquiv, spaces as words): the file's glyph boxes, spaces dropped", async () => {
    writeFileSync(join(work, 'kraken.page.xml'), krakenPage2019())
    const p = await readOcrFile(join(work, 'kraken.page.xml'))
    expect(p).toMatchObject({ format: 'page', version: 'PAGE 2019-07-15', tool: 'kraken' })
    expect(wordsOf(p)).toEqual(wordsOf(haiku))
    const { doc, report } = await importOcrFile(join(work, 'kraken.page.xml'), IMAGE)
    expect(report.wordsWithFileGlyphs).toBe(report.words)
    const n = haiku.lines.reduce((s, l) => s + l.words.reduce((t, w) => t + [...w.text].length, 0), 0)
    expect(doc.boxes).toHaveLength(n)
    expect(
      doc.boxes
        .filter((b) => b.label)
        .map((b) => b.label)
        .join('')
    ).toBe(
      classChars(haiku.lines.map((l) => l.words.map((w) => w.text).join('')).join(''))
        .map((c) => c.ch)
        .join('')
    )
    expect(doc.boxes.every((b) => b.confidence === undefined || b.confidence === 0.9)).toBe(true)
  })

  it('Transkribus PAGE 2013 (line-level text only, baselines, reading order in custom): lines aligned to segmented glyphs, words from the spaces', async () => {
    writeFileSync(join(work, 'transkribus.xml'), transkribusPage2013())
    const p = await readOcrFile(join(work, 'transkribus.xml'))
    expect(p).toMatchObject({ format: 'page', version: 'PAGE 2013-07-15' })
    expect(p.tool).toContain('Transkribus')
    expect(p.lines.map((l) => l.words.length)).toEqual(haiku.lines.map(() => 1))
    const { doc, report } = await importOcrFile(join(work, 'transkribus.xml'), IMAGE)
    expect(doc.lines).toHaveLength(3)
    expect(report.words).toBe(haiku.lines.reduce((s, l) => s + l.words.length, 0))
    // Every box carries its line's text; an aligned line splits into the words of its text.
    for (const b of doc.boxes) expect(haiku.lines[b.line].words.map((w) => w.text).join(' ')).toBe(b.imported?.word)
    for (let li = 0; li < 3; li++) {
      const boxes = doc.boxes.filter((b) => b.line === li)
      if (boxes.every((b) => b.imported?.aligned))
        expect(new Set(boxes.map((b) => b.word)).size).toBe(
          haiku.lines[li].words.filter((w) => classChars(w.text).length).length
        )
    }
  })

  it('Kraken hOCR (no namespace, "bbox …, image …" titles, whitespace words): words and page size read', async () => {
    writeFileSync(join(work, 'kraken.hocr'), krakenHocr())
    const p = await readOcrFile(join(work, 'kraken.hocr'))
    expect(p).toMatchObject({ format: 'hocr', tool: 'kraken', width: 1600, height: 375, imageFile: '03_haiku.jpg' })
    expect(wordsOf(p)).toEqual(wordsOf(haiku))
  })

  it('ALTO in mm10 is scaled to the image by the page size it states; a page of another shape is refused', async () => {
    const mm = krakenAltoV3()
      .replace('<MeasurementUnit>pixel</MeasurementUnit>', '<MeasurementUnit>mm10</MeasurementUnit>')
      .replace(
        /(HPOS|VPOS|WIDTH|HEIGHT)="(\d+)"/g,
        (_m, k: string, v: string) => `${k}="${(Number(v) / 2).toFixed(1)}"`
      )
    writeFileSync(join(work, 'mm10.xml'), mm)
    const a = await importOcrFile(join(work, 'kraken.alto.xml'), IMAGE)
    const b = await importOcrFile(join(work, 'mm10.xml'), IMAGE)
    // Halving and doubling back moves an odd coordinate by at most one pixel.
    expect(b.doc.lines.length).toBe(a.doc.lines.length)
    b.doc.lines.forEach((l, i) => {
      expect(Math.abs(l.x - a.doc.lines[i].x)).toBeLessThanOrEqual(1)
      expect(Math.abs(l.w - a.doc.lines[i].w)).toBeLessThanOrEqual(1)
    })
    writeFileSync(
      join(work, 'mm10-shape.xml'),
      mm.replace('<Page WIDTH="800.0" HEIGHT="187.5"', '<Page WIDTH="800.0" HEIGHT="400"')
    )
    await expect(importOcrFile(join(work, 'mm10-shape.xml'), IMAGE)).rejects.toThrow(
      /whose shape differs from 03_haiku\.jpg/
    )
  })

  it('entities: the five of XML and character references are read; nothing else', () => {
    const root = parseXml(
      '<alto xmlns="http://www.loc.gov/standards/alto/ns-v4#"><Layout><Page WIDTH="9" HEIGHT="9"><TextLine HPOS="0" VPOS="0" WIDTH="9" HEIGHT="9"><String CONTENT="A&amp;&#66;&lt;" HPOS="0" VPOS="0" WIDTH="9" HEIGHT="9"/></TextLine></Page></Layout></alto>',
      'x.xml'
    )
    expect(readOcrDocument(root, 'x.xml').lines[0].words[0].text).toBe('A&B<')
    expect(() => parseXml('<a>&nbsp;</a>', 'y.xml')).toThrow(/y\.xml is not well-formed XML \(.*undefined entity/)
  })
})

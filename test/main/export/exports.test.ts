import { execFileSync } from 'node:child_process'
import { existsSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { exportAlto, exportHocr, exportJson, exportPageXml, exportText } from '../../../src/main/export/index.ts'
import { assembleText, type PageDoc, PageDocSchema } from '../../../src/shared/pagedoc.ts'

const doc: PageDoc = {
  version: 1,
  image: { path: '/pages/a&b.jpg', width: 400, height: 200 },
  model: { name: 'mlp<test>' },
  boxes: [
    {
      id: 'b1',
      x: 10,
      y: 10,
      w: 20,
      h: 30,
      line: 0,
      word: 0,
      label: 'T',
      confidence: 0.9,
      top3: [{ label: 'T', p: 0.9 }],
      source: 'detector'
    },
    {
      id: 'b2',
      x: 35,
      y: 12,
      w: 20,
      h: 30,
      line: 0,
      word: 0,
      label: 'D',
      confidence: 0.5,
      userLabel: 'O',
      source: 'detector'
    },
    { id: 'b3', x: 90, y: 10, w: 20, h: 30, line: 0, word: 1, label: 'A', confidence: 0.7, source: 'detector' },
    { id: 'b4', x: 10, y: 80, w: 20, h: 30, line: 1, word: 0, userLabel: '1', source: 'person' },
    { id: 'b5', x: 40, y: 80, w: 20, h: 30, line: 1, word: 0, source: 'detector' }
  ],
  lines: [
    { index: 0, x: 10, y: 10, w: 100, h: 32 },
    { index: 1, x: 10, y: 80, w: 50, h: 30 }
  ]
}

// Parses with Python's XML parser (well-formedness) and lists every element as "tag attr1,attr2,…".
const python = ['/usr/bin/python3', 'python3'].find((p) => {
  try {
    execFileSync(p, ['-c', '1'])
    return true
  } catch {
    return false
  }
})
function elements(xml: string): { tag: string; attrs: Record<string, string>; text: string }[] {
  if (!python) throw new Error('python3 is needed to check XML well-formedness')
  const script =
    'import sys,json,xml.etree.ElementTree as E\nr=E.fromstring(sys.stdin.buffer.read())\n' +
    'print(json.dumps([{"tag":e.tag.split("}")[-1],"attrs":e.attrib,"text":e.text or ""} for e in r.iter()]))'
  return JSON.parse(execFileSync(python, ['-c', script], { input: xml }).toString())
}

describe('page exports', () => {
  it('assembles lines and spaces, with user labels over predictions and "?" for unlabelled boxes', () => {
    expect(assembleText(doc)).toBe('TO A\n1?')
    expect(exportText(doc)).toBe('TO A\n1?\n')
  })

  it('writes the PageDoc as JSON that parses back to the same document', () => {
    expect(PageDocSchema.parse(JSON.parse(exportJson(doc)))).toEqual(doc)
  })

  it('rejects a PageDoc with a label outside the 36 classes', () => {
    const bad = { ...doc, boxes: [{ ...doc.boxes[0], label: 't' }] }
    expect(() => exportJson(bad)).toThrow()
  })

  it('writes well-formed hOCR with a line, word and ocrx_cinfo per character', () => {
    expect(existsSync('/usr/bin/python3') || python).toBeTruthy()
    const els = elements(exportHocr(doc))
    const cls = (c: string) => els.filter((e) => e.attrs.class === c)
    expect(cls('ocr_page')[0].attrs.title).toContain('bbox 0 0 400 200')
    expect(cls('ocr_line')).toHaveLength(2)
    expect(cls('ocrx_word').map((e) => e.attrs.title.split(';')[0])).toEqual([
      'bbox 10 10 55 42',
      'bbox 90 10 110 40',
      'bbox 10 80 60 110'
    ])
    const chars = cls('ocrx_cinfo')
    expect(chars.map((e) => e.text).join('')).toBe('TOA1?')
    expect(chars[1].attrs.title).toBe('bbox 35 12 55 42; x_conf 100.0')
    expect(els.find((e) => e.attrs.name === 'ocr-capabilities')?.attrs.content).toContain('ocrx_cinfo')
    expect(cls('ocr_line')[0].attrs.title).not.toContain('textangle')
    // A page read turned 270° clockwise: its lines lie turned 270° counterclockwise in the file.
    const turned = elements(exportHocr({ ...doc, image: { ...doc.image, turn: 270 } }))
    const lines = turned.filter((e) => e.attrs.class === 'ocr_line')
    expect(lines.map((e) => e.attrs.title.split('; ')[1])).toEqual(['textangle 270', 'textangle 270'])
  })

  it('writes well-formed ALTO v4 with String per word and Glyph per character', () => {
    const xml = exportAlto(doc)
    expect(xml).toContain('xmlns="http://www.loc.gov/standards/alto/ns-v4#"')
    const els = elements(xml)
    const tags = (t: string) => els.filter((e) => e.tag === t)
    expect(tags('MeasurementUnit')[0].text).toBe('pixel')
    expect(tags('fileName')[0].text).toBe('a&b.jpg')
    expect(tags('Page')[0].attrs).toMatchObject({ WIDTH: '400', HEIGHT: '200', ID: 'page_1' })
    expect(tags('TextLine')).toHaveLength(2)
    expect(tags('String').map((e) => e.attrs.CONTENT)).toEqual(['TO', 'A', '1?'])
    expect(tags('SP')).toHaveLength(1)
    const glyphs = tags('Glyph')
    expect(glyphs.map((e) => e.attrs.CONTENT).join('')).toBe('TOA1?')
    for (const g of glyphs)
      for (const a of ['ID', 'CONTENT', 'HPOS', 'VPOS', 'WIDTH', 'HEIGHT']) expect(g.attrs[a], a).toBeDefined()
    for (const t of ['TextLine', 'String'])
      for (const e of tags(t))
        for (const a of ['ID', 'HPOS', 'VPOS', 'WIDTH', 'HEIGHT']) expect(e.attrs[a]).toBeDefined()
    // Schema order inside ocrProcessingStep: settings before software.
    const order = els.map((e) => e.tag)
    expect(order.indexOf('processingStepSettings')).toBeLessThan(order.indexOf('processingSoftware'))
  })

  it("marks the person's corrections in ALTO: GC 1, a Variant with the model's reading, CS on the word", () => {
    const els = elements(exportAlto(doc))
    const glyph = (id: string) => els.findIndex((e) => e.tag === 'Glyph' && e.attrs.ID === `glyph_${id}`)
    const b2 = glyph('b2')
    expect(els[b2].attrs).toMatchObject({ CONTENT: 'O', GC: '1.000' })
    expect(els[b2 + 1]).toMatchObject({ tag: 'Variant', attrs: { CONTENT: 'D', VC: '0.500' } })
    // A person's box with no model reading: an empty Variant; an unchanged glyph: none.
    expect(els[glyph('b4') + 1]).toMatchObject({ tag: 'Variant', attrs: {} })
    expect(els[glyph('b1') + 1].tag).not.toBe('Variant')
    expect(els.filter((e) => e.tag === 'String').map((e) => e.attrs.CS)).toEqual(['true', undefined, 'true'])
  })

  it('writes PAGE XML 2019-07-15: region > line > word > glyph with Coords, TextEquiv and conf; corrections tagged', () => {
    const xml = exportPageXml(doc, { now: new Date('2026-01-02T03:04:05Z') })
    expect(xml).toContain('xmlns="http://schema.primaresearch.org/PAGE/gts/pagecontent/2019-07-15"')
    const els = elements(xml)
    const tags = (t: string) => els.filter((e) => e.tag === t)
    expect(tags('Created')[0].text).toBe('2026-01-02T03:04:05')
    expect(tags('Page')[0].attrs).toMatchObject({ imageFilename: 'a&b.jpg', imageWidth: '400', imageHeight: '200' })
    expect(tags('TextRegion')).toHaveLength(1)
    expect(tags('TextLine')).toHaveLength(2)
    expect(tags('Word')).toHaveLength(3)
    expect(tags('Glyph').map((e) => e.attrs.id)).toEqual(['glyph_b1', 'glyph_b2', 'glyph_b3', 'glyph_b4', 'glyph_b5'])
    expect(tags('Coords')[2].attrs.points).toBe('10,10 55,10 55,42 10,42') // the first word: its glyphs' union
    const i = els.findIndex((e) => e.attrs.id === 'glyph_b2')
    const eqs = els
      .slice(i)
      .filter((e) => e.tag === 'TextEquiv')
      .slice(0, 2)
    expect(eqs.map((e) => e.attrs)).toEqual([
      { index: '1', conf: '1.000', comments: 'corrected by a person' },
      { index: '2', conf: '0.500', comments: 'model reading' }
    ])
    expect(els.slice(i).find((e) => e.tag === 'Label')?.attrs).toEqual({ type: 'labelledBy', value: 'person' })
    expect(tags('Unicode').map((e) => e.text)).toContain('TO A\n1?')
  })
})

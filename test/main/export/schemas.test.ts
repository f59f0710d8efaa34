// ALTO and PAGE XML as Glyphdesk writes them, validated against the official ALTO 4.4 and PAGE 2019-07-15
// schemas with libxml2 (offline); a deliberately broken file of each must fail, so the check can fail.
// The sample pages' files are validated in test/main/interchange/samples.test.ts.
import { describe, expect, it } from 'vitest'
import { exportAlto, exportPageXml } from '../../../src/main/export/index.ts'
import type { PageDoc } from '../../../src/shared/pagedoc.ts'
import { validateAgainst } from '../helpers/xsd.ts'

const doc: PageDoc = {
  version: 1,
  image: { path: '/pages/a&b "1".jpg', width: 400, height: 200 },
  model: { name: 'mlp<test>' },
  boxes: [
    { id: 'b1', x: 10, y: 10, w: 20, h: 30, line: 0, word: 0, label: 'T', confidence: 0.9, source: 'detector' },
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
    { id: 'box with space', x: 40, y: 80, w: 20, h: 30, line: 1, word: 0, source: 'detector' }
  ],
  lines: [
    { index: 0, x: 10, y: 10, w: 100, h: 32 },
    { index: 1, x: 10, y: 80, w: 50, h: 30 }
  ]
}
const empty: PageDoc = { ...doc, boxes: [], lines: [] }

describe('ALTO and PAGE XML against the official schemas', () => {
  it("ALTO 4.4: a page with corrections, a person's box, an unlabelled box, an empty page and a page read turned validate", async () => {
    const turned: PageDoc = { ...doc, image: { ...doc.image, turn: 90 } }
    const r = await validateAgainst('alto-4.4', {
      'page.xml': exportAlto(doc),
      'empty.xml': exportAlto(empty),
      'turned.xml': exportAlto(turned)
    })
    for (const res of Object.values(r)) expect(res).toEqual({ valid: true, errors: [] })
    // Counterclockwise in ALTO: the text of a page turned 90° clockwise to be read lies turned 90° the other way.
    expect(exportAlto(turned)).toMatch(/<Page [^>]*ROTATION="90"/)
    expect(exportAlto(doc)).not.toMatch(/ROTATION=/)
  })

  it('PAGE 2019-07-15: the same pages validate, and pages read turned say so', async () => {
    const turned = (turn: 90 | 180 | 270): PageDoc => ({ ...doc, image: { ...doc.image, turn } })
    const r = await validateAgainst('page-2019-07-15', {
      'page.xml': exportPageXml(doc),
      'empty.xml': exportPageXml(empty),
      'turned90.xml': exportPageXml(turned(90)),
      'turned270.xml': exportPageXml(turned(270))
    })
    for (const res of Object.values(r)) expect(res).toEqual({ valid: true, errors: [] })
    expect(exportPageXml(doc)).not.toMatch(/orientation=/)
    // Clockwise, within (−180, 180]: a page turned 270° clockwise to be read is −90°.
    expect(exportPageXml(turned(90))).toMatch(/<Page [^>]*orientation="90"/)
    expect(exportPageXml(turned(180))).toMatch(/<Page [^>]*orientation="180"/)
    expect(exportPageXml(turned(270))).toMatch(/<Page [^>]*orientation="-90"/)
  })

  it('fails deliberately broken files: an unknown attribute, a missing required element, a wrong namespace, a confidence above 1', async () => {
    const alto = exportAlto(doc)
    const page = exportPageXml(doc)
    const a = await validateAgainst('alto-4.4', {
      'attr.xml': alto.replace('<TextLine ', '<TextLine BOGUS="1" '),
      'gc.xml': alto.replace(/GC="0\.900"/, 'GC="1.5"'),
      'ns.xml': alto.replace('ns-v4#"', 'ns-v9#"')
    })
    const p = await validateAgainst('page-2019-07-15', {
      'nocoords.xml': page.replace(/<Glyph id="glyph_b1"><Coords points="[^"]*"\/>/, '<Glyph id="glyph_b1">'),
      'order.xml': page.replace('<Metadata>\n<Creator>Glyphdesk</Creator>', '<Metadata>')
    })
    for (const [name, res] of Object.entries({ ...a, ...p })) {
      expect(res.valid, name).toBe(false)
      expect(res.errors.join('\n'), name).toMatch(
        /Schemas validity error|not expected|not allowed|No matching global declaration/
      )
    }
  })
})

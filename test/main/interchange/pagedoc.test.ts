// PageDoc version 2: imported labels are recorded as a tool's, never as the person's, in a way an older
// reader cannot silently lose; a model's re-reading replaces the tool's label and its mark.
import { describe, expect, it } from 'vitest'
import { join, resolve } from 'node:path'
import { importOcrFile } from '../../../src/main/interchange/import.ts'
import { collectCorrections } from '../../../src/main/learn/corrections.ts'
import { applyPredictions } from '../../../src/shared/pageEdits.ts'
import { type PageDoc, PageDocSchema } from '../../../src/shared/pagedoc.ts'

const ROOT = resolve(import.meta.dirname, '..', '..', '..')

const v2: PageDoc = {
  version: 2,
  image: { path: 'p.png', width: 100, height: 40 },
  imported: { format: 'alto', tool: 'tesseract 5.3.0', file: 'p.xml' },
  boxes: [
    {
      id: 'b1',
      x: 1,
      y: 1,
      w: 9,
      h: 9,
      line: 0,
      word: 0,
      label: 'A',
      confidence: 0.4,
      source: 'detector',
      imported: { aligned: true, word: 'Ab' }
    },
    {
      id: 'b2',
      x: 11,
      y: 1,
      w: 9,
      h: 9,
      line: 0,
      word: 0,
      label: 'B',
      confidence: 0.4,
      userLabel: 'B',
      source: 'detector',
      imported: { aligned: true, word: 'Ab' }
    },
    {
      id: 'b3',
      x: 30,
      y: 1,
      w: 9,
      h: 9,
      line: 0,
      word: 1,
      source: 'detector',
      imported: { aligned: false, word: 'c,d' }
    }
  ],
  lines: [{ index: 0, x: 1, y: 1, w: 40, h: 9 }]
}

describe('PageDoc version 2', () => {
  it('parses a version-2 page with imported labels, and every version-1 page as before', () => {
    expect(PageDocSchema.parse(v2)).toEqual(v2)
    const v1 = {
      version: 1,
      image: v2.image,
      boxes: [{ id: 'b1', x: 1, y: 1, w: 9, h: 9, line: 0, word: 0, label: 'A', source: 'detector' }],
      lines: v2.lines
    }
    expect(PageDocSchema.parse(v1)).toEqual(v1)
  })

  it('refuses imported labels in a document that says version 1, and unknown versions', () => {
    expect(PageDocSchema.safeParse({ ...v2, version: 1 }).success).toBe(false)
    const { imported: _i, ...noDocMark } = v2
    expect(PageDocSchema.safeParse({ ...noDocMark, version: 1 }).error?.issues[0].message).toMatch(
      /imported labels is PageDoc version 2/
    )
    expect(PageDocSchema.safeParse({ ...v2, version: 3 }).success).toBe(false)
  })

  it("retraining takes only the boxes a person confirmed, not the tool's labels", async () => {
    const { doc } = await importOcrFile(
      join(ROOT, 'test', 'fixtures', 'interchange', 'tesseract', '03_haiku.xml'),
      join(ROOT, 'resources', 'samples', '03_haiku.jpg')
    )
    const labelled = doc.boxes.filter((b) => b.label)
    expect(labelled.length).toBeGreaterThan(10)
    await expect(collectCorrections([{ file: 'haiku.json', doc }])).rejects.toThrow(/no corrections/)
    const confirmed = {
      ...doc,
      boxes: doc.boxes.map((b) => (b.id === labelled[0].id ? { ...b, userLabel: b.label } : b))
    }
    const c = await collectCorrections([{ file: 'haiku.json', doc: confirmed }])
    expect(c.rows.map((r) => r.boxId)).toEqual([labelled[0].id])
  })

  it("a model's re-reading replaces the tool's label and drops its import mark", () => {
    const next = applyPredictions(v2, [{ id: 'b1', label: 'R', confidence: 0.9 }])
    expect(next.boxes[0]).toMatchObject({ label: 'R', confidence: 0.9 })
    expect(next.boxes[0].imported).toBeUndefined()
    expect(next.boxes[2].imported).toEqual({ aligned: false, word: 'c,d' })
  })
})

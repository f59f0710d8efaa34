// Open… with another tool's OCR file: the session store sends the OCR file and the image together to
// pages.import, opens the result as a page, and tells the person what came in; an OCR file alone is refused
// before anything is sent, and a refusal from main leaves the open pages as they were.
import { createPinia, setActivePinia } from 'pinia'
import { beforeEach, describe, expect, it } from 'vitest'
import { provideApi } from '../../src/renderer/src/clients/api.ts'
import { usePageStore } from '../../src/renderer/src/stores/page.ts'
import { useSessionStore } from '../../src/renderer/src/stores/session.ts'
import { useViewStore } from '../../src/renderer/src/stores/view.ts'
import { fakeClient, GLYPH, smallDoc } from './helpers.ts'

const report = {
  format: 'hocr' as const,
  version: 'hOCR',
  tool: 'tesseract 5.3.0',
  lines: 2,
  words: 3,
  wordsWithFileGlyphs: 0,
  alignedWords: 2,
  unalignedWords: 1,
  emptyWords: 0,
  boxes: 5
}
const imported = () => {
  const doc = smallDoc()
  return {
    ...doc,
    version: 2 as const,
    imported: { format: 'hocr' as const, tool: 'tesseract 5.3.0', file: 'page.hocr' },
    boxes: doc.boxes.map((b) => ({ ...b, imported: { aligned: true, word: 'AB' } }))
  }
}

beforeEach(() => setActivePinia(createPinia()))

describe('importing an OCR file in the app', () => {
  it("sends the OCR file with the image picked with it and opens the page with the tool's labels", async () => {
    const doc = imported()
    const { client, calls } = fakeClient({
      'pages.import': () => ({
        pageId: 'p1',
        doc,
        glyphs: Object.fromEntries(doc.boxes.map((b) => [b.id, GLYPH])),
        warnings: [],
        report
      }),
      'pages.image': () => ({ url: '/img' })
    })
    provideApi(client)
    const session = useSessionStore()
    await session.openFiles([new File(['<html/>'], 'page.hocr'), new File([new Uint8Array([1, 2, 3])], 'page.jpg')])
    const call = calls.find((c) => c.route === 'pages.import')!
    expect(call.input).toMatchObject({
      ocr: { name: 'page.hocr', base64: btoa('<html/>') },
      image: { name: 'page.jpg', base64: 'AQID' }
    })
    expect(usePageStore().doc?.imported?.tool).toBe('tesseract 5.3.0')
    expect(useViewStore().toast?.text).toMatch(
      /Imported 3 words from tesseract 5\.3\.0 \(hOCR\): 5 glyph boxes.*1 words could not be aligned/
    )
  })

  it('refuses an OCR file without its image before sending anything, and a refusal from main changes no page', async () => {
    const { client, calls } = fakeClient({
      'pages.import': () => {
        throw Object.assign(new Error('bomb.xml declares XML entities in its DOCTYPE'), { name: 'InterchangeError' })
      }
    })
    provideApi(client)
    const session = useSessionStore()
    await session.openFiles([new File(['<alto/>'], 'page.xml')])
    expect(calls).toHaveLength(0)
    expect(useViewStore().toast).toMatchObject({ kind: 'error' })
    await session.openFiles([new File(['<x/>'], 'bomb.xml'), new File(['x'], 'page.png')])
    expect(useViewStore().toast?.text).toContain('declares XML entities')
    expect(usePageStore().pages).toHaveLength(0)
  })
})

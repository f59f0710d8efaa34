// A restored autosave whose boxes name huge line numbers ("line": 1e9) must render, not throw
// `RangeError: Invalid array length` on every start: the views group boxes by line with a map.
import { mount } from '@vue/test-utils'
import { createPinia, setActivePinia } from 'pinia'
import { beforeEach, describe, expect, it } from 'vitest'
import { provideApi } from '../../src/renderer/src/clients/api.ts'
import GlyphStrip from '../../src/renderer/src/components/GlyphStrip.vue'
import TextPanel from '../../src/renderer/src/components/TextPanel.vue'
import { useCommands } from '../../src/renderer/src/lib/commands.ts'
import { usePageStore } from '../../src/renderer/src/stores/page.ts'
import { fakeClient, GLYPH, smallDoc } from './helpers.ts'

beforeEach(() => {
  setActivePinia(createPinia())
  provideApi(fakeClient({}).client)
  const doc = smallDoc()
  doc.boxes = doc.boxes.map((b) => (b.line === 1 ? { ...b, line: 1e9, word: 2 ** 31 } : b))
  usePageStore().addPage({ pageId: 'p1', imageUrl: '/x', doc, glyphs: { b1: GLYPH } })
})

describe('a document with "line": 1e9', () => {
  // The document still lists line 1 (now empty); line 1e9 comes after it.
  it('renders the text panel and the glyph strip line by line', () => {
    expect(
      mount(TextPanel)
        .findAll('[data-testid="line-text"]')
        .map((l) => l.text())
    ).toEqual(['AB C', '', 'DE'])
    expect(mount(GlyphStrip).findAll('.line')).toHaveLength(3)
  })

  it('retypes the line shown third (the one numbered 1e9)', () => {
    expect(useCommands().editLine(2, 'XY')).toBeNull()
    expect(
      usePageStore()
        .doc!.boxes.filter((b) => b.line === 1e9)
        .map((b) => b.userLabel)
    ).toEqual(['X', 'Y'])
  })
})

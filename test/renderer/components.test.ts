// Key components under happy-dom: the text panel and the glyph strip stay in step with the
// selection and the document both ways.
import { mount } from '@vue/test-utils'
import { createPinia, setActivePinia } from 'pinia'
import { beforeEach, describe, expect, it } from 'vitest'
import { nextTick } from 'vue'
import { setUserLabel } from '../../src/shared/pageEdits.ts'
import { provideApi } from '../../src/renderer/src/clients/api.ts'
import GlyphStrip from '../../src/renderer/src/components/GlyphStrip.vue'
import HelpOverlay from '../../src/renderer/src/components/HelpOverlay.vue'
import TextPanel from '../../src/renderer/src/components/TextPanel.vue'
import { usePageStore } from '../../src/renderer/src/stores/page.ts'
import { useSelectionStore } from '../../src/renderer/src/stores/selection.ts'
import { useViewStore } from '../../src/renderer/src/stores/view.ts'
import { fakeClient, GLYPH, smallDoc } from './helpers.ts'

beforeEach(() => {
  const pinia = createPinia()
  setActivePinia(pinia)
  provideApi(fakeClient({}).client)
  usePageStore().addPage({ pageId: 'p1', imageUrl: '/x', doc: smallDoc(), glyphs: { b1: GLYPH } })
})

describe('TextPanel', () => {
  it('shows lines with word spaces and selects a box when its character is clicked', async () => {
    const w = mount(TextPanel)
    expect(w.findAll('[data-testid="line-text"]').map((l) => l.text())).toEqual(['AB C', 'DE'])
    await w.find('.ch[data-box="b3"]').trigger('click')
    expect(useSelectionStore().ids).toEqual(['b3'])
    expect(w.find('.ch[data-box="b3"]').classes()).toContain('sel')
  })

  it("lights the character of a box selected elsewhere, and marks the person's labels", async () => {
    const w = mount(TextPanel)
    useSelectionStore().select(['b4'])
    const pages = usePageStore()
    pages.apply(setUserLabel(pages.doc!, ['b5'], 'F'))
    await nextTick()
    expect(w.find('.ch[data-box="b4"]').classes()).toContain('sel')
    expect(w.find('.ch[data-box="b5"]').text()).toBe('F')
    expect(w.find('.ch[data-box="b5"]').classes()).toContain('person')
  })

  it('corrects labels from a retyped line and explains a count mismatch', async () => {
    const w = mount(TextPanel)
    await w.findAll('.pen')[1].trigger('click')
    const input = w.find('input.edit')
    await input.setValue('DX')
    await input.trigger('keydown', { key: 'Enter' })
    expect(usePageStore().doc!.boxes.find((b) => b.id === 'b5')!.userLabel).toBe('X')
    await w.findAll('.pen')[1].trigger('click')
    await w.find('input.edit').setValue('DXY')
    await w.find('input.edit').trigger('keydown', { key: 'Enter' })
    expect(w.find('[role="alert"]').text()).toMatch(/2 boxes but 3 characters/)
  })
})

describe('GlyphStrip', () => {
  it("has one cell per box, line by line, with confidence, top-3 and the person's mark", async () => {
    const w = mount(GlyphStrip)
    expect(w.findAll('.line')).toHaveLength(2)
    expect(w.findAll('.cell')).toHaveLength(5)
    const b2 = w.find('.cell[data-box="b2"]')
    expect(b2.text()).toContain('20%')
    expect(b2.findAll('.top3 span')).toHaveLength(3)
    const pages = usePageStore()
    pages.apply(setUserLabel(pages.doc!, ['b2'], 'R'))
    await nextTick()
    expect(w.find('.cell[data-box="b2"] .letter').text()).toContain('R')
    expect(w.find('.cell[data-box="b2"]').classes()).toContain('person')
    await w.find('.cell[data-box="b4"]').trigger('click')
    expect(useSelectionStore().primary).toBe('b4')
  })
})

describe('HelpOverlay', () => {
  it('lists the shortcuts when asked', async () => {
    const w = mount(HelpOverlay)
    expect(w.find('[data-testid="help"]').exists()).toBe(false)
    useViewStore().help = true
    await nextTick()
    expect(w.text()).toMatch(/review queue/)
    expect(w.text()).toMatch(/Ctrl\/Cmd\+Z/)
  })
})

// The renderer's stores: undo/redo on the PageDoc, selection, the review queue, keyboard
// corrections and recognition after edits — against a fake client, under happy-dom.
import { createPinia, setActivePinia } from 'pinia'
import { beforeEach, describe, expect, it } from 'vitest'
import { assembleText } from '../../src/shared/pagedoc.ts'
import { moveBoxes, setUserLabel, splitBox } from '../../src/shared/pageEdits.ts'
import { provideApi } from '../../src/renderer/src/clients/api.ts'
import { handleKey, useCommands } from '../../src/renderer/src/lib/commands.ts'
import { HISTORY_LIMIT, usePageStore } from '../../src/renderer/src/stores/page.ts'
import { useSelectionStore } from '../../src/renderer/src/stores/selection.ts'
import { useTrainStore } from '../../src/renderer/src/stores/train.ts'
import { fakeClient, GLYPH, smallDoc } from './helpers.ts'

let fake: ReturnType<typeof fakeClient>
const key = (k: string, mods: Partial<KeyboardEventInit> = {}) =>
  handleKey(new KeyboardEvent('keydown', { key: k, ...mods }))
const settle = () => new Promise((r) => setTimeout(r, 0))

beforeEach(() => {
  setActivePinia(createPinia())
  fake = fakeClient({
    'pages.recognize': ({ boxIds }: { boxIds: string[] }) => ({
      model: 'mlp-best',
      predictions: boxIds.map((id) => ({
        id,
        label: 'Q',
        confidence: 0.5,
        top3: [{ label: 'Q', p: 0.5 }],
        glyph: GLYPH
      }))
    }),
    'models.list': () => [],
    'jobs.status': ({ id }: { id: string }) => ({
      id,
      kind: 'train',
      state: 'done',
      seq: 9,
      epoch: 3,
      epochs: 3,
      batch: 0,
      batches: 0,
      lastLoss: 0.1,
      curves: []
    })
  })
  provideApi(fake.client)
  usePageStore().addPage({ pageId: 'p1', imageUrl: '/x', doc: smallDoc(), glyphs: {} })
})

describe('undo and redo', () => {
  it('undoes and redoes a label correction in one press each', () => {
    const pages = usePageStore()
    const before = pages.doc!
    pages.apply(setUserLabel(before, ['b2'], 'R'))
    expect(assembleText(pages.doc!)).toBe('AR C\nDE')
    expect(pages.undo()).toBe(true)
    expect(pages.doc).toBe(before)
    expect(pages.redo()).toBe(true)
    expect(pages.doc!.boxes[1].userLabel).toBe('R')
  })

  it('clears the redo branch when a new edit follows an undo', () => {
    const pages = usePageStore()
    pages.apply(setUserLabel(pages.doc!, ['b1'], 'K'))
    pages.undo()
    pages.apply(setUserLabel(pages.doc!, ['b1'], 'L'))
    expect(pages.canRedo).toBe(false)
    expect(pages.redo()).toBe(false)
    expect(pages.doc!.boxes[0].userLabel).toBe('L')
  })

  it('keeps at most HISTORY_LIMIT steps', () => {
    const pages = usePageStore()
    for (let i = 0; i < HISTORY_LIMIT + 20; i++) pages.apply(setUserLabel(pages.doc!, ['b1'], i % 2 ? 'K' : 'L'))
    let n = 0
    while (pages.undo()) n++
    expect(n).toBe(HISTORY_LIMIT)
  })

  it('binds Ctrl/Cmd+Z and Shift+Ctrl/Cmd+Z to the document history', () => {
    const pages = usePageStore()
    pages.apply(setUserLabel(pages.doc!, ['b1'], 'K'))
    expect(key('z', { ctrlKey: true })).toBe(true)
    expect(pages.doc!.boxes[0].userLabel).toBeUndefined()
    key('z', { metaKey: true, shiftKey: true })
    expect(pages.doc!.boxes[0].userLabel).toBe('K')
  })

  it("patches recognition results into the edit's snapshot, so undo and redo keep them", async () => {
    const pages = usePageStore()
    const r = splitBox(pages.doc!, 'b3')
    pages.apply(r)
    await settle()
    await settle()
    const parts = pages.doc!.boxes.filter((b) => r.touched.includes(b.id))
    expect(parts.map((b) => b.label)).toEqual(['Q', 'Q'])
    expect(pages.glyphFor(parts[0])).toBe(GLYPH)
    pages.undo()
    expect(pages.doc!.boxes.map((b) => b.id)).toEqual(['b1', 'b2', 'b3', 'b4', 'b5'])
    pages.redo()
    expect(pages.doc!.boxes.filter((b) => r.touched.includes(b.id)).map((b) => b.label)).toEqual(['Q', 'Q'])
    expect(fake.calls.filter((c) => c.route === 'pages.recognize')).toHaveLength(1)
  })

  it('does not put a stale reading on a box that moved again before the reply', async () => {
    const pages = usePageStore()
    pages.apply(moveBoxes(pages.doc!, ['b1'], 5, 0))
    pages.apply(moveBoxes(pages.doc!, ['b1'], 5, 0))
    await settle()
    await settle()
    expect(pages.doc!.boxes[0].x).toBe(20)
    expect(pages.doc!.boxes[0].label).toBe('Q')
    pages.undo()
    // The middle snapshot got the reading made for its own geometry.
    expect(pages.doc!.boxes[0].x).toBe(15)
    expect(pages.doc!.boxes[0].label).toBe('Q')
  })
})

describe('selection and the review queue', () => {
  it('walks the boxes lowest confidence first with Tab, and back with Shift+Tab', () => {
    const sel = useSelectionStore()
    const seen: string[] = []
    for (let i = 0; i < 5; i++) {
      key('Tab')
      seen.push(sel.primary!)
    }
    expect(seen).toEqual(['b2', 'b4', 'b3', 'b1', 'b5'])
    key('Tab')
    expect(sel.primary).toBe('b2')
    key('Tab', { shiftKey: true })
    expect(sel.primary).toBe('b5')
  })

  it("types a letter onto the selected glyph as the person's label and moves on", () => {
    const pages = usePageStore()
    const sel = useSelectionStore()
    key('Tab')
    key('x')
    const b2 = pages.doc!.boxes.find((b) => b.id === 'b2')!
    expect(b2.userLabel).toBe('X')
    expect(b2.label).toBe('B')
    expect(sel.primary).toBe('b4')
    key('Enter')
    expect(pages.doc!.boxes.find((b) => b.id === 'b4')!.userLabel).toBe('D')
    expect(sel.primary).toBe('b3')
  })

  it('drops boxes that an undo removed from the selection', async () => {
    const pages = usePageStore()
    const sel = useSelectionStore()
    const r = splitBox(pages.doc!, 'b1')
    pages.apply(r)
    sel.select(r.created!)
    pages.undo()
    await settle()
    expect(sel.ids).toEqual([])
  })

  it('nudges the selection by 1 px and by 10 px with Shift, as one undo step each', () => {
    const pages = usePageStore()
    useSelectionStore().select(['b1', 'b2'])
    key('ArrowRight')
    key('ArrowDown', { shiftKey: true })
    expect(pages.doc!.boxes.slice(0, 2).map((b) => [b.x, b.y])).toEqual([
      [11, 20],
      [41, 20]
    ])
    pages.undo()
    expect(pages.doc!.boxes[0].y).toBe(10)
  })

  it('merges the selected boxes with + and splits with /', () => {
    const pages = usePageStore()
    const sel = useSelectionStore()
    sel.select(['b1', 'b2'])
    key('+')
    expect(pages.doc!.boxes).toHaveLength(4)
    expect(sel.ids).toHaveLength(1)
    key('/')
    expect(pages.doc!.boxes).toHaveLength(5)
    // One half selected, so the letter typed next labels that half only.
    expect(sel.ids).toHaveLength(1)
    const [left] = sel.ids
    key('K')
    expect(pages.doc!.boxes.filter((b) => b.userLabel === 'K').map((b) => b.id)).toEqual([left])
  })

  it('joins words with _ and splits one with |, each one undo step', () => {
    const pages = usePageStore()
    const sel = useSelectionStore()
    const text = () => assembleText(pages.doc!)
    expect(text()).toBe('AB C\nDE')
    sel.select(['b2', 'b3'])
    key('_')
    expect(text()).toBe('ABC\nDE')
    sel.select(['b2'])
    key('|')
    expect(text()).toBe('A BC\nDE')
    pages.undo()
    expect(text()).toBe('ABC\nDE')
    pages.undo()
    expect(text()).toBe('AB C\nDE')
  })

  it('ignores keys typed into a text field', () => {
    const input = document.createElement('input')
    document.body.appendChild(input)
    useSelectionStore().select(['b1'])
    const e = new KeyboardEvent('keydown', { key: 'k', bubbles: true })
    Object.defineProperty(e, 'target', { value: input })
    expect(handleKey(e)).toBe(false)
    expect(usePageStore().doc!.boxes[0].userLabel).toBeUndefined()
  })
})

describe('text panel edits', () => {
  it('turns a retyped line into labels, and refuses a line with the wrong count', () => {
    const cmd = useCommands()
    expect(cmd.editLine(0, 'AX Y')).toBeNull()
    expect(assembleText(usePageStore().doc!)).toBe('AX Y\nDE')
    expect(usePageStore().doc!.boxes[0].userLabel).toBeUndefined()
    expect(cmd.editLine(1, 'DEF')).toMatch(/2 boxes but 3 characters/)
  })
})

describe('train job events', () => {
  it('follows numbered events and asks for the whole status after a gap', async () => {
    const train = useTrainStore()
    train.listen()
    train.job = {
      id: 'j1',
      kind: 'train',
      state: 'running',
      seq: 1,
      epoch: 0,
      epochs: 3,
      batch: 0,
      batches: 0,
      lastLoss: null,
      curves: []
    }
    fake.emit('job.progress', { ...train.job, seq: 2, epoch: 1 })
    expect(train.job.epoch).toBe(1)
    fake.emit('job.progress', { ...train.job, seq: 5, epoch: 2 })
    await settle()
    await settle()
    expect(fake.calls.some((c) => c.route === 'jobs.status')).toBe(true)
    expect(train.job.seq).toBe(9)
    expect(train.job.state).toBe('done')
  })
})

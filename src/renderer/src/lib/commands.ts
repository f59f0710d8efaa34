// Editing commands and the keyboard map. Each command is one undoable edit through the page store;
// the keyboard handler is a plain function of the event so the tests can drive it.
import { CLASSES } from '@shared/classes.ts'
import { boxesByLine } from '@shared/pagedoc.ts'
import {
  addBox,
  deleteBoxes,
  joinWords,
  mergeBoxes,
  moveBoxes,
  moveToLine,
  resizeBoxes,
  setBoxRect,
  setLineWords,
  setUserLabel,
  splitBox,
  splitWord,
  type Rect
} from '@shared/pageEdits.ts'
import { usePageStore } from '../stores/page.ts'
import { useSelectionStore } from '../stores/selection.ts'
import { useSessionStore } from '../stores/session.ts'
import { useViewStore } from '../stores/view.ts'

export function useCommands() {
  const pages = usePageStore()
  const sel = useSelectionStore()
  const view = useViewStore()

  const withDoc = <T>(f: (doc: NonNullable<typeof pages.doc>) => T): T | undefined =>
    pages.doc ? f(pages.doc) : undefined

  return {
    /** The person's label on the selection; with one box selected, moves on in the review queue. */
    label(letter: string): void {
      const L = letter.toUpperCase()
      if (!CLASSES.includes(L) || sel.ids.length === 0) return
      withDoc((doc) => pages.apply(setUserLabel(doc, sel.ids, L)))
      if (sel.ids.length === 1) sel.reviewStep(1)
    },
    /** Accepts the model's reading as the person's (a confirmed glyph is training data too). */
    confirm(): void {
      if (sel.ids.length === 0) {
        sel.reviewStep(1)
        return
      }
      withDoc((doc) => {
        let d = doc
        for (const b of doc.boxes)
          if (sel.set.has(b.id) && b.label && !b.userLabel) d = setUserLabel(d, [b.id], b.label).doc
        pages.apply({ doc: d, touched: [] })
      })
      if (sel.ids.length === 1) sel.reviewStep(1)
    },
    clearLabel(): void {
      withDoc((doc) => pages.apply(setUserLabel(doc, sel.ids, null)))
    },
    remove(): void {
      withDoc((doc) => pages.apply(deleteBoxes(doc, sel.ids)))
      sel.clear()
    },
    split(): void {
      const id = sel.primary
      if (!id) return
      withDoc((doc) => {
        const r = splitBox(doc, id)
        pages.apply(r)
        // One half selected: the next letter typed labels that half only.
        if (r.created) sel.select([r.created[0]])
      })
    },
    merge(): void {
      if (sel.ids.length < 2) return view.notify('Select two or more boxes to merge (Shift-click or drag a frame)')
      withDoc((doc) => {
        const r = mergeBoxes(doc, sel.ids)
        pages.apply(r)
        if (r.created) sel.select(r.created)
      })
    },
    /** The selected boxes' words become one word (each line of the selection). */
    joinWords(): void {
      if (sel.ids.length === 0) return
      withDoc((doc) => {
        const r = joinWords(doc, sel.ids)
        if (r.doc === doc) view.notify('Select boxes in two or more words of a line to join them')
        pages.apply(r)
      })
    },
    /** A new word starts at the selected box. */
    splitWord(): void {
      const id = sel.primary
      if (!id) return
      withDoc((doc) => {
        const r = splitWord(doc, id)
        if (r.doc === doc) view.notify('That box already starts a word')
        pages.apply(r)
      })
    },
    /** The selected boxes move to the line above (-1) or below (+1) the primary box's line. */
    moveLine(step: -1 | 1): void {
      const b = sel.primaryBox
      if (!b) return
      withDoc((doc) => pages.apply(moveToLine(doc, sel.ids, b.line + step)))
    },
    move(dx: number, dy: number): void {
      withDoc((doc) => pages.apply(moveBoxes(doc, sel.ids, dx, dy)))
    },
    resize(dw: number, dh: number): void {
      withDoc((doc) => pages.apply(resizeBoxes(doc, sel.ids, dw, dh)))
    },
    setRect(id: string, r: Rect): void {
      withDoc((doc) => pages.apply(setBoxRect(doc, id, r)))
    },
    add(r: Rect): void {
      withDoc((doc) => {
        const res = addBox(doc, r)
        pages.apply(res)
        if (res.created) sel.select(res.created)
      })
    },
    /**
     * The person typed a line in the text panel: each character becomes the label of the box at
     * that position, and the spaces become the line's word gaps (join or split words by retyping).
     * The count of characters must match the boxes. One undoable edit.
     */
    editLine(line: number, text: string): string | null {
      const doc = pages.doc
      if (!doc) return null
      const boxes = boxesByLine(doc)[line] ?? []
      const chars = [...text.toUpperCase().replace(/\s+/g, '')]
      if (chars.length !== boxes.length) {
        return `This line has ${boxes.length} boxes but ${chars.length} characters were typed: add, split, merge or delete boxes on the page to change the count.`
      }
      const bad = chars.find((c) => !CLASSES.includes(c))
      if (bad) return `"${bad}" is not one of the 36 classes (A–Z, 0–9).`
      let d = doc
      boxes.forEach((b, i) => {
        if ((b.userLabel ?? b.label) !== chars[i]) d = setUserLabel(d, [b.id], chars[i]).doc
      })
      d = setLineWords(d, line, text.toUpperCase())?.doc ?? d
      pages.apply({ doc: d, touched: [] })
      return null
    }
  }
}

function isTyping(target: EventTarget | null): boolean {
  if (!(target instanceof HTMLElement)) return false
  const el = target
  return el.tagName === 'INPUT' || el.tagName === 'TEXTAREA' || el.tagName === 'SELECT' || el.isContentEditable
}

export interface Shortcut {
  keys: string
  what: string
}
export const SHORTCUTS: { group: string; items: Shortcut[] }[] = [
  {
    group: 'Review',
    items: [
      { keys: 'A–Z, 0–9', what: 'label the selected glyph (then go to the next in the review queue)' },
      { keys: 'Enter', what: "confirm the model's reading as right (then next)" },
      { keys: 'Tab / Shift+Tab', what: 'next / previous glyph in the review queue (lowest confidence first)' },
      { keys: 'Ctrl+Backspace', what: "clear the person's label (back to the model's)" }
    ]
  },
  {
    group: 'Boxes',
    items: [
      { keys: 'Click, Shift/Ctrl+click, drag a frame', what: 'select, add to selection, select many' },
      { keys: 'Drag a box / its corner', what: 'move / resize' },
      { keys: '← → ↑ ↓ (Shift: 10 px)', what: 'nudge the selected boxes by 1 px' },
      { keys: 'Alt+arrows', what: 'grow or shrink the selected boxes' },
      { keys: 'Alt+drag, or Insert then drag', what: 'draw a new box' },
      { keys: '/', what: 'split the selected box in two' },
      { keys: '+', what: 'merge the selected boxes' },
      { keys: '_', what: "join the selected boxes' words into one word" },
      { keys: '|', what: 'start a new word at the selected box' },
      { keys: '[ / ]', what: 'move the selected boxes to the line above / below' },
      { keys: 'Delete / Backspace', what: 'delete the selected boxes' },
      { keys: 'Esc', what: 'clear the selection, leave drawing mode' }
    ]
  },
  {
    group: 'View',
    items: [
      { keys: 'Wheel, Ctrl+= / Ctrl+-', what: 'zoom in / out' },
      { keys: 'Ctrl+0 / Ctrl+1', what: 'fit the page / actual size (1:1)' },
      { keys: '.', what: 'zoom to the selected box' },
      { keys: 'Space+drag, middle or right drag', what: 'pan' },
      { keys: '\\', what: 'hide / show the boxes' },
      { keys: '?', what: 'this help' }
    ]
  },
  {
    group: 'Document',
    items: [
      { keys: 'Ctrl/Cmd+Z', what: 'undo' },
      { keys: 'Shift+Ctrl/Cmd+Z, Ctrl+Y', what: 'redo' },
      { keys: 'Ctrl/Cmd+S', what: 'save the project (it is also autosaved after every change)' },
      { keys: 'Ctrl/Cmd+O', what: 'open a page' }
    ]
  }
]

/** Handles one keydown; true when it was a Glyphdesk shortcut (the caller then prevents the default). */
export function handleKey(e: KeyboardEvent, hooks: { open?: () => void } = {}): boolean {
  const pages = usePageStore()
  const sel = useSelectionStore()
  const view = useViewStore()
  const cmd = useCommands()
  const mod = e.ctrlKey || e.metaKey
  const k = e.key
  if (k === 'Escape') {
    if (view.help) view.help = false
    else if (view.drawMode) view.drawMode = false
    else sel.clear()
    return true
  }
  if (isTyping(e.target)) return false
  if (mod && (k === 'z' || k === 'Z')) {
    if (e.shiftKey) pages.redo()
    else pages.undo()
    return true
  }
  if (mod && (k === 'y' || k === 'Y')) {
    pages.redo()
    return true
  }
  if (mod && (k === 's' || k === 'S')) {
    void useSessionStore().save()
    return true
  }
  if (mod && (k === 'o' || k === 'O')) {
    hooks.open?.()
    return true
  }
  if (mod && k === '0') {
    view.zoom('fit')
    return true
  }
  if (mod && k === '1') {
    view.zoom('actual')
    return true
  }
  if (mod && (k === '=' || k === '+')) {
    view.zoom('in')
    return true
  }
  if (mod && k === '-') {
    view.zoom('out')
    return true
  }
  if (mod && k === 'Backspace') {
    cmd.clearLabel()
    return true
  }
  if (mod || (e.altKey && !k.startsWith('Arrow'))) return false
  if (k === '?') {
    view.help = !view.help
    return true
  }
  if (k === 'Tab') {
    sel.reviewStep(e.shiftKey ? -1 : 1)
    return true
  }
  if (k === 'Enter') {
    cmd.confirm()
    return true
  }
  if (k === 'Delete' || k === 'Backspace') {
    cmd.remove()
    return true
  }
  if (k === '/') {
    cmd.split()
    return true
  }
  if (k === '+' || k === '=') {
    cmd.merge()
    return true
  }
  if (k === '_') {
    cmd.joinWords()
    return true
  }
  if (k === '|') {
    cmd.splitWord()
    return true
  }
  if (k === '[' || k === ']') {
    cmd.moveLine(k === '[' ? -1 : 1)
    return true
  }
  if (k === '.') {
    view.zoom('box')
    return true
  }
  if (k === '\\') {
    view.showBoxes = !view.showBoxes
    return true
  }
  if (k === 'Insert') {
    view.drawMode = !view.drawMode
    return true
  }
  if (k.startsWith('Arrow')) {
    const step = e.shiftKey ? 10 : 1
    const dx = k === 'ArrowLeft' ? -step : k === 'ArrowRight' ? step : 0
    const dy = k === 'ArrowUp' ? -step : k === 'ArrowDown' ? step : 0
    if (e.altKey) cmd.resize(dx, dy)
    else cmd.move(dx, dy)
    return true
  }
  if (k.length === 1 && /[A-Za-z0-9]/.test(k)) {
    cmd.label(k)
    return true
  }
  return false
}

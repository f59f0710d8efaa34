// View state shared by the toolbar, the menu and the canvas: which screen is shown (the pages or
// the Lab), zoom commands, box visibility, the side panel, the help overlay, transient messages.
import { defineStore } from 'pinia'
import { ref } from 'vue'

export type ZoomCommand = 'fit' | 'actual' | 'in' | 'out' | 'box'
export type Panel = 'text' | 'models' | 'retrain' | 'export'
export type Screen = 'pages' | 'lab'

export const useViewStore = defineStore('view', () => {
  const screen = ref<Screen>('pages')
  const zoomRequest = ref<{ kind: ZoomCommand; n: number }>({ kind: 'fit', n: 0 })
  const zoomPercent = ref(100)
  const showBoxes = ref(true)
  const drawMode = ref(false)
  const panel = ref<Panel>('text')
  const help = ref(false)
  const toast = ref<{ text: string; kind: 'info' | 'error'; n: number } | null>(null)
  /** Boxes whose reading a model comparison would change, by page index: outlined on the page and in the text. */
  const highlight = ref<Record<number, string[]>>({})

  function zoom(kind: ZoomCommand): void {
    zoomRequest.value = { kind, n: zoomRequest.value.n + 1 }
  }
  function notify(text: string, kind: 'info' | 'error' = 'info'): void {
    toast.value = { text, kind, n: (toast.value?.n ?? 0) + 1 }
  }
  return { screen, zoomRequest, zoomPercent, showBoxes, drawMode, panel, help, toast, highlight, zoom, notify }
})

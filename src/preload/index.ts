// The sandboxed bridge: exposes one frozen `window.glyphdesk` built from the contract catalog and
// nothing of Node or of ipcRenderer. Inputs are validated here against the contract before they
// leave the page (main validates again: it never trusts the renderer); outputs are validated by
// the client the renderer builds over this transport.
import { contextBridge, ipcRenderer } from 'electron'
import { EVENT_CHANNEL, EVENTS, INVOKE_CHANNEL, ROUTES, type InvokeReply } from '../shared/contract.ts'

type Listener = (name: string, payload: unknown) => void

const bridge = Object.freeze({
  /** Route names, so the renderer can check it talks to a matching main. */
  routes: Object.freeze(Object.keys(ROUTES)),
  async invoke(route: string, input: unknown): Promise<InvokeReply> {
    if (!Object.hasOwn(ROUTES, route)) return { ok: false, error: { name: 'UnknownRouteError', message: `no route "${route}"`, status: 404 } }
    const parsed = ROUTES[route as keyof typeof ROUTES].input.safeParse(input ?? {})
    if (!parsed.success) {
      const message = parsed.error.issues.map((i) => `${i.path.join('.') || 'input'}: ${i.message}`).join('; ')
      return { ok: false, error: { name: 'BadInputError', message: `${route}: ${message}`, status: 400 } }
    }
    return ipcRenderer.invoke(INVOKE_CHANNEL, { route, input: parsed.data }) as Promise<InvokeReply>
  },
  subscribe(listener: Listener): () => void {
    const handler = (_e: unknown, message: { name: string; payload: unknown }) => {
      if (message && Object.hasOwn(EVENTS, message.name)) listener(message.name, message.payload)
    }
    ipcRenderer.on(EVENT_CHANNEL, handler)
    return () => ipcRenderer.removeListener(EVENT_CHANNEL, handler)
  }
})

contextBridge.exposeInMainWorld('glyphdesk', bridge)

// The sandboxed bridge: exposes one frozen `window.glyphdesk` built from the contract catalog and
// nothing of Node or of ipcRenderer. Inputs are validated here against the contract before they
// leave the page (main validates again: it never trusts the renderer); outputs are validated by
// the client the renderer builds over this transport.
import { contextBridge, ipcRenderer } from 'electron'
import { EVENT_CHANNEL, EVENTS, INVOKE_CHANNEL, ROUTES, type InvokeReply } from '../shared/contract.ts'
import { EventFrameSchema, isRouteName, parseInvokeReply } from '../shared/envelopes.ts'

type Listener = (name: string, payload: unknown) => void

const bridge = Object.freeze({
  /** Route names, so the renderer can check it talks to a matching main. */
  routes: Object.freeze(Object.keys(ROUTES)),
  async invoke(route: string, input: unknown): Promise<InvokeReply> {
    if (!isRouteName(route))
      return { ok: false, error: { name: 'UnknownRouteError', message: `no route "${route}"`, status: 404 } }
    const parsed = ROUTES[route].input.safeParse(input ?? {})
    if (!parsed.success) {
      const message = parsed.error.issues.map((i) => `${i.path.join('.') || 'input'}: ${i.message}`).join('; ')
      return { ok: false, error: { name: 'BadInputError', message: `${route}: ${message}`, status: 400 } }
    }
    const reply: unknown = await ipcRenderer.invoke(INVOKE_CHANNEL, { route, input: parsed.data })
    return (
      parseInvokeReply(reply) ?? {
        ok: false,
        error: {
          name: 'ContractError',
          message: `${route}: main sent a reply that is not {ok, value} or {ok, error}`,
          status: 500
        }
      }
    )
  },
  subscribe(listener: Listener): () => void {
    const handler = (_e: unknown, message: unknown) => {
      const frame = EventFrameSchema.safeParse(message)
      if (frame.success && Object.hasOwn(EVENTS, frame.data.name)) listener(frame.data.name, frame.data.payload)
    }
    ipcRenderer.on(EVENT_CHANNEL, handler)
    return () => ipcRenderer.removeListener(EVENT_CHANNEL, handler)
  }
})

contextBridge.exposeInMainWorld('glyphdesk', bridge)

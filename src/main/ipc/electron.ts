// The Electron host of the route registry: one invoke channel (ipcMain.handle) and one event
// channel (webContents.send). Only the app's own frames may call: a request from any other
// frame or origin is refused before the registry sees it.
import type { IpcMain, IpcMainInvokeEvent, WebContents } from 'electron'
import { EVENT_CHANNEL, INVOKE_CHANNEL, type InvokeReply } from '../../shared/contract.ts'
import { InvokeMessageSchema } from '../../shared/envelopes.ts'
import type { EventBus } from '../core/events.ts'
import type { Registry } from './registry.ts'

export function registerIpc(
  ipcMain: IpcMain,
  registry: Registry,
  events: EventBus,
  opts: {
    isTrustedSender(e: IpcMainInvokeEvent): boolean
    targets(): WebContents[]
  }
): () => void {
  ipcMain.handle(INVOKE_CHANNEL, async (e, message: unknown): Promise<InvokeReply> => {
    if (!opts.isTrustedSender(e))
      return { ok: false, error: { name: 'ForbiddenError', message: 'IPC from an untrusted frame', status: 403 } }
    const m = InvokeMessageSchema.safeParse(message)
    if (!m.success)
      return { ok: false, error: { name: 'BadInputError', message: 'expected {route, input}', status: 400 } }
    return registry.invoke(m.data.route, m.data.input)
  })
  const unsubscribe = events.subscribe((name, payload) => {
    for (const wc of opts.targets()) if (!wc.isDestroyed()) wc.send(EVENT_CHANNEL, { name, payload })
  })
  return () => {
    ipcMain.removeHandler(INVOKE_CHANNEL)
    unsubscribe()
  }
}

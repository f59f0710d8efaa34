// The sandboxed bridge: exposes one frozen `window.glyphdesk` object and nothing of Node.
import { contextBridge, ipcRenderer } from 'electron'

const api = Object.freeze({
  version: (): Promise<string> => ipcRenderer.invoke('glyphdesk:invoke', { route: 'app.version', input: {} })
})

contextBridge.exposeInMainWorld('glyphdesk', api)

// A stand-in for the `electron` module, to load the built main process (out/main/index.js) under
// plain Node where no Electron binary can be had. It records what main asks of Electron.
const record = (globalThis.__electron = {
  windows: [],
  handlers: new Map(),
  menu: null,
  permissionHandler: null,
  permissionCheck: null,
  sent: [],
  external: [],
  schemes: [],
  protocols: new Map()
})
let ready
const whenReady = new Promise((r) => (ready = r))
export const app = {
  isPackaged: false,
  whenReady: () => whenReady,
  getPath: () => process.env.GLYPHDESK_STUB_USERDATA,
  on() {},
  quit() {},
  addRecentDocument() {}
}
export class BrowserWindow {
  constructor(options) {
    this.options = options
    this.loaded = null
    this.webContents = {
      openHandler: null,
      listeners: {},
      setWindowOpenHandler: (h) => {
        this.webContents.openHandler = h
      },
      on: (name, f) => {
        this.webContents.listeners[name] = f
      },
      send: (channel, message) => record.sent.push({ channel, message }),
      isDestroyed: () => false
    }
    record.windows.push(this)
  }
  once() {}
  on() {}
  show() {}
  loadFile(f) {
    this.loaded = f
    return Promise.resolve()
  }
  loadURL(u) {
    this.loaded = u
    return Promise.resolve()
  }
  static getAllWindows() {
    return record.windows
  }
}
export const ipcMain = {
  handle: (channel, f) => record.handlers.set(channel, f),
  removeHandler: (c) => record.handlers.delete(c)
}
export const Menu = {
  buildFromTemplate: (t) => t,
  setApplicationMenu: (m) => {
    record.menu = m
  }
}
export const dialog = {
  showOpenDialog: async () => ({ canceled: true, filePaths: [] }),
  showSaveDialog: async () => ({ canceled: true })
}
export const shell = {
  openExternal: async (url) => {
    record.external.push(url)
  }
}
export const session = {
  defaultSession: {
    setPermissionRequestHandler: (h) => {
      record.permissionHandler = h
    },
    setPermissionCheckHandler: (h) => {
      record.permissionCheck = h
    }
  }
}
export const protocol = {
  registerSchemesAsPrivileged: (s) => {
    record.schemes.push(...s)
  },
  handle: (scheme, h) => {
    record.protocols.set(scheme, h)
  }
}
export default { app, BrowserWindow, ipcMain, Menu, dialog, shell, session, protocol }
setTimeout(() => ready(), 0)

// Electron entry: one hardened window over the Vue renderer. All computing lives in the
// main-process services (nn, vision, recognize, data, jobs); the window talks to them only through
// the contract's routes (ipc/), registered here from the same registry browser mode serves.
import {
  app,
  BrowserWindow,
  dialog,
  ipcMain,
  Menu,
  protocol,
  session,
  shell,
  type MenuItemConstructorOptions
} from 'electron'
import { readFile } from 'node:fs/promises'
import { dirname, extname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import type { EventPayload } from '../shared/contract.ts'
import {
  allowPermission,
  APP_INDEX,
  APP_SCHEME,
  appRequestPath,
  isAllowedExternal,
  isAppUrl as isAppUrlFor
} from './electronPolicy.ts'
import { createAppContext } from './ipc/context.ts'
import { registerIpc } from './ipc/electron.ts'
import { createAppRegistry } from './ipc/index.ts'
import { cleanStaleTemporaries } from './core/atomicDirs.ts'
import { runSmokeTest } from './smoke.ts'
import { disableOrtTelemetry } from './recognize/ortTelemetry.ts'

disableOrtTelemetry() // onnxruntime's reporting client off before any session or worker (recognize/ortTelemetry.ts)
const here = dirname(fileURLToPath(import.meta.url))
const rendererDir = join(here, '../renderer')
const devUrl = process.env['ELECTRON_RENDERER_URL']
const PAGE_EXTENSIONS = ['png', 'jpg', 'jpeg', 'tif', 'tiff', 'webp', 'bmp', 'gif']

let mainWindow: BrowserWindow | null = null

/** Only the app's own document (app://glyphdesk/…, or the dev server) may talk to main or navigate. */
function isAppUrl(url: string): boolean {
  return isAppUrlFor(url, devUrl)
}

// The renderer is served under app://glyphdesk, a standard secure scheme of its own, not file://: the page
// gets an origin of its own and no reach into the file system; only files of the renderer folder answer.
protocol.registerSchemesAsPrivileged([
  { scheme: APP_SCHEME, privileges: { standard: true, secure: true, supportFetchAPI: true } }
])
const APP_MIME: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.woff2': 'font/woff2',
  '.json': 'application/json',
  '.ico': 'image/x-icon'
}
async function serveApp(request: { url: string }): Promise<Response> {
  const rel = appRequestPath(request.url)
  if (!rel) return new Response('not found', { status: 404 })
  try {
    const body = await readFile(join(rendererDir, rel))
    return new Response(body, {
      headers: {
        'content-type': APP_MIME[extname(rel)] ?? 'application/octet-stream',
        'x-content-type-options': 'nosniff'
      }
    })
  } catch {
    return new Response('not found', { status: 404 })
  }
}

/** Links open in the system browser only when they are https on an allowlisted site. */
function openExternal(url: string): void {
  if (isAllowedExternal(url)) void shell.openExternal(url)
}

function createWindow(): BrowserWindow {
  const win = new BrowserWindow({
    width: 1400,
    height: 900,
    minWidth: 900,
    minHeight: 600,
    show: false,
    title: 'Glyphdesk',
    backgroundColor: '#1d1f23',
    webPreferences: {
      preload: join(here, '../preload/index.cjs'),
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      experimentalFeatures: false,
      spellcheck: false
    }
  })
  win.once('ready-to-show', () => win.show())
  // No navigation away from the app and no new windows: http(s) links open in the system browser.
  win.webContents.setWindowOpenHandler(({ url }) => {
    openExternal(url)
    return { action: 'deny' }
  })
  win.webContents.on('will-navigate', (event, url) => {
    if (!isAppUrl(url)) event.preventDefault()
  })
  // A server-side redirect is a navigation too.
  win.webContents.on('will-redirect', (event, url) => {
    if (!isAppUrl(url)) event.preventDefault()
  })
  win.webContents.on('will-attach-webview', (event) => event.preventDefault())
  if (devUrl) void win.loadURL(devUrl)
  else void win.loadURL(APP_INDEX)
  win.on('closed', () => {
    if (mainWindow === win) mainWindow = null
  })
  return win
}

function send(command: EventPayload<'menu.command'>['command'], path?: string): void {
  ctx.events.emit('menu.command', { command, ...(path ? { path } : {}) })
}

function buildMenu(): void {
  const recent = ctx.settings.get().recent
  const isMac = process.platform === 'darwin'
  const template: MenuItemConstructorOptions[] = [
    ...(isMac ? [{ role: 'appMenu' as const }] : []),
    {
      label: '&File',
      submenu: [
        { label: 'Open Page…', accelerator: 'CmdOrCtrl+O', click: () => send('open') },
        { label: 'Open Project…', accelerator: 'CmdOrCtrl+Shift+O', click: () => send('openProject') },
        {
          label: 'Open Recent',
          submenu: recent.length
            ? recent.map((p) => ({ label: p, click: () => send('openRecent', p) }))
            : [{ label: 'No recent files', enabled: false }]
        },
        { type: 'separator' },
        { label: 'Save Project', accelerator: 'CmdOrCtrl+S', click: () => send('save') },
        { label: 'Save Project As…', accelerator: 'CmdOrCtrl+Shift+S', click: () => send('saveAs') },
        { label: 'Export…', accelerator: 'CmdOrCtrl+E', click: () => send('export') },
        { type: 'separator' },
        isMac ? { role: 'close' } : { role: 'quit' }
      ]
    },
    {
      label: '&Edit',
      // Undo/redo act on the PageDoc (the renderer's history), not on text fields only.
      submenu: [
        { label: 'Undo', accelerator: 'CmdOrCtrl+Z', click: () => send('undo') },
        { label: 'Redo', accelerator: 'Shift+CmdOrCtrl+Z', click: () => send('redo') },
        { type: 'separator' },
        { role: 'cut' },
        { role: 'copy' },
        { role: 'paste' },
        { role: 'selectAll' }
      ]
    },
    {
      label: '&View',
      submenu: [
        { label: 'Fit Page', accelerator: 'CmdOrCtrl+0', click: () => send('zoomFit') },
        { label: 'Actual Size', accelerator: 'CmdOrCtrl+1', click: () => send('zoomActual') },
        { label: 'Zoom In', accelerator: 'CmdOrCtrl+=', click: () => send('zoomIn') },
        { label: 'Zoom Out', accelerator: 'CmdOrCtrl+-', click: () => send('zoomOut') },
        { type: 'separator' },
        { role: 'togglefullscreen' },
        ...(app.isPackaged ? [] : [{ role: 'toggleDevTools' as const }])
      ]
    },
    { label: '&Help', submenu: [{ label: 'Keyboard Shortcuts', accelerator: 'Shift+/', click: () => send('help') }] }
  ]
  Menu.setApplicationMenu(Menu.buildFromTemplate(template))
}

const ctx = createAppContext({
  mode: 'electron',
  userDataDir: app.getPath('userData'),
  // A data URL: the sandboxed page needs no file:// access and no custom protocol for its bitmap.
  imageUrl: async (s) => {
    const { mime, bytes } = await ctx.pages.display(s)
    return `data:${mime};base64,${bytes.toString('base64')}`
  },
  dialogs: {
    async open(kind) {
      if (kind === 'folder') {
        const r = mainWindow
          ? await dialog.showOpenDialog(mainWindow, { properties: ['openDirectory'] })
          : await dialog.showOpenDialog({ properties: ['openDirectory'] })
        return r.canceled ? null : (r.filePaths[0] ?? null)
      }
      const filters =
        kind === 'page'
          ? [
              { name: 'Page images', extensions: PAGE_EXTENSIONS },
              { name: 'OCR files (hOCR, ALTO, PAGE XML)', extensions: ['xml', 'hocr', 'html'] }
            ]
          : [{ name: 'Glyphdesk projects', extensions: ['glyphdesk'] }]
      const r = mainWindow
        ? await dialog.showOpenDialog(mainWindow, { properties: ['openFile'], filters })
        : await dialog.showOpenDialog({ properties: ['openFile'], filters })
      return r.canceled ? null : (r.filePaths[0] ?? null)
    },
    async save(defaultName, filters) {
      const r = mainWindow
        ? await dialog.showSaveDialog(mainWindow, { defaultPath: defaultName, filters })
        : await dialog.showSaveDialog({ defaultPath: defaultName, filters })
      return r.canceled ? null : (r.filePath ?? null)
    }
  },
  onRecent: (path) => {
    app.addRecentDocument(path)
    buildMenu()
  }
})

app.whenReady().then(async () => {
  // Temporaries of a run that was killed mid-save (autosave, settings, models) go before anything reads them.
  await cleanStaleTemporaries(app.getPath('userData')).catch(() => [])
  // Nothing asks for camera, geolocation or notifications: deny every permission request.
  session.defaultSession.setPermissionRequestHandler((_wc, permission, callback) =>
    callback(allowPermission(permission))
  )
  session.defaultSession.setPermissionCheckHandler((_wc, permission) => allowPermission(permission))
  protocol.handle(APP_SCHEME, serveApp)
  const registry = createAppRegistry(ctx)
  registerIpc(ipcMain, registry, ctx.events, {
    isTrustedSender: (e) => isAppUrl(e.senderFrame?.url ?? ''),
    targets: () => BrowserWindow.getAllWindows().map((w) => w.webContents)
  })
  buildMenu()
  mainWindow = createWindow()
  ctx.models.preloadDefault()
  if (process.env['GLYPHDESK_SMOKE'] === '1') void runSmokeTest(app, mainWindow)
  app.on('activate', () => {
    if (BrowserWindow.getAllWindows().length === 0) mainWindow = createWindow()
  })
})

app.on('web-contents-created', (_e, contents) => {
  contents.on('will-navigate', (event, url) => {
    if (!isAppUrl(url)) event.preventDefault()
  })
  contents.on('will-redirect', (event, url) => {
    if (!isAppUrl(url)) event.preventDefault()
  })
  contents.setWindowOpenHandler(() => ({ action: 'deny' }))
})

app.on('window-all-closed', () => {
  void ctx.jobs.dispose()
  if (process.platform !== 'darwin') app.quit()
})

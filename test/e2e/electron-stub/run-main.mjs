// Loads the built Electron main process against the stand-in and reports, as one JSON line, how
// it set up the window, the menu and IPC, and what a few routes answer through ipcMain.
import { pathToFileURL } from 'node:url'
import { join } from 'node:path'

const root = process.argv[2]
await import(pathToFileURL(join(root, 'out', 'main', 'index.js')).href)
await new Promise((r) => setTimeout(r, 200))
const rec = globalThis.__electron
const win = rec.windows[0]
const invoke = rec.handlers.get('glyphdesk:invoke')
const appUrl = 'app://glyphdesk/index.html'
const trusted = { senderFrame: { url: appUrl } }
const info = await invoke(trusted, { route: 'app.info', input: {} })
const bad = await invoke(trusted, { route: 'pages.open', input: { path: 7 } })
const foreign = await invoke({ senderFrame: { url: 'https://evil.example/' } }, { route: 'app.info', input: {} })
const sample = await invoke(trusted, { route: 'pages.openSample', input: {} })
const image = sample.ok ? await invoke(trusted, { route: 'pages.image', input: { pageId: sample.value.pageId } }) : null
const prevented = { navigate: false }
win.webContents.listeners['will-navigate']?.(
  {
    preventDefault: () => {
      prevented.navigate = true
    }
  },
  'https://evil.example/'
)
const opened = win.webContents.openHandler?.({ url: 'https://example.com/' })
let permission = null
rec.permissionHandler?.(null, 'camera', (ok) => {
  permission = ok
})
// The checks issue 14 added: redirects, permission checks, external links, the app:// protocol.
const redirect = { evil: false, app: false }
win.webContents.listeners['will-redirect']?.(
  {
    preventDefault: () => {
      redirect.evil = true
    }
  },
  'https://evil.example/'
)
win.webContents.listeners['will-redirect']?.(
  {
    preventDefault: () => {
      redirect.app = true
    }
  },
  'app://glyphdesk/index.html'
)
win.webContents.openHandler?.({ url: 'http://github.com/' })
win.webContents.openHandler?.({ url: 'https://evil.example/' })
win.webContents.openHandler?.({ url: 'file:///etc/passwd' })
win.webContents.openHandler?.({ url: 'https://github.com/' })
await new Promise((r) => setTimeout(r, 20))
const serve = rec.protocols.get('app')
const fetchApp = async (u) => {
  const r = await serve({ url: u })
  return { status: r.status, type: r.headers.get('content-type'), start: (await r.text()).slice(0, 15) }
}
const security = {
  schemes: rec.schemes,
  redirect,
  permissionCheck: rec.permissionCheck
    ? ['camera', 'notifications', 'clipboard-read'].map((p) => rec.permissionCheck(null, p))
    : null,
  external: rec.external,
  appIndex: serve ? await fetchApp('app://glyphdesk/') : null,
  appTraversal: serve
    ? await Promise.all(
        [
          'app://glyphdesk/..%2F..%2Fpackage.json',
          'app://glyphdesk/../main/index.js',
          'app://other/index.html',
          'app://glyphdesk/%2e%2e/main/index.js'
        ].map(fetchApp)
      )
    : null,
  outsideFile: await invoke(trusted, { route: 'project.load', input: { path: '/etc/passwd' } })
}
const accelerators = []
const walk = (items) => {
  for (const i of items ?? []) {
    if (i.accelerator) accelerators.push(i.accelerator)
    walk(Array.isArray(i.submenu) ? i.submenu : [])
  }
}
walk(rec.menu)
console.log(
  JSON.stringify({
    webPreferences: win.options.webPreferences,
    loaded: win.loaded,
    channels: [...rec.handlers.keys()],
    info,
    bad,
    foreign,
    sample: sample.ok
      ? { boxes: sample.value.doc.boxes.length, glyphs: Object.keys(sample.value.glyphs).length }
      : sample,
    imageUrlPrefix: image?.ok ? image.value.url.slice(0, 23) : image,
    prevented,
    opened,
    permission,
    accelerators,
    security
  })
)
process.exit(0)

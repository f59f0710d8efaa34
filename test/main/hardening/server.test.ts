// Browser mode as an attacker sees it: malformed URLs, the token's reach, file access outside the
// data folder, error messages that leak contents or existence, and isolation headers.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { request } from 'node:http'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { startBrowserApp, type BrowserApp } from '../../../src/main/server/browserMode.ts'
import { callBrowserApp, type CallOptions } from '../helpers/httpCall.ts'

let app: BrowserApp
let dataDir: string
let staticDir: string

const call = (path: string, opts: CallOptions = {}) => callBrowserApp(app, path, opts)

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'glyphdesk-hserver-'))
  staticDir = mkdtempSync(join(tmpdir(), 'glyphdesk-hstatic-'))
  writeFileSync(join(staticDir, 'index.html'), '<!doctype html><title>Glyphdesk</title>')
  app = await startBrowserApp({ userDataDir: dataDir, staticDir })
})

afterAll(async () => {
  await app?.close()
  rmSync(dataDir, { recursive: true, force: true })
  rmSync(staticDir, { recursive: true, force: true })
})

describe('malformed URLs', () => {
  it('answers /%ff with 400 and logs no stack trace', async () => {
    const log = vi.spyOn(console, 'error').mockImplementation(() => undefined)
    try {
      for (const path of ['/%ff', '/assets/%E0%A4%A', '/api/%ff']) {
        const res = await call(path)
        expect(res.status, path).toBe(400)
        expect(res.body).not.toMatch(/URIError|at decodeURIComponent|node:internal/)
      }
      expect(log).not.toHaveBeenCalled()
    } finally {
      log.mockRestore()
    }
  })
})

async function post(
  route: string,
  input: unknown
): Promise<{ status: number; reply: { ok: boolean; error?: { name: string; message: string } } }> {
  const res = await call(`/api/${route}`, { method: 'POST', body: JSON.stringify(input) })
  return { status: res.status, reply: JSON.parse(res.body) }
}

const project = (imagePath: string) => ({
  format: 'glyphdesk-project',
  version: 1,
  current: 0,
  models: [],
  pages: [{ doc: { version: 1, image: { path: imagePath, width: 10, height: 10 }, boxes: [], lines: [] } }]
})

describe('the token', () => {
  it('is never set as a cookie and a cookie never authorises anything', async () => {
    const page = await call(`/?token=${app.server.token}`, { token: null })
    expect(page.headers['set-cookie']).toBeUndefined()
    const res = await new Promise<number>((ok, fail) => {
      const req = request(
        {
          host: '127.0.0.1',
          port: app.server.port,
          path: '/api/app.info',
          method: 'POST',
          headers: {
            host: `127.0.0.1:${app.server.port}`,
            cookie: `glyphdesk-token-${app.server.port}=${app.server.token}`,
            'content-type': 'application/json'
          }
        },
        (r) => {
          r.resume()
          ok(r.statusCode ?? 0)
        }
      )
      req.on('error', fail)
      req.end('{}')
    })
    expect(res).toBe(403)
  })

  it('is not accepted in the query for files; a page bitmap needs its own signature', async () => {
    const opened = await post('pages.openSample', {})
    expect(opened.status).toBe(200)
    const { pageId } = (opened.reply as unknown as { value: { pageId: string } }).value
    const { value } = (await post('pages.image', { pageId })).reply as unknown as { value: { url: string } }
    expect(value.url).toMatch(new RegExp(`^/files/page/${pageId}\\?sig=[A-Za-z0-9_-]{32}$`))
    expect(value.url).not.toContain(app.server.token)
    expect((await call(value.url, { token: null })).status).toBe(200)
    expect((await call(`/files/page/${pageId}?token=${app.server.token}`, { token: null })).status).toBe(403)
    expect((await call(`/files/page/${pageId}?sig=${'A'.repeat(32)}`, { token: null })).status).toBe(403)
  })
})

describe('file access is limited to the data folder and what the person chose', () => {
  const refusal = /Glyphdesk (reads|writes) only files in its data folder or ones you chose/

  it('refuses project.load of /etc/passwd without echoing the file, and says the same for a file that does not exist', async () => {
    const real = await post('project.load', { path: '/etc/passwd' })
    const missing = await post('project.load', { path: '/etc/no-such-file-here' })
    expect(real.status).toBe(403)
    expect(real.reply.error!.message).toMatch(refusal)
    expect(real.reply.error!.message).not.toMatch(/root|:x:0/)
    // No existence oracle: the same status and sentence either way.
    expect(missing.status).toBe(real.status)
    expect(missing.reply.error!.message).toBe(real.reply.error!.message)
  })

  it('refuses writes outside: project.save, export.page and export.glyphs', async () => {
    const outside = mkdtempSync(join(tmpdir(), 'glyphdesk-outside-'))
    try {
      const doc = { version: 1, image: { path: join(dataDir, 'x.png'), width: 10, height: 10 }, boxes: [], lines: [] }
      for (const [route, input] of [
        ['project.save', { project: project(join(dataDir, 'x.png')), path: join(outside, 'p.glyphdesk') }],
        ['export.page', { doc, format: 'txt', path: join(outside, 'page.txt') }],
        ['export.glyphs', { docs: [doc], format: 'png', outDir: join(outside, 'glyphs') }]
      ] as const) {
        const r = await post(route, input)
        expect(r.status, route).toBe(403)
        expect(r.reply.error!.message).toMatch(refusal)
      }
      const { readdirSync } = await import('node:fs')
      expect(readdirSync(outside)).toEqual([])
    } finally {
      rmSync(outside, { recursive: true, force: true })
    }
  })

  it('refuses reads outside: pages.open, and pages.attach of a document naming an outside image', async () => {
    expect((await post('pages.open', { path: '/etc/hostname' })).status).toBe(403)
    const doc = { version: 1, image: { path: '/etc/hostname', width: 10, height: 10 }, boxes: [], lines: [] }
    expect((await post('pages.attach', { doc })).status).toBe(403)
  })

  it('refuses an outside replay glyph-set folder in app.settings and train.start, the same whether it exists or not', async () => {
    // The folder setting used to be stored and read unchecked (and its errors said whether it existed).
    const outside = mkdtempSync(join(tmpdir(), 'glyphdesk-glyphset-'))
    try {
      const folderRefusal =
        /the glyph set folder: Glyphdesk reads only folders inside its data folder or ones you chose/
      const real = await post('app.settings', { glyphSetDir: outside })
      const missing = await post('app.settings', { glyphSetDir: join(outside, 'no-such-folder') })
      expect(real.status).toBe(403)
      expect(real.reply.error!.message).toMatch(folderRefusal)
      expect(missing.status).toBe(403)
      expect(missing.reply.error!.message).toBe(real.reply.error!.message)
      expect(app.ctx.settings.get().glyphSetDir).toBeNull()
      const doc = { version: 1, image: { path: join(dataDir, 'x.png'), width: 10, height: 10 }, boxes: [], lines: [] }
      for (const glyphSetDir of ['/etc', join(outside, 'no-such-folder')]) {
        const r = await post('train.start', { config: { baseModel: 'mlp-baseline', glyphSetDir }, docs: [doc] })
        expect(r.status).toBe(403)
        expect(r.reply.error!.message).toMatch(folderRefusal)
      }
      // Inside the data folder, or chosen through the folder dialog (granted as the dialog does): stored.
      const inside = join(dataDir, 'glyphs')
      expect((await post('app.settings', { glyphSetDir: inside })).status).toBe(200)
      app.ctx.files.grantFolder(outside)
      expect((await post('app.settings', { glyphSetDir: outside })).status).toBe(200)
      expect(app.ctx.settings.get().glyphSetDir).toBe(outside)
      expect((await post('app.settings', { glyphSetDir: null })).status).toBe(200)
    } finally {
      rmSync(outside, { recursive: true, force: true })
    }
  })

  it('refuses pages.import of an outside OCR file or image, the same whether it exists or not', async () => {
    // pages.import read any path it was given.
    const outside = mkdtempSync(join(tmpdir(), 'glyphdesk-import-'))
    try {
      writeFileSync(join(outside, 'page.hocr'), '<html><body></body></html>')
      const real = await post('pages.import', { ocr: { path: join(outside, 'page.hocr') } })
      const missing = await post('pages.import', { ocr: { path: join(outside, 'none.hocr') } })
      expect(real.status).toBe(403)
      expect(real.reply.error!.message).toMatch(refusal)
      expect(missing.reply.error!.message).toBe(real.reply.error!.message)
      const image = await post('pages.import', {
        ocr: { name: 'page.hocr', base64: Buffer.from('<html></html>').toString('base64') },
        image: { path: '/etc/hostname' }
      })
      expect(image.status).toBe(403)
      expect(image.reply.error!.message).toMatch(refusal)
    } finally {
      rmSync(outside, { recursive: true, force: true })
    }
  })

  it('refuses a symlink inside the data folder that points out of it', async () => {
    const { symlinkSync } = await import('node:fs')
    symlinkSync('/etc/passwd', join(dataDir, 'innocent.glyphdesk'))
    const r = await post('project.load', { path: join(dataDir, 'innocent.glyphdesk') })
    expect(r.status).toBe(403)
    expect(r.reply.error!.message).not.toMatch(/root/)
  })

  it('writes inside the data folder, and a loaded project lets its own page images be opened', async () => {
    const file = join(dataDir, 'mine.glyphdesk')
    const sample = ((await post('app.info', {})).reply as unknown as { value: { sample: string } }).value.sample
    expect((await post('project.save', { project: project(sample), path: file })).status).toBe(200)
    expect((await post('project.load', { path: file })).status).toBe(200)
  })

  it('answers a damaged project in the data folder without quoting it', async () => {
    const file = join(dataDir, 'damaged.glyphdesk')
    writeFileSync(file, 'secret-words-not-json')
    const r = await post('project.load', { path: file })
    expect(r.status).toBe(422)
    expect(r.reply.error!.message).toMatch(/not valid JSON/)
    expect(r.reply.error!.message).not.toMatch(/secret/)
  })
})

describe('isolation headers', () => {
  it('every answer says same-origin for COOP and CORP and denies framing', async () => {
    for (const [path, token] of [
      ['/', null],
      ['/api/events?x=1', null],
      ['/nope', null]
    ] as const) {
      const res = await call(path, { token })
      expect(res.headers['cross-origin-opener-policy'], path).toBe('same-origin')
      expect(res.headers['cross-origin-resource-policy'], path).toBe('same-origin')
      expect(res.headers['x-frame-options'], path).toBe('DENY')
    }
    const api = await call('/api/app.info', { method: 'POST', body: '{}' })
    expect(api.headers['cross-origin-resource-policy']).toBe('same-origin')
  })
})

// Browser mode's HTTP server: the token on every request, 127.0.0.1 only, contract validation at
// the boundary, and real routes answering through it.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startBrowserApp, type BrowserApp } from '../../../src/main/server/browserMode.ts'
import { callBrowserApp, type CallOptions } from '../helpers/httpCall.ts'

let app: BrowserApp
let dataDir: string
let staticDir: string

const call = (path: string, opts: CallOptions = {}) => callBrowserApp(app, path, opts)

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'glyphdesk-server-'))
  staticDir = mkdtempSync(join(tmpdir(), 'glyphdesk-static-'))
  writeFileSync(join(staticDir, 'index.html'), '<!doctype html><title>Glyphdesk</title>')
  app = await startBrowserApp({ userDataDir: dataDir, staticDir, allow: [join(process.cwd(), 'test/fixtures/pages')] })
})

afterAll(async () => {
  await app?.close()
  rmSync(dataDir, { recursive: true, force: true })
  rmSync(staticDir, { recursive: true, force: true })
})

describe('glyphdesk serve', () => {
  it('listens on 127.0.0.1 only', () => {
    const addr = app.server.server.address()
    expect(typeof addr === 'object' && addr?.address).toBe('127.0.0.1')
    expect(app.server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/\?token=[A-Za-z0-9_-]{32}$/)
  })

  it("refuses every request without the token with 403 (the renderer's own code is public)", async () => {
    expect((await call('/', { token: null })).status).toBe(200)
    expect((await call('/api/app.info', { method: 'POST', token: null, body: '{}' })).status).toBe(403)
    expect((await call('/api/events', { token: null })).status).toBe(403)
    expect((await call('/api/app.info', { method: 'POST', token: 'wrong-token', body: '{}' })).status).toBe(403)
  })

  it('serves the page with its CSP and never puts the token in a cookie', async () => {
    const res = await call(`/?token=${app.server.token}`, { token: null })
    expect(res.status).toBe(200)
    expect(res.headers['set-cookie']).toBeUndefined()
    expect(String(res.headers['content-security-policy'])).toContain("default-src 'self'")
  })

  it('does not accept the token from the URL or cookie for POSTs (only the header)', async () => {
    const res = await call(`/api/app.info?token=${app.server.token}`, { method: 'POST', token: null, body: '{}' })
    expect(res.status).toBe(403)
  })

  it('refuses a foreign Host header (DNS rebinding) and a foreign Origin', async () => {
    expect((await call('/api/app.info', { method: 'POST', body: '{}', host: 'evil.example:80' })).status).toBe(403)
    expect((await call('/api/app.info', { method: 'POST', body: '{}', origin: 'http://evil.example' })).status).toBe(
      403
    )
  })

  it('answers a route through the registry', async () => {
    const res = await call('/api/app.info', { method: 'POST', body: '{}' })
    expect(res.status).toBe(200)
    const reply = JSON.parse(res.body)
    expect(reply.ok).toBe(true)
    expect(reply.value.mode).toBe('browser')
    expect(reply.value.userDataDir).toBe(dataDir)
  })

  it('rejects input that breaks the contract with 400 and the zod message', async () => {
    const res = await call('/api/pages.open', { method: 'POST', body: JSON.stringify({ path: 42 }) })
    expect(res.status).toBe(400)
    const reply = JSON.parse(res.body)
    expect(reply.ok).toBe(false)
    expect(reply.error.name).toBe('BadInputError')
    expect(reply.error.message).toMatch(/path: .*expected string/i)
    const extra = await call('/api/app.info', { method: 'POST', body: JSON.stringify({ surprise: 1 }) })
    expect(extra.status).toBe(400)
    expect(JSON.parse(extra.body).error.message).toMatch(/surprise/)
    const notJson = await call('/api/app.info', { method: 'POST', body: '{nope' })
    expect(notJson.status).toBe(400)
  })

  it('answers 404 for an unknown route and 422 for a page that is not an image', async () => {
    expect((await call('/api/nope.nothing', { method: 'POST', body: '{}' })).status).toBe(404)
    const pdf = await call('/api/pages.open', {
      method: 'POST',
      body: JSON.stringify({ path: join(process.cwd(), 'test/fixtures/pages/page.pdf') })
    })
    expect(pdf.status).toBe(422)
    expect(JSON.parse(pdf.body).error.message).toMatch(/PDF/)
  })

  it('does not serve files outside the renderer folder', async () => {
    expect((await call('/..%2F..%2Fetc%2Fpasswd')).status).toBe(404)
    expect((await call('/%2e%2e/package.json')).status).toBe(404)
  })
})

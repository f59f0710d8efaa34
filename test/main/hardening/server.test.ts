// Browser mode as an attacker sees it: malformed URLs, the token's reach, file access outside the
// data folder, error messages that leak contents or existence, and isolation headers.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { request } from 'node:http'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { startBrowserApp, type BrowserApp } from '../../../src/main/server/browserMode.ts'

let app: BrowserApp
let dataDir: string
let staticDir: string

function call(path: string, opts: { method?: string; token?: string | null; body?: string } = {}): Promise<{ status: number; body: string; headers: Record<string, unknown> }> {
  return new Promise((ok, fail) => {
    const headers: Record<string, string> = { host: `127.0.0.1:${app.server.port}` }
    if (opts.token !== null) headers['x-glyphdesk-token'] = opts.token ?? app.server.token
    if (opts.body !== undefined) headers['content-type'] = 'application/json'
    const req = request({ host: '127.0.0.1', port: app.server.port, path, method: opts.method ?? 'GET', headers }, (res) => {
      let body = ''
      res.setEncoding('utf8')
      res.on('data', (c) => (body += c))
      res.on('end', () => ok({ status: res.statusCode ?? 0, body, headers: res.headers }))
    })
    req.on('error', fail)
    req.end(opts.body)
  })
}

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

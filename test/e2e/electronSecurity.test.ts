// The built Electron main process (under Node, with the stand-in electron module): the checklist items
// issue 14 added — app:// instead of file://, redirects locked, permission checks refused, external links
// only https on the allowlist, the app:// handler serving only the renderer's files, the same file-path
// limits for the window's routes as for browser mode.
import { spawnSync } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { describe, expect, it } from 'vitest'
import { buildIsStale, buildRenderer } from '../../src/main/server/browserMode.ts'

const ROOT = resolve(import.meta.dirname, '..', '..')

describe('Electron security checklist (built main under the stand-in)', () => {
  it('serves the renderer from app://, locks redirects, refuses permissions, opens only allowlisted https links', () => {
    if (buildIsStale()) buildRenderer()
    const userData = mkdtempSync(join(tmpdir(), 'glyphdesk-electron-sec-'))
    try {
      const r = spawnSync(
        process.execPath,
        [
          '--import',
          join(ROOT, 'test/e2e/electron-stub/register.mjs'),
          join(ROOT, 'test/e2e/electron-stub/run-main.mjs'),
          ROOT
        ],
        {
          cwd: ROOT,
          encoding: 'utf8',
          env: { ...process.env, GLYPHDESK_STUB_USERDATA: userData },
          timeout: 120_000
        }
      )
      expect(r.status, r.stderr).toBe(0)
      const out = JSON.parse(r.stdout.trim().split('\n').pop()!)
      expect(out.loaded).toBe('app://glyphdesk/index.html')
      expect(out.info).toMatchObject({ ok: true })
      const s = out.security
      expect(s.schemes).toEqual([
        { scheme: 'app', privileges: { standard: true, secure: true, supportFetchAPI: true } }
      ])
      expect(s.redirect).toEqual({ evil: true, app: false })
      expect(s.permissionCheck).toEqual([false, false, false])
      expect(s.external).toEqual(['https://github.com/'])
      expect(s.appIndex).toMatchObject({ status: 200, type: 'text/html; charset=utf-8' })
      expect(s.appIndex.start.toLowerCase()).toContain('<!doctype html')
      expect(s.appTraversal.map((t: { status: number }) => t.status)).toEqual([404, 404, 404, 404])
      expect(s.outsideFile).toMatchObject({ ok: false, error: { name: 'FileAccessError', status: 403 } })
      expect(JSON.stringify(s.outsideFile)).not.toMatch(/root:/)
    } finally {
      rmSync(userData, { recursive: true, force: true })
    }
  }, 300_000)
})

// The Electron window's policy as plain functions: the app's own URLs, external links, app:// paths, fuses.
import { describe, expect, it } from 'vitest'
import {
  allowPermission,
  appRequestPath,
  ELECTRON_FUSES,
  isAllowedExternal,
  isAppUrl
} from '../../../src/main/electronPolicy.ts'

describe('the Electron policy', () => {
  it("knows the app's own URLs and nothing else", () => {
    expect(isAppUrl('app://glyphdesk/index.html')).toBe(true)
    for (const u of [
      'file:///x/out/renderer/index.html',
      'app://evil/index.html',
      'https://glyphdesk/',
      'app:glyphdesk',
      'not a url'
    ])
      expect(isAppUrl(u), u).toBe(false)
    expect(isAppUrl('http://localhost:5173/src/x', 'http://localhost:5173')).toBe(true)
    expect(isAppUrl('http://localhost:51730/', 'http://localhost:5173')).toBe(false)
  })

  it('opens only https links to allowlisted sites, without credentials or ports', () => {
    expect(isAllowedExternal('https://github.com/x/y')).toBe(true)
    for (const u of [
      'http://github.com/',
      'https://evil.example/',
      'https://github.com.evil.example/',
      'https://user:pw@github.com/',
      'https://github.com:8443/',
      'file:///etc/passwd',
      'javascript:alert(1)',
      'smb://server/share',
      ''
    ])
      expect(isAllowedExternal(u), u).toBe(false)
  })

  it('maps app:// requests to renderer files only', () => {
    expect(appRequestPath('app://glyphdesk/')).toBe('index.html')
    expect(appRequestPath('app://glyphdesk/assets/index-abc.js')).toBe('assets/index-abc.js')
    // The URL parser itself folds a literal or %2e-encoded .. segment at the root back to the root.
    expect(appRequestPath('app://glyphdesk/%2e%2e/x')).toBe('x')
    for (const u of [
      'app://glyphdesk/..%2Fmain%2Findex.js',
      'app://glyphdesk/a/..%5C..%5Cx',
      'app://glyphdesk/a%00b',
      'app://other/index.html',
      'app://glyphdesk/%ff',
      'app://glyphdesk/a//b'
    ])
      expect(appRequestPath(u), u).toBeNull()
  })

  it('refuses every permission', () => {
    for (const p of ['media', 'geolocation', 'notifications', 'clipboard-read', 'openExternal'])
      expect(allowPermission(p)).toBe(false)
  })

  it('sets the fuses a packaged build needs, and the fuses script applies exactly these', () => {
    expect(ELECTRON_FUSES).toMatchObject({
      RunAsNode: false,
      EnableCookieEncryption: true,
      EnableEmbeddedAsarIntegrityValidation: true,
      OnlyLoadAppFromAsar: true,
      EnableNodeOptionsEnvironmentVariable: false,
      EnableNodeCliInspectArguments: false
    })
  })

  it("the fuses script maps every fuse onto @electron/fuses' options (its enum as that package defines it)", async () => {
    const { fuseConfig } = await import('../../../scripts/electron-fuses.mjs')
    // @electron/fuses v1: FuseV1Options is a numeric enum, FuseVersion.V1 = '1'.
    const FuseV1Options = {
      RunAsNode: 0,
      EnableCookieEncryption: 1,
      EnableNodeOptionsEnvironmentVariable: 2,
      EnableNodeCliInspectArguments: 3,
      EnableEmbeddedAsarIntegrityValidation: 4,
      OnlyLoadAppFromAsar: 5,
      LoadBrowserProcessSpecificV8Snapshot: 6,
      GrantFileProtocolExtraPrivileges: 7
    }
    const config = fuseConfig(FuseV1Options, { V1: '1' })
    expect(config).toMatchObject({ version: '1', 0: false, 1: true, 2: false, 3: false, 4: true, 5: true, 7: false })
    expect(() => fuseConfig({ RunAsNode: 0 }, { V1: '1' })).toThrow(/no fuse EnableCookieEncryption/)
  })
})

// What the Electron window may do, as plain functions (no Electron import) so the policy is tested under
// Node: which URLs are the app's own, which links may open in the system browser, which app:// requests
// map to which renderer file, and the Electron fuses a packaged build must carry.

/** The app's own origin: the renderer is served under a custom, standard, secure scheme, never file://. */
export const APP_SCHEME = 'app'
export const APP_HOST = 'glyphdesk'
export const APP_ORIGIN = `${APP_SCHEME}://${APP_HOST}`
export const APP_INDEX = `${APP_ORIGIN}/index.html`

/** Whether `url` is the app's own document (or the dev server's in development). */
export function isAppUrl(url: string, devUrl?: string): boolean {
  if (devUrl) return url === devUrl || url.startsWith(devUrl.endsWith('/') ? devUrl : `${devUrl}/`)
  try {
    const u = new URL(url)
    return u.protocol === `${APP_SCHEME}:` && u.host === APP_HOST
  } catch {
    return false
  }
}

/** Sites a link in the app may open in the system browser; https only, no credentials, default port. */
export const EXTERNAL_HOSTS = new Set([
  'github.com',
  'www.nist.gov',
  'www.electronjs.org',
  'onnxruntime.ai',
  'opencv.org'
])

export function isAllowedExternal(url: string): boolean {
  let u: URL
  try {
    u = new URL(url)
  } catch {
    return false
  }
  return u.protocol === 'https:' && !u.username && !u.password && u.port === '' && EXTERNAL_HOSTS.has(u.hostname)
}

/**
 * The renderer file an app:// request names, as a path relative to the renderer folder, or null when
 * the request is not for this app's host or would leave the folder (`..`, encoded or not, backslashes,
 * NUL). `/` is index.html.
 */
export function appRequestPath(url: string): string | null {
  let u: URL
  try {
    u = new URL(url)
  } catch {
    return null
  }
  if (u.protocol !== `${APP_SCHEME}:` || u.host !== APP_HOST) return null
  let path: string
  try {
    path = decodeURIComponent(u.pathname)
  } catch {
    return null
  }
  if (path === '/' || path === '') return 'index.html'
  const rel = path.replace(/^\/+/, '')
  if (rel.includes('\0') || rel.includes('\\')) return null
  const parts = rel.split('/')
  if (parts.some((p) => p === '..' || p === '.' || p === '')) return null
  return parts.join('/')
}

/**
 * The fuses a packaged Glyphdesk sets (scripts/electron-fuses.mjs applies them with @electron/fuses to a
 * packaged binary): no ELECTRON_RUN_AS_NODE, no NODE_OPTIONS or --inspect, cookies encrypted at rest,
 * the app loaded only from its ASAR archive with integrity validation, and file:// without extra privileges.
 */
export const ELECTRON_FUSES = {
  RunAsNode: false,
  EnableCookieEncryption: true,
  EnableNodeOptionsEnvironmentVariable: false,
  EnableNodeCliInspectArguments: false,
  EnableEmbeddedAsarIntegrityValidation: true,
  OnlyLoadAppFromAsar: true,
  GrantFileProtocolExtraPrivileges: false
} as const

/** Every permission check and request is refused: Glyphdesk needs no camera, microphone, notifications… */
export function allowPermission(_permission: string): boolean {
  return false
}

// The real-window smoke check behind GLYPHDESK_SMOKE=1 (test/e2e/electron.smoke.test.ts): kept out of the
// Electron entry so index.ts holds only what the app does. The probe is page JavaScript, run in the renderer.
import type { App, BrowserWindow } from 'electron'

/**
 * GLYPHDESK_SMOKE=1: the real window must come up sandboxed with the bridge and show the sample page
 * transcribed (boxes on the canvas); prints one line and exits 0 or 1. Used by test/e2e/electron.smoke.test.ts.
 */
export async function runSmokeTest(app: App, win: BrowserWindow): Promise<void> {
  const deadline = Date.now() + 90_000
  const probe = `(() => {
    const canvas = document.querySelector('[data-testid="page-canvas"] canvas')
    return { bridge: typeof window.glyphdesk === 'object' && Object.isFrozen(window.glyphdesk),
             node: typeof window.require !== 'undefined' || typeof window.process !== 'undefined',
             boxes: Number(canvas?.getAttribute('data-boxes') ?? 0) }
  })()`
  while (Date.now() < deadline) {
    try {
      const r = (await win.webContents.executeJavaScript(probe)) as { bridge: boolean; node: boolean; boxes: number }
      if (r.boxes > 0) {
        const ok = r.bridge && !r.node
        process.stdout.write(
          `glyphdesk smoke: ${ok ? 'ok' : 'FAILED'} bridge=${r.bridge} node=${r.node} boxes=${r.boxes}\n`
        )
        app.exit(ok ? 0 : 1)
        return
      }
    } catch {
      // the page is still loading
    }
    await new Promise((r) => setTimeout(r, 500))
  }
  process.stdout.write('glyphdesk smoke: FAILED no boxes on the page within 90 s\n')
  app.exit(1)
}

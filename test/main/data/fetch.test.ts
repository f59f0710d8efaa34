import { describe, it, expect, beforeAll, afterAll, beforeEach } from 'vitest'
import { createServer, type Server } from 'node:http'
import { createHash } from 'node:crypto'
import { mkdtemp, rm, readFile, writeFile, readdir } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { AddressInfo } from 'node:net'
import { downloadFile, fetchDataset, ChecksumError, DownloadError } from '../../../src/main/data/fetch.ts'
import { DATASET_SOURCES, checksumStatus } from '../../../src/main/data/sources.ts'

// 200 kB of deterministic bytes: large enough to arrive in several chunks.
const BODY = Buffer.from(Array.from({ length: 200_000 }, (_, i) => (i * 31 + (i >> 8)) & 0xff))
const SHA = createHash('sha256').update(BODY).digest('hex')
const MD5 = createHash('md5').update(BODY).digest('hex')

interface Behaviour {
  /** Drop the connection after this many body bytes, for the first `dropTimes` requests. */
  dropAfter?: number
  dropTimes?: number
  ignoreRange?: boolean
}

/** A file server on 127.0.0.1 with Range support and scripted misbehaviour. */
class FixtureServer {
  server!: Server
  base = ''
  behaviour: Behaviour = {}
  requests: { path: string; range?: string; status: number }[] = []
  private drops = 0

  async start(): Promise<void> {
    this.server = createServer((req, res) => {
      const path = req.url ?? '/'
      const range = req.headers.range
      const log = (status: number): void => {
        this.requests.push({ path, range, status })
      }
      if (path === '/moved/data.bin') {
        log(302)
        res.writeHead(302, { Location: '/data.bin' }).end()
        return
      }
      if (path !== '/data.bin' && path !== '/data.zip' && path !== '/gzip.zip') {
        log(404)
        res.writeHead(404).end('no such file')
        return
      }
      let start = 0
      const m = range && !this.behaviour.ignoreRange ? /^bytes=(\d+)-$/.exec(range) : null
      if (m) {
        start = Number(m[1])
        if (start >= BODY.length) {
          log(416)
          res.writeHead(416, { 'Content-Range': `bytes */${BODY.length}` }).end()
          return
        }
        log(206)
        res.writeHead(206, {
          'Content-Range': `bytes ${start}-${BODY.length - 1}/${BODY.length}`,
          'Content-Length': BODY.length - start,
          'Accept-Ranges': 'bytes'
        })
      } else {
        log(200)
        res.writeHead(200, {
          'Content-Length': BODY.length,
          'Accept-Ranges': this.behaviour.ignoreRange ? 'none' : 'bytes'
        })
      }
      const slice = BODY.subarray(start)
      const { dropAfter, dropTimes = 1 } = this.behaviour
      if (dropAfter !== undefined && this.drops < dropTimes) {
        this.drops++
        res.write(slice.subarray(0, dropAfter), () => setTimeout(() => res.socket?.destroy(), 20))
        return
      }
      res.end(slice)
    })
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve))
    this.base = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`
  }

  reset(b: Behaviour = {}): void {
    this.behaviour = b
    this.requests = []
    this.drops = 0
  }

  async stop(): Promise<void> {
    this.server.closeAllConnections()
    await new Promise<void>((resolve) => this.server.close(() => resolve()))
  }
}

describe('downloadFile', () => {
  const srv = new FixtureServer()
  let dir: string
  beforeAll(async () => {
    await srv.start()
    dir = await mkdtemp(join(tmpdir(), 'gd-fetch-'))
  })
  afterAll(async () => {
    await srv.stop()
    await rm(dir, { recursive: true, force: true })
  })
  beforeEach(() => srv.reset())
  const dest = (name: string): string => join(dir, name)

  it('downloads a whole file, verifies its SHA-256 and reports progress up to the total', async () => {
    const seen: [number, number | undefined][] = []
    const r = await downloadFile(`${srv.base}/data.bin`, dest('full.bin'), {
      sha256: SHA,
      onProgress: (b, t) => seen.push([b, t])
    })
    expect((await readFile(dest('full.bin'))).equals(BODY)).toBe(true)
    expect(r).toMatchObject({
      bytes: BODY.length,
      sha256: SHA,
      verified: 'sha256',
      resumed: false,
      alreadyPresent: false
    })
    expect(seen.at(-1)).toEqual([BODY.length, BODY.length])
    expect(seen.every(([b], i) => i === 0 || b >= seen[i - 1][0])).toBe(true)
    expect((await readdir(dir)).filter((f) => f.endsWith('.part'))).toEqual([])
  })

  it('resumes with a Range request after the first attempt loses its connection mid-file', async () => {
    srv.reset({ dropAfter: 70_000 })
    const err = await downloadFile(`${srv.base}/data.bin`, dest('resume.bin'), { sha256: SHA, retries: 0 }).catch(
      (e: unknown) => e
    )
    expect(err).toBeInstanceOf(DownloadError)
    expect((err as Error).message).toMatch(/gave up after 1 attempts .*run again to resume from .*resume\.bin\.part/)
    const partSize = (await readFile(dest('resume.bin.part'))).length
    expect(partSize).toBeGreaterThan(0)
    expect(partSize).toBeLessThan(BODY.length)

    const r = await downloadFile(`${srv.base}/data.bin`, dest('resume.bin'), { sha256: SHA, retries: 0 })
    expect(r.resumed).toBe(true)
    expect(srv.requests.at(-1)).toMatchObject({ range: `bytes=${partSize}-`, status: 206 })
    expect((await readFile(dest('resume.bin'))).equals(BODY)).toBe(true)
  })

  it('retries by itself, resuming, when the connection drops', async () => {
    srv.reset({ dropAfter: 50_000, dropTimes: 2 })
    const r = await downloadFile(`${srv.base}/data.bin`, dest('retry.bin'), { md5: MD5, retries: 3, retryDelayMs: 10 })
    expect(r).toMatchObject({ resumed: true, verified: 'md5' })
    // Three requests, the last a resumed one. The second is 206 when the bytes sent before the first drop reached
    // the .part file, and 200 (a fresh start) when the socket closed before any did, which happens on a loaded machine.
    const statuses = srv.requests.map((q) => q.status)
    expect(statuses).toHaveLength(3)
    expect(statuses[0]).toBe(200)
    expect(statuses[2]).toBe(206)
    expect(srv.requests[2].range).toMatch(/^bytes=[1-9]\d*-$/)
    expect((await readFile(dest('retry.bin'))).equals(BODY)).toBe(true)
  })

  it('starts over cleanly when the server ignores Range', async () => {
    await writeFile(dest('norange.bin.part'), Buffer.from('stale bytes that must not survive'))
    srv.reset({ ignoreRange: true })
    const r = await downloadFile(`${srv.base}/data.bin`, dest('norange.bin'), { sha256: SHA })
    expect(r.resumed).toBe(false)
    expect(srv.requests[0]).toMatchObject({ range: 'bytes=33-', status: 200 })
    expect((await readFile(dest('norange.bin'))).equals(BODY)).toBe(true)
  })

  it('finishes a .part that is already complete (416) without downloading again', async () => {
    await writeFile(dest('done.bin.part'), BODY)
    const r = await downloadFile(`${srv.base}/data.bin`, dest('done.bin'), { sha256: SHA })
    expect(srv.requests.map((q) => q.status)).toEqual([416])
    expect(r.resumed).toBe(true)
    expect((await readFile(dest('done.bin'))).equals(BODY)).toBe(true)
  })

  it('deletes the download and throws ChecksumError on a checksum mismatch', async () => {
    const wrong = '0'.repeat(64)
    const err = await downloadFile(`${srv.base}/data.bin`, dest('bad.bin'), { sha256: wrong }).catch((e: unknown) => e)
    expect(err).toBeInstanceOf(ChecksumError)
    expect((err as Error).message).toContain(`SHA-256 mismatch (expected ${wrong}, got ${SHA})`)
    const left = await readdir(dir)
    expect(left).not.toContain('bad.bin')
    expect(left).not.toContain('bad.bin.part')
  })

  it('fails with the HTTP status on 404, without retrying', async () => {
    const err = await downloadFile(`${srv.base}/nope.bin`, dest('nope.bin'), { retries: 3, retryDelayMs: 10 }).catch(
      (e: unknown) => e
    )
    expect(err).toBeInstanceOf(DownloadError)
    expect((err as DownloadError).status).toBe(404)
    expect((err as Error).message).toMatch(/nope\.bin: HTTP 404 Not Found/)
    expect(srv.requests).toHaveLength(1)
  })

  it('follows redirects', async () => {
    await downloadFile(`${srv.base}/moved/data.bin`, dest('redirected.bin'), { sha256: SHA })
    expect(srv.requests.map((q) => q.status)).toEqual([302, 200])
  })

  it('skips a file that is already present with the right checksum', async () => {
    const r = await downloadFile(`${srv.base}/data.bin`, dest('full.bin'), { sha256: SHA })
    expect(r.alreadyPresent).toBe(true)
    expect(srv.requests).toHaveLength(0)
  })

  it('can be cancelled, keeping the .part for later', async () => {
    srv.reset({ dropAfter: 10_000, dropTimes: 100 })
    const ac = new AbortController()
    const p = downloadFile(`${srv.base}/data.bin`, dest('cancel.bin'), {
      retries: 50,
      retryDelayMs: 50,
      signal: ac.signal
    })
    setTimeout(() => ac.abort(), 100)
    await expect(p).rejects.toThrow(/cancel|abort/i)
    expect(await readdir(dir)).toContain('cancel.bin.part')
  })
})

describe('fetchDataset', () => {
  const srv = new FixtureServer()
  let dir: string
  beforeAll(async () => {
    await srv.start()
    dir = await mkdtemp(join(tmpdir(), 'gd-fetchds-'))
  })
  afterAll(async () => {
    await srv.stop()
    await rm(dir, { recursive: true, force: true })
  })

  it('downloads the named set from a mirror and reports an unverified checksum with the computed SHA-256', async () => {
    const progress: string[] = []
    const r = await fetchDataset('nist36', join(dir, 'nist36'), {
      baseUrl: `${srv.base}/`,
      onProgress: (_b, _t, f) => progress.push(f)
    })
    expect(r).toHaveLength(1)
    expect(r[0]).toMatchObject({ file: 'data.zip', verified: 'unverified', sha256: SHA })
    expect(r[0].checksumSource).toMatch(/unverified/)
    expect(progress).toContain('data.zip')
    expect((await readFile(join(dir, 'nist36/data.zip'))).equals(BODY)).toBe(true)
  })

  it('refuses a mirror file that does not match the pinned EMNIST checksum, leaving nothing behind', async () => {
    await expect(fetchDataset('emnist', join(dir, 'emnist'), { baseUrl: srv.base, retries: 0 })).rejects.toThrow(
      /gzip\.zip: MD5 mismatch \(expected 58c8d27c78d21e728a6bc7b3cc06412e/
    )
    expect(await readdir(join(dir, 'emnist'))).toEqual([])
  })

  it('names the file on a 404 from a mirror', async () => {
    await expect(
      fetchDataset('nist36', join(dir, 'elsewhere'), { baseUrl: `${srv.base}/missing`, retries: 0 })
    ).rejects.toThrow(/missing\/data\.zip: HTTP 404/)
  })
})

describe('sources', () => {
  it('lists https/http URLs and says how each checksum is known', () => {
    for (const s of Object.values(DATASET_SOURCES)) {
      for (const f of s.files) {
        expect(f.url).toMatch(/^https?:\/\//)
        expect(f.checksumSource.length).toBeGreaterThan(0)
        if (checksumStatus(f) === 'unverified') expect(f.checksumSource).toMatch(/unverified/)
      }
    }
    expect(checksumStatus(DATASET_SOURCES.emnist.files[0])).toBe('md5')
  })
})

import { describe, it, expect, beforeAll, afterAll } from 'vitest'
import { createServer, type Server } from 'node:http'
import { mkdtemp, rm, readFile, readdir, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { AddressInfo } from 'node:net'
import { extractZip, listZip, ZipFormatError } from '../../../src/main/data/zip.ts'
import { readEmnistDir } from '../../../src/main/data/emnist.ts'
import { fetchDataset } from '../../../src/main/data/fetch.ts'
import { classIndex } from '../../../src/shared/classes.ts'

const FIX = join(import.meta.dirname, '../../fixtures/emnist')

describe('extractZip', () => {
  let dir: string
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'gd-zip-'))
  })
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true })
  })

  it('lists and extracts deflated and stored entries byte-exactly', async () => {
    const entries = await listZip(join(FIX, 'gzip-mini.zip'))
    expect(entries.map((e) => [e.name, e.method])).toEqual([
      ['gzip/emnist-bymerge-test-images-idx3-ubyte.gz', 8],
      ['gzip/emnist-bymerge-test-labels-idx1-ubyte.gz', 8],
      ['gzip/README.txt', 0]
    ])
    const out = join(dir, 'a')
    const written = await extractZip(join(FIX, 'gzip-mini.zip'), out)
    expect(written).toHaveLength(3)
    expect(
      (await readFile(join(out, 'gzip/emnist-bymerge-test-images-idx3-ubyte.gz'))).equals(
        await readFile(join(FIX, 'emnist-bymerge-test-images-idx3-ubyte.gz'))
      )
    ).toBe(true)
    expect(await readFile(join(out, 'gzip/README.txt'), 'utf8')).toBe('EMNIST test miniature\n'.repeat(3))
    const g = await readEmnistDir(join(out, 'gzip'), 'bymerge', 'test')
    expect([...g.y]).toEqual([classIndex('L'), classIndex('7')])
  })

  it('refuses entries that would escape the output directory', async () => {
    await expect(extractZip(join(FIX, 'zip-slip.zip'), join(dir, 'slip'))).rejects.toThrow(
      /"\.\.\/escaped\.txt" would be written outside/
    )
    expect(await readdir(dir)).not.toContain('escaped.txt')
  })

  it('rejects a damaged entry (CRC) and a non-zip file', async () => {
    const bytes = Buffer.from(await readFile(join(FIX, 'gzip-mini.zip')))
    // The stored README's data sits just before the central directory; flip one of its bytes.
    const i = bytes.indexOf('EMNIST test miniature')
    bytes[i] ^= 0xff
    await writeFile(join(dir, 'damaged.zip'), bytes)
    await expect(extractZip(join(dir, 'damaged.zip'), join(dir, 'd'))).rejects.toThrow(
      /damaged\.zip: "gzip\/README\.txt" failed its integrity check/
    )
    await expect(extractZip(join(FIX, 'emnist-balanced-test-labels-idx1-ubyte'), join(dir, 'e'))).rejects.toThrow(
      ZipFormatError
    )
    await expect(listZip(join(dir, 'nothing.zip'))).rejects.toThrow(/nothing\.zip: file not found/)
  })
})

describe('fetchDataset with extract', () => {
  let server: Server
  let base: string
  let dir: string
  beforeAll(async () => {
    const zip = await readFile(join(FIX, 'gzip-mini.zip'))
    server = createServer((req, res) => {
      if (req.url === '/data.zip') res.writeHead(200, { 'Content-Length': zip.length }).end(zip)
      else res.writeHead(404).end()
    })
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
    dir = await mkdtemp(join(tmpdir(), 'gd-fetchzip-'))
  })
  afterAll(async () => {
    server.closeAllConnections()
    await new Promise<void>((r) => server.close(() => r()))
    await rm(dir, { recursive: true, force: true })
  })

  it('downloads, unzips and leaves readable files', async () => {
    const [r] = await fetchDataset('nist36', dir, { baseUrl: base, extract: true })
    expect(r.extracted).toHaveLength(3)
    const g = await readEmnistDir(join(dir, 'gzip'), 'bymerge', 'test')
    expect(g.n).toBe(2)
  })
})

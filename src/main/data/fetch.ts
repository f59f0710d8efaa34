// Downloads the public training sets listed in sources.ts: resumable (NAME.part + HTTP Range),
// checksum-verified, renamed into place only when complete, with progress reports.
import { InvalidInputError, errnoCode, errorMessage } from '../core/errors.ts'
import { createReadStream, createWriteStream } from 'node:fs'
import { mkdir, rename, rm, stat } from 'node:fs/promises'
import { request as httpRequest, type IncomingMessage } from 'node:http'
import { request as httpsRequest } from 'node:https'
import { createHash } from 'node:crypto'
import { join } from 'node:path'
import { Transform } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import { extractZip } from './zip.ts'
import { DATASET_SOURCES, checksumStatus, type ChecksumStatus, type DatasetName } from './sources.ts'

export class DownloadError extends InvalidInputError {
  override name = 'DownloadError'
  constructor(
    message: string,
    readonly url: string,
    readonly status?: number
  ) {
    super(message)
  }
}

/** The downloaded bytes do not match the expected checksum; the partial file was deleted. */
export class ChecksumError extends DownloadError {
  override name = 'ChecksumError'
}

export type ProgressFn = (bytes: number, total: number | undefined) => void

export interface DownloadOptions {
  sha256?: string
  md5?: string
  onProgress?: ProgressFn
  signal?: AbortSignal
  /** Further attempts after a dropped connection or a 5xx answer, each resuming. Default 3. */
  retries?: number
  /** Wait before attempt k is k × this. Default 1000 ms. */
  retryDelayMs?: number
  /** Give up on a connection silent for this long. Default 30 s. */
  idleTimeoutMs?: number
}

export interface DownloadResult {
  path: string
  bytes: number
  sha256: string
  /** Which checksum was checked. */
  verified: ChecksumStatus
  /** The download continued an earlier partial file. */
  resumed: boolean
  /** The file was already there and complete; nothing was downloaded. */
  alreadyPresent: boolean
}

const MAX_REDIRECTS = 5

/**
 * Downloads `url` to `dest`. Bytes go to `dest.part` first; an existing .part is continued
 * with a Range request (or restarted if the server ignores Range). Only a complete file whose
 * checksum matches is renamed to `dest`.
 */
export async function downloadFile(url: string, dest: string, opts: DownloadOptions = {}): Promise<DownloadResult> {
  const part = `${dest}.part`
  const verified = checksumStatus(opts)
  if (await exists(dest)) {
    const sums = await hashFile(dest)
    if (checksumMatches(sums, opts)) {
      return {
        path: dest,
        bytes: (await stat(dest)).size,
        sha256: sums.sha256,
        verified,
        resumed: false,
        alreadyPresent: true
      }
    }
    await rm(dest) // a damaged earlier download: fetch it again
  }
  const retries = opts.retries ?? 3
  const delay = opts.retryDelayMs ?? 1000
  let resumed = false
  let lastError: unknown
  for (let attempt = 0; attempt <= retries; attempt++) {
    opts.signal?.throwIfAborted()
    if (attempt > 0) await sleep(delay * attempt, opts.signal)
    try {
      const r = await attemptDownload(url, part, opts)
      resumed ||= r.resumed
      lastError = undefined
      break
    } catch (e) {
      lastError = e
      if (!isRetryable(e) || opts.signal?.aborted) throw e
    }
  }
  if (lastError) {
    const msg = lastError instanceof Error ? lastError.message : String(lastError)
    throw new DownloadError(
      `${url}: gave up after ${retries + 1} attempts (${msg}); run again to resume from ${part}`,
      url
    )
  }
  const sums = await hashFile(part)
  if (!checksumMatches(sums, opts)) {
    await rm(part, { force: true })
    const [kind, want, got] = opts.sha256 ? ['SHA-256', opts.sha256, sums.sha256] : ['MD5', opts.md5!, sums.md5]
    throw new ChecksumError(
      `${url}: ${kind} mismatch (expected ${want.toLowerCase()}, got ${got}); deleted the download, try again or check the source`,
      url
    )
  }
  await rename(part, dest)
  return { path: dest, bytes: (await stat(dest)).size, sha256: sums.sha256, verified, resumed, alreadyPresent: false }
}

export interface FetchDatasetOptions {
  /** Replaces the directory part of every source URL (mirrors, tests). */
  baseUrl?: string
  onProgress?: (bytes: number, total: number | undefined, file: string) => void
  signal?: AbortSignal
  retries?: number
  retryDelayMs?: number
  /** Unzip downloaded .zip archives into `outDir` (each entry CRC-checked). Default false. */
  extract?: boolean
}

/** Downloads every file of a named data set into `outDir`. */
export async function fetchDataset(
  name: DatasetName,
  outDir: string,
  opts: FetchDatasetOptions = {}
): Promise<(DownloadResult & { file: string; checksumSource: string; extracted?: string[] })[]> {
  const source = DATASET_SOURCES[name]
  if (!source) throw new RangeError(`unknown data set "${name}"; one of ${Object.keys(DATASET_SOURCES).join(', ')}`)
  await mkdir(outDir, { recursive: true })
  const out = []
  for (const f of source.files) {
    const url = opts.baseUrl ? `${opts.baseUrl.replace(/\/+$/, '')}/${encodeURIComponent(f.file)}` : f.url
    const r = await downloadFile(url, join(outDir, f.file), {
      sha256: f.sha256,
      md5: f.md5,
      signal: opts.signal,
      retries: opts.retries,
      retryDelayMs: opts.retryDelayMs,
      onProgress: opts.onProgress && ((b, t) => opts.onProgress!(b, t, f.file))
    })
    const extracted = opts.extract && f.file.endsWith('.zip') ? await extractZip(r.path, outDir) : undefined
    out.push({ ...r, file: f.file, checksumSource: f.checksumSource, ...(extracted ? { extracted } : {}) })
  }
  return out
}

// ---------------------------------------------------------------- one attempt

class RetryableError extends Error {}

function isRetryable(e: unknown): boolean {
  if (e instanceof RetryableError) return true
  const code = errnoCode(e)
  return (
    code === 'ECONNRESET' ||
    code === 'ECONNREFUSED' ||
    code === 'ETIMEDOUT' ||
    code === 'EPIPE' ||
    code === 'ECONNABORTED' ||
    code === 'ERR_STREAM_PREMATURE_CLOSE' ||
    code === 'EAI_AGAIN'
  )
}

async function attemptDownload(url: string, part: string, opts: DownloadOptions): Promise<{ resumed: boolean }> {
  // At most two passes: the second when a resume turned out impossible and we start over.
  for (let pass = 0; pass < 2; pass++) {
    const have = (await exists(part)) ? (await stat(part)).size : 0
    const res = await get(url, have > 0 ? { Range: `bytes=${have}-` } : {}, opts)
    const status = res.statusCode ?? 0
    if (status === 416 && have > 0) {
      res.resume()
      // Range not satisfiable: the part is complete if its size is the whole length.
      const total = /\/(\d+)$/.exec(res.headers['content-range'] ?? '')?.[1]
      if (total !== undefined && Number(total) === have) {
        opts.onProgress?.(have, have)
        return { resumed: true }
      }
      await rm(part, { force: true })
      continue
    }
    if (status >= 500) {
      res.resume()
      throw new RetryableError(`HTTP ${status} ${res.statusMessage ?? ''}`.trim())
    }
    if (status !== 200 && status !== 206) {
      res.resume()
      throw new DownloadError(
        `${url}: HTTP ${status} ${res.statusMessage ?? ''}`.trim() +
          (status === 404 ? ' (not found; the file may have moved, check sources.ts)' : ''),
        url,
        status
      )
    }
    let append = false
    let total: number | undefined
    const length = res.headers['content-length'] !== undefined ? Number(res.headers['content-length']) : undefined
    if (status === 206) {
      const m = /^bytes (\d+)-(\d+)\/(\d+|\*)$/.exec(res.headers['content-range'] ?? '')
      if (!m || Number(m[1]) !== have) {
        // A range we did not ask for: do not splice it in; start over.
        res.destroy()
        await rm(part, { force: true })
        continue
      }
      append = true
      total = m[3] === '*' ? undefined : Number(m[3])
    } else {
      // 200: the server sent the whole file (it ignored Range, or there was nothing to resume).
      total = length
    }
    let received = append ? have : 0
    opts.onProgress?.(received, total)
    const counter = new Transform({
      transform(chunk: Buffer, _enc, done) {
        received += chunk.length
        opts.onProgress?.(received, total)
        done(null, chunk)
      }
    })
    try {
      await pipeline(res, counter, createWriteStream(part, { flags: append ? 'a' : 'w' }), { signal: opts.signal })
    } catch (e) {
      if (opts.signal?.aborted) throw new DownloadError(`${url}: download cancelled; ${part} kept for resuming`, url)
      throw new RetryableError(`connection lost after ${received} bytes (${errorMessage(e)})`)
    }
    const expectedEnd = total ?? (length !== undefined ? (append ? have : 0) + length : undefined)
    if (expectedEnd !== undefined && received < expectedEnd)
      throw new RetryableError(`connection closed after ${received} of ${expectedEnd} bytes`)
    if (expectedEnd !== undefined && received > expectedEnd) {
      await rm(part, { force: true })
      throw new DownloadError(`${url}: server sent ${received} bytes, more than the announced ${expectedEnd}`, url)
    }
    return { resumed: append }
  }
  throw new DownloadError(`${url}: the server keeps answering Range requests with the wrong range`, url)
}

function get(
  url: string,
  headers: Record<string, string>,
  opts: DownloadOptions,
  redirects = 0
): Promise<IncomingMessage> {
  return new Promise((resolve, reject) => {
    let u: URL
    try {
      u = new URL(url)
    } catch {
      reject(new DownloadError(`"${url}" is not a valid URL`, url))
      return
    }
    if (u.protocol !== 'http:' && u.protocol !== 'https:') {
      reject(new DownloadError(`${url}: only http and https are supported`, url))
      return
    }
    const req = (u.protocol === 'https:' ? httpsRequest : httpRequest)(
      u,
      { headers: { 'User-Agent': 'glyphdesk', ...headers }, signal: opts.signal },
      (res) => {
        const status = res.statusCode ?? 0
        if (status >= 300 && status < 400 && res.headers.location) {
          res.resume()
          if (redirects >= MAX_REDIRECTS) {
            reject(new DownloadError(`${url}: more than ${MAX_REDIRECTS} redirects`, url))
            return
          }
          get(new URL(res.headers.location, u).toString(), headers, opts, redirects + 1).then(resolve, reject)
          return
        }
        resolve(res)
      }
    )
    req.setTimeout(opts.idleTimeoutMs ?? 30_000, () =>
      req.destroy(Object.assign(new Error('connection idle too long'), { code: 'ETIMEDOUT' }))
    )
    req.on('error', (e) => {
      if (opts.signal?.aborted) reject(new DownloadError(`${url}: download cancelled`, url))
      else reject(e)
    })
    req.end()
  })
}

// ---------------------------------------------------------------- helpers

async function hashFile(path: string): Promise<{ sha256: string; md5: string }> {
  const sha = createHash('sha256')
  const md5 = createHash('md5')
  for await (const chunk of createReadStream(path)) {
    // A stream opened without an encoding yields Buffers; the guard says so to the type checker.
    if (!Buffer.isBuffer(chunk)) throw new TypeError(`${path}: read stream yielded ${typeof chunk}, not bytes`)
    sha.update(chunk)
    md5.update(chunk)
  }
  return { sha256: sha.digest('hex'), md5: md5.digest('hex') }
}

function checksumMatches(sums: { sha256: string; md5: string }, opts: { sha256?: string; md5?: string }): boolean {
  if (opts.sha256) return sums.sha256 === opts.sha256.toLowerCase()
  if (opts.md5) return sums.md5 === opts.md5.toLowerCase()
  return true
}

async function exists(path: string): Promise<boolean> {
  try {
    await stat(path)
    return true
  } catch {
    return false
  }
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    const onAbort = (): void => {
      clearTimeout(t)
      reject(new DownloadError('download cancelled', ''))
    }
    const t = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort)
      resolve()
    }, ms)
    signal?.addEventListener('abort', onAbort, { once: true })
  })
}

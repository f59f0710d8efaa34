// OpenCV's patched loader (vision/opencvRuntime.ts) against the stock `require('opencv-wasm')`: every patch still
// applies to the installed opencv.js, and the two runtimes, loaded side by side in this process, compute the same
// pixels with the functions segmentation calls and throw the same binding errors.
import { readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { OPENCV_PATCHES, loadOpenCvRuntime, patchOpenCvSource } from '../../../src/main/vision/opencvRuntime.ts'
import type { Mat, OpenCv } from '../../../src/main/vision/opencv.ts'

const installed = readFileSync(
  join(dirname(createRequire(import.meta.url).resolve('opencv-wasm')), 'opencv.js'),
  'utf8'
)

/** A deterministic gray image with structure at several scales (a linear congruential generator). */
function testImage(w: number, h: number): number[] {
  const out: number[] = []
  let s = 12345
  for (let y = 0; y < h; y++)
    for (let x = 0; x < w; x++) {
      s = (s * 1103515245 + 12345) >>> 0
      const blob = ((x >> 4) + (y >> 3)) % 3 === 0 ? 60 : 200
      out.push(Math.max(0, Math.min(255, blob + ((s >>> 16) % 41) - 20)))
    }
  return out
}

/** What a run of the functions segmentation uses gives on `cv`: every output's bytes, in order. */
function pipeline(cv: OpenCv): number[][] {
  const mats: Mat[] = []
  const keep = (m: Mat): Mat => (mats.push(m), m)
  try {
    const src = keep(cv.matFromArray(61, 97, cv.CV_8UC1, testImage(97, 61)))
    const out: number[][] = []
    const area = keep(new cv.Mat())
    cv.resize(src, area, new cv.Size(70, 44), 0, 0, cv.INTER_AREA)
    const linear = keep(new cv.Mat())
    cv.resize(src, linear, new cv.Size(141, 89), 0, 0, cv.INTER_LINEAR)
    const bin = keep(new cv.Mat())
    const level = cv.threshold(linear, bin, 0, 255, cv.THRESH_BINARY_INV | cv.THRESH_OTSU)
    const med = keep(new cv.Mat())
    cv.medianBlur(src, med, 5)
    const k = keep(cv.getStructuringElement(cv.MORPH_ELLIPSE, new cv.Size(3, 3)))
    const closed = keep(new cv.Mat())
    cv.morphologyEx(bin, closed, cv.MORPH_CLOSE, k)
    const blur = keep(new cv.Mat())
    cv.GaussianBlur(src, blur, new cv.Size(9, 9), 0)
    const labels = keep(new cv.Mat())
    const stats = keep(new cv.Mat())
    const centroids = keep(new cv.Mat())
    const n = cv.connectedComponentsWithStats(closed, labels, stats, centroids, 8, cv.CV_32S)
    out.push([level, n], Array.from(area.data), Array.from(linear.data), Array.from(bin.data), Array.from(med.data))
    out.push(Array.from(closed.data), Array.from(blur.data), Array.from(labels.data32S), Array.from(stats.data32S))
    return out
  } finally {
    for (const m of mats) m.delete()
  }
}

function thrown(f: () => void): string {
  try {
    f()
  } catch (e) {
    return e instanceof Error ? `${e.name}: ${e.message}` : String(e)
  }
  return 'nothing thrown'
}

describe('OpenCV runtime', () => {
  it('applies every patch to the installed opencv.js exactly once', () => {
    const patched = patchOpenCvSource(installed)
    expect(patched).not.toBeNull()
    for (const p of OPENCV_PATCHES) {
      expect(installed.split(p.from).length - 1, p.what).toBe(1)
      expect(patched!.includes(p.to), p.what).toBe(true)
    }
    // The generated sources no longer carry a binding's name or table index.
    expect(patched).not.toContain('makeLegalFunctionName(humanName) + "("')
    expect(patched).not.toContain('new Function("dynCall", "rawFunction", body)')
  })

  it('declines a source a patch does not match exactly once (the stock loader then runs)', () => {
    const first = OPENCV_PATCHES[1]!
    expect(patchOpenCvSource(installed.replace(first.from, ''))).toBeNull()
    expect(patchOpenCvSource(installed + '\n' + first.from)).toBeNull()
  })

  it('computes what the stock runtime computes and throws its binding errors', async () => {
    const { cv: fast } = await loadOpenCvRuntime()
    const { cv: stock } = await loadOpenCvRuntime({ stock: true })
    expect(fast).not.toBe(stock)
    const a = pipeline(fast)
    const b = pipeline(stock)
    expect(a.length).toBe(9)
    expect(a[0]![1]).toBeGreaterThan(2)
    for (let i = 0; i < a.length; i++) expect(a[i], `output ${i}`).toEqual(b[i])
    // An invoker's own arity check (a method with one signature) keeps its message, name included.
    const m1 = fast.matFromArray(2, 2, fast.CV_8UC1, [1, 2, 3, 4])
    const m2 = stock.matFromArray(2, 2, stock.CV_8UC1, [1, 2, 3, 4])
    try {
      const call = (m: Mat) => (m as unknown as { channels(x: number): number }).channels(7)
      const message = thrown(() => call(m1))
      expect(message).toMatch(/function Mat\.channels called with 1 arguments, expected 0 args!/)
      expect(message).toBe(thrown(() => call(m2)))
    } finally {
      m1.delete()
      m2.delete()
    }
  })
})

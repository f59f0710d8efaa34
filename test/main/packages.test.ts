// After a clean `npm ci` (install scripts off, see .npmrc) every native and WASM package that
// Glyphdesk uses must load and compute: onnxruntime-node, opencv-wasm, sharp, @napi-rs/canvas.
import type { OpenCv } from '../../src/main/vision/opencv.ts'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import '../../src/main/recognize/ortTelemetry.ts' // as Glyphdesk runs it: no /tmp/mat-debug-<pid>.log

const fixtures = join(__dirname, '..', 'fixtures')

describe('native and WASM packages load after npm ci', () => {
  it('onnxruntime-node runs a committed tiny model on the CPU', async () => {
    const ort = await import('onnxruntime-node')
    const session = await ort.InferenceSession.create(join(fixtures, 'onnx', 'tiny.onnx'))
    const x = new ort.Tensor('float32', Float32Array.from([1, 1, 2, 0]), [2, 2])
    const { y } = await session.run({ x })
    // y = x·Wᵀ + b with W = [[1,2],[3,4]], b = [0.5, -0.5]
    expect(Array.from(y.data as Float32Array)).toEqual([3.5, 6.5, 2.5, 5.5])
  })

  it('opencv-wasm loads and thresholds a Mat', async () => {
    const { cv } = (await import('opencv-wasm')) as unknown as { cv: OpenCv } // opencv-wasm ships no types
    const src = cv.matFromArray(1, 4, cv.CV_8UC1, [0, 100, 200, 255])
    const dst = new cv.Mat()
    try {
      cv.threshold(src, dst, 150, 255, cv.THRESH_BINARY)
      expect(Array.from(dst.data as Uint8Array)).toEqual([0, 0, 255, 255])
    } finally {
      src.delete()
      dst.delete()
    }
  })

  it('sharp encodes and decodes a PNG', async () => {
    const sharp = (await import('sharp')).default
    const png = await sharp(Buffer.from([0, 255, 128, 64]), { raw: { width: 2, height: 2, channels: 1 } })
      .png()
      .toBuffer()
    const { data, info } = await sharp(png).raw().toBuffer({ resolveWithObject: true })
    expect(info.width).toBe(2)
    const first = Array.from({ length: 4 }, (_, i) => data[i * info.channels])
    expect(first).toEqual([0, 255, 128, 64])
  })

  it('@napi-rs/canvas draws text with a system font', async () => {
    const { createCanvas } = await import('@napi-rs/canvas')
    const c = createCanvas(40, 40)
    const ctx = c.getContext('2d')
    ctx.fillStyle = 'white'
    ctx.fillRect(0, 0, 40, 40)
    ctx.fillStyle = 'black'
    ctx.font = '32px sans-serif'
    ctx.fillText('A', 8, 34)
    const px = ctx.getImageData(0, 0, 40, 40).data
    let dark = 0
    for (let i = 0; i < px.length; i += 4) if (px[i] < 128) dark++
    expect(dark).toBeGreaterThan(20)
  })
})

// Gray images changed the way a person's pages differ from the samples (the tests of small and faint writing), and
// the canvas crafted pages are drawn on.
import { createCanvas } from '@napi-rs/canvas'
import type { GrayImage } from '../../../src/main/vision/image.ts'

/** The image at 1/k of its size, each pixel the mean of a k×k block (a low-resolution photo or scan). */
export function shrinkGray(image: GrayImage, k: number): GrayImage {
  const w = Math.floor(image.width / k),
    h = Math.floor(image.height / k)
  const data = new Uint8Array(w * h)
  for (let y = 0; y < h; y++)
    for (let x = 0; x < w; x++) {
      let sum = 0
      for (let dy = 0; dy < k; dy++)
        for (let dx = 0; dx < k; dx++) sum += image.data[(y * k + dy) * image.width + x * k + dx]
      data[y * w + x] = Math.round(sum / (k * k))
    }
  return { width: w, height: h, data }
}

/** A canvas drawn in grays only, as a gray image (its red channel; green and blue are the same). */
export function canvasGray(
  ctx: { getImageData(x: number, y: number, w: number, h: number): { data: ArrayLike<number> } },
  width: number,
  height: number
): GrayImage {
  const rgba = ctx.getImageData(0, 0, width, height).data
  const data = new Uint8Array(width * height)
  for (let i = 0; i < data.length; i++) data[i] = rgba[4 * i]
  return { width, height, data }
}

/** A canvas of `w` × `h` filled with `paper`, its fill and stroke set to `ink`: crafted pages are drawn on it. */
export function paperCanvas(w: number, h: number, paper: string, ink: string) {
  const ctx = createCanvas(w, h).getContext('2d')
  ctx.fillStyle = paper
  ctx.fillRect(0, 0, w, h)
  ctx.fillStyle = ink
  ctx.strokeStyle = ink
  return ctx
}

/** A crafted page (paperCanvas: light paper, dark ink) left set to `font`, and that font's cap height. */
export function pageAndCap(w: number, h: number, font: string) {
  const ctx = paperCanvas(w, h, '#f4f4f4', '#202020')
  ctx.font = font
  return { ctx, cap: ctx.measureText('H').actualBoundingBoxAscent }
}

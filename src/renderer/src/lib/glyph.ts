// Glyph previews (1024 gray bytes, base64) onto canvases.
import { decodeGlyphPreview } from '@shared/contract.ts'

export function paintGlyph(canvas: HTMLCanvasElement, b64: string | undefined): void {
  const ctx = canvas.getContext('2d')
  if (!ctx) return
  const img = ctx.createImageData(32, 32)
  if (b64) {
    const g = decodeGlyphPreview(b64)
    for (let i = 0; i < 1024; i++) {
      const v = g[i] ?? 255
      img.data[i * 4] = v
      img.data[i * 4 + 1] = v
      img.data[i * 4 + 2] = v
      img.data[i * 4 + 3] = 255
    }
  } else img.data.fill(255)
  ctx.putImageData(img, 0, 0)
}

/** Box colour by confidence: red (unsure) → amber → green (sure); the person's labels blue. */
export const CONFIDENCE_COLOURS = ['#e5484d', '#f76b15', '#ffc53d', '#a6d05a', '#30a46c'] as const
export const PERSON_COLOUR = '#3e9bff'

export function confidenceBucket(c: number | undefined): number {
  if (c === undefined) return 0
  return c < 0.3 ? 0 : c < 0.5 ? 1 : c < 0.7 ? 2 : c < 0.9 ? 3 : 4
}

// What the autoencoder and PCA experiments share: the glyphs they reconstruct for the pictures
// (the same ones in both reports), the [0, 1] clamping of inputs, and the PNG of originals above
// reconstructions.
import { glyphGridPng } from '../data/grid.ts'
import type { LabelledGlyphs } from '../data/glyphset.ts'
import { Rng } from '../nn/rng.ts'
import { CLASSES, GLYPH_PIXELS } from '../../shared/classes.ts'
import { firstOfClasses } from './context.ts'
import { clampUnit } from './psnr.ts'

export const RECON_CLASSES = 5
export const RECON_PER_CLASS = 2

/** RECON_CLASSES classes drawn with the seed from those present in `g`, and the first RECON_PER_CLASS glyphs of each. */
export function reconstructionGlyphs(g: LabelledGlyphs, seed: number): { classes: string[]; indices: number[] } {
  const present = new Set<number>()
  for (let i = 0; i < g.n; i++) present.add(g.y[i])
  const pool = Uint32Array.from([...present].sort((a, b) => a - b))
  new Rng(seed).shuffle(pool)
  const chosen = [...pool.subarray(0, RECON_CLASSES)].sort((a, b) => a - b)
  return { classes: chosen.map((c) => CLASSES[c]), indices: firstOfClasses(g, chosen, RECON_PER_CLASS) }
}

/** Glyphs as the reconstruction experiments see them: values clamped to [0, 1]. */
export function unitGlyphs(g: LabelledGlyphs): { x: Float32Array; n: number } {
  return { x: clampUnit(g.x.subarray(0, g.n * GLYPH_PIXELS)), n: g.n }
}

/** A PNG with one row per image set (e.g. originals, reconstructions), the glyphs `indices` of each. */
export async function rowsPng(rows: Float32Array[], indices: number[], scale: number): Promise<Buffer> {
  const k = indices.length
  const x = new Float32Array(rows.length * k * GLYPH_PIXELS)
  rows.forEach((src, r) =>
    indices.forEach((i, c) => x.set(src.subarray(i * GLYPH_PIXELS, (i + 1) * GLYPH_PIXELS), (r * k + c) * GLYPH_PIXELS))
  )
  return glyphGridPng(x, rows.length * k, k, { scale, gap: 3 })
}

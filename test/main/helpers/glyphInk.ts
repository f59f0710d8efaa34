// The ink box of a 32×32 glyph (paper ≈ 1, ink ≈ 0): the tests that check how glyphs are framed.

/** Rows and columns of the pixels below 0.5 of the glyph at `x[offset …]`; x1 = −1 when there are none. */
export function glyphInkBox(x: ArrayLike<number>, offset = 0): { x0: number; x1: number; y0: number; y1: number } {
  let x0 = 32,
    x1 = -1,
    y0 = 32,
    y1 = -1
  for (let y = 0; y < 32; y++)
    for (let c = 0; c < 32; c++)
      if (x[offset + y * 32 + c] < 0.5) {
        x0 = Math.min(x0, c)
        x1 = Math.max(x1, c)
        y0 = Math.min(y0, y)
        y1 = Math.max(y1, y)
      }
  return { x0, x1, y0, y1 }
}

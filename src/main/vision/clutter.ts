// What on a page is not writing: ruled lines, margins and borders (long thin runs of ink), solid blobs
// (a phone, a shadow, a stain), things cut by the photo's edge, and a page with no ink at all. Pure
// functions over the binary ink mask at the working scale (characters ~64 px tall); segment.ts calls them.

/**
 * Erases ruled lines, margin lines and borders from `bin` (255 = ink, in place) without cutting the
 * strokes that cross them. A pixel is part of a line when it lies on a horizontal (vertical) run of ink at
 * least `minLength` long, counted over its row and the rows next to it (a line tilted by a pixel or two
 * over that length still counts). Across the line, each column's band of line pixels is erased only when
 * no stroke continues it: when the pixel just above or just below the band is ink that is not line, the
 * band is kept, so a letter crossing the line or standing on it stays whole. Bands thicker than
 * `maxThickness` are not lines (a bar, a blob) and are left alone. Returns the number of pixels erased.
 */
export function removeRules(bin: Uint8Array, w: number, h: number, minLength: number, maxThickness: number): number {
  let line: Uint8Array | null = null
  let horizontal = 0,
    vertical = 0
  // A run at least minLength long covers one of every minLength consecutive positions, so runs are looked for
  // only from those sample positions and followed both ways from there: on a page without lines this reads
  // 1/minLength of the pixels instead of all of them, and finds exactly the same maximal runs.
  const step = Math.max(1, Math.floor(minLength))
  // Horizontal runs over the row and its neighbours (a vertical dilation by one pixel).
  for (let y = 0; y < h; y++) {
    const row = y * w,
      up = y > 0 ? row - w : row,
      down = y + 1 < h ? row + w : row
    const on = (x: number) => (bin[row + x] | bin[up + x] | bin[down + x]) !== 0
    let done = -1 // the run ending here has been followed already
    for (let x = step - 1; x < w; x += step) {
      if (x <= done || !on(x)) continue
      let a = x,
        b = x
      while (a > 0 && on(a - 1)) a--
      while (b + 1 < w && on(b + 1)) b++
      done = b
      if (b - a + 1 < minLength) continue
      line ??= new Uint8Array(w * h)
      for (let k = a; k <= b; k++)
        if (bin[row + k]) {
          line[row + k] = 1
          horizontal++
        }
    }
  }
  // Vertical runs over the column and its neighbours.
  for (let x = 0; x < w; x++) {
    const on = (y: number) => {
      const i = y * w + x
      return (bin[i] | (x > 0 ? bin[i - 1] : 0) | (x + 1 < w ? bin[i + 1] : 0)) !== 0
    }
    let done = -1
    for (let y = step - 1; y < h; y += step) {
      if (y <= done || !on(y)) continue
      let a = y,
        b = y
      while (a > 0 && on(a - 1)) a--
      while (b + 1 < h && on(b + 1)) b++
      done = b
      if (b - a + 1 < minLength) continue
      line ??= new Uint8Array(w * h)
      for (let k = a; k <= b; k++)
        if (bin[k * w + x]) {
          line[k * w + x] |= 2
          vertical++
        }
    }
  }
  if (!line) return 0
  let erased = 0
  // Horizontal lines: per column, bands of line pixels.
  for (let x = 0; horizontal > 0 && x < w; x++) {
    let y = 0
    while (y < h) {
      if (!(line[y * w + x] & 1)) {
        y++
        continue
      }
      const y0 = y
      while (y < h && line[y * w + x] & 1) y++
      const y1 = y - 1
      if (y1 - y0 + 1 > maxThickness) continue
      const above = y0 > 0 && bin[(y0 - 1) * w + x] !== 0 && !(line[(y0 - 1) * w + x] & 1)
      const below = y1 + 1 < h && bin[(y1 + 1) * w + x] !== 0 && !(line[(y1 + 1) * w + x] & 1)
      if (above || below) continue
      for (let k = y0; k <= y1; k++) {
        bin[k * w + x] = 0
        erased++
      }
    }
  }
  // Vertical lines: per row, bands of line pixels.
  for (let y = 0; vertical > 0 && y < h; y++) {
    let x = 0
    while (x < w) {
      if (!(line[y * w + x] & 2)) {
        x++
        continue
      }
      const x0 = x
      while (x < w && line[y * w + x] & 2) x++
      const x1 = x - 1
      if (x1 - x0 + 1 > maxThickness) continue
      const left = x0 > 0 && bin[y * w + x0 - 1] !== 0 && !(line[y * w + x0 - 1] & 2)
      const right = x1 + 1 < w && bin[y * w + x1 + 1] !== 0 && !(line[y * w + x1 + 1] & 2)
      if (left || right) continue
      for (let k = x0; k <= x1; k++) {
        if (bin[y * w + k]) erased++
        bin[y * w + k] = 0
      }
    }
  }
  return erased
}

export interface Blobish {
  x: number
  y: number
  w: number
  h: number
  area: number
}

/**
 * Not a character by its shape: a solid blob (ink fills most of a box that is large in both directions —
 * a phone, a shadow, a stain; handwriting fills well under half of a letter's box and even bold print's E
 * or M about 0.7 of it, hence 0.85), or a mark cut by the edge of
 * the image (a thing lying partly outside the photo: a pen, a mug, the desk's edge).
 */
export function notWriting(c: Blobish, charHeight: number, imageW: number, imageH: number): boolean {
  const solid = c.area / (c.w * c.h) > 0.85 && Math.min(c.w, c.h) >= 0.5 * charHeight
  const cut = c.x <= 0 || c.y <= 0 || c.x + c.w >= imageW || c.y + c.h >= imageH
  return solid || cut
}

/**
 * Whether a background-normalised gray image (paper ≈ 255) holds any ink: pixels darker than `inkLevel`
 * make up at least `minShare` of it. A blank sheet with shading and sensor noise has none.
 */
export function hasInk(gray: Uint8Array, inkLevel = 170, minShare = 2e-4): boolean {
  let dark = 0
  for (let i = 0; i < gray.length; i++) if (gray[i] < inkLevel) dark++
  return dark >= minShare * gray.length
}

// OpenCV operations of segmentation done in plain TypeScript where that is faster, pixel for pixel the same
// as OpenCV's (tested against OpenCV in test/main/vision/cvExact.test.ts); the rest of segmentation stays in
// OpenCV. cv.divide of a full page by its background was ~20% of a warm page's segmentation (issue 15).
// (OpenCV's general INTER_AREA shrink was also written out here exactly; in TypeScript it took 3× OpenCV's time.)

/** a·255/b for every 8-bit pair, at index b·256 + a: cv.divide's result (0 where b = 0). */
let divideTable: Uint8Array | null = null

/** Rounds half to even, as OpenCV's saturate_cast from floating point (lrint) does. */
function roundHalfEven(v: number): number {
  const r = Math.round(v)
  return r - v === 0.5 && r % 2 !== 0 ? r - 1 : r
}

/**
 * out = saturate(round(a·255 / b)), 0 where b = 0: exactly cv.divide(a, b, out, 255) on 8-bit images.
 * OpenCV computes the quotient in single precision and rounds half to even; a single-precision quotient of
 * these integers lands on the same side of every rounding boundary as the exact one (a quotient that is not a
 * tie is at least 1/510 away from one). One table of all 65 536 pairs instead of a division per pixel.
 */
export function divideBy(a: Uint8Array, b: Uint8Array, out: Uint8Array): void {
  if (a.length !== b.length || out.length !== a.length) throw new Error('divideBy: images of different sizes')
  if (!divideTable) {
    divideTable = new Uint8Array(65536)
    for (let d = 1; d < 256; d++)
      for (let n = 0; n < 256; n++) divideTable[(d << 8) | n] = Math.min(255, roundHalfEven((n * 255) / d))
  }
  const t = divideTable
  for (let i = 0; i < out.length; i++) out[i] = t[(b[i] << 8) | a[i]]
}

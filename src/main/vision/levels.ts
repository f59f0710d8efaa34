// The levels of an 8-bit gray image: its 256-bin histogram and quantiles read from it, for the decisions made on a
// page's levels as a whole (faint ink, a negative, a washed-out photo).

export class Levels {
  /** How many pixels have each level 0–255. */
  readonly hist = new Float64Array(256)
  readonly n: number

  constructor(gray: Uint8Array) {
    this.n = gray.length
    // Counted in 32-bit integers through a local reference: a field read per pixel is several times slower.
    const counts = new Uint32Array(256)
    for (let i = 0; i < gray.length; i++) counts[gray[i]]++
    this.hist.set(counts)
  }

  /** The lowest level at or below which more than a share `q` of the pixels lie (255 when there is none). */
  at(q: number): number {
    const target = q * this.n
    let acc = 0
    for (let v = 0; v < 256; v++) {
      acc += this.hist[v]
      if (acc > target) return v
    }
    return 255
  }
}

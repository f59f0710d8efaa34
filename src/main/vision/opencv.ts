// The part of opencv-wasm's API that Glyphdesk uses, typed (the package ships no types). Only what the
// page pipeline calls is declared, so a new OpenCV call is a deliberate addition here.
// MatScope deletes the Mats a function made, together, in its `finally`.

/** A cv.Mat: pixel data in WebAssembly memory; must be delete()d. */
export interface Mat {
  rows: number
  cols: number
  data: Uint8Array
  data32S: Int32Array
  data32F: Float32Array
  delete(): void
  copyTo(dst: Mat): void
  isContinuous(): boolean
  create(rows: number, cols: number, type: number): void
  type(): number
  channels(): number
  intAt(row: number, col: number): number
}

export interface Size {
  width: number
  height: number
}

export interface OpenCv {
  Mat: new (rows?: number, cols?: number, type?: number) => Mat
  Size: new (width: number, height: number) => Size
  matFromArray(rows: number, cols: number, type: number, data: ArrayLike<number>): Mat
  resize(src: Mat, dst: Mat, size: Size, fx?: number, fy?: number, interpolation?: number): void
  medianBlur(src: Mat, dst: Mat, ksize: number): void
  GaussianBlur(src: Mat, dst: Mat, ksize: Size, sigmaX: number, sigmaY?: number): void
  threshold(src: Mat, dst: Mat, thresh: number, maxval: number, type: number): number
  morphologyEx(src: Mat, dst: Mat, op: number, kernel: Mat, anchor?: unknown, iterations?: number): void
  getStructuringElement(shape: number, size: Size): Mat
  dilate(src: Mat, dst: Mat, kernel: Mat, anchor?: unknown, iterations?: number): void
  erode(src: Mat, dst: Mat, kernel: Mat, anchor?: unknown, iterations?: number): void
  divide(src1: Mat, src2: Mat, dst: Mat, scale?: number, dtype?: number): void
  connectedComponentsWithStats(
    image: Mat,
    labels: Mat,
    stats: Mat,
    centroids: Mat,
    connectivity?: number,
    ltype?: number
  ): number
  warpPerspective(
    src: Mat,
    dst: Mat,
    M: Mat,
    dsize: Size,
    flags?: number,
    borderMode?: number,
    borderValue?: unknown
  ): void
  onRuntimeInitialized?: () => void
  CV_8UC1: number
  CV_32S: number
  CV_32F: number
  CV_64F: number
  BORDER_REPLICATE: number
  WARP_INVERSE_MAP: number
  THRESH_BINARY: number
  THRESH_BINARY_INV: number
  THRESH_OTSU: number
  INTER_AREA: number
  INTER_LINEAR: number
  MORPH_RECT: number
  MORPH_ELLIPSE: number
  MORPH_CLOSE: number
  MORPH_OPEN: number
}

/**
 * The Mats one function makes, deleted together in its `finally` (each holds WebAssembly memory):
 * `const mats = new MatScope()`, `mats.keep(new cv.Mat())`, and `mats.release()` in the `finally`.
 */
export class MatScope {
  private readonly mats: Mat[] = []
  /** `m`, to be deleted with the others; returned for use in place. */
  readonly keep = <M extends Mat>(m: M): M => {
    this.mats.push(m)
    return m
  }
  /** Deletes every Mat kept, in the order kept. */
  release(): void {
    for (const m of this.mats) m.delete()
    this.mats.length = 0
  }
}

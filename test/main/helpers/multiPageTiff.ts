// Multi-page TIFFs for tests: a scanner's stack of pages in one file, made from images at test time.
import sharp from 'sharp'

/**
 * The images as the pages of one deflate-compressed gray TIFF, each fitted onto a white page of
 * width × height (libvips writes a multi-page TIFF from one tall image cut at `pageHeight`).
 */
export async function multiPageTiff(
  images: readonly (string | Buffer)[],
  width: number,
  height: number
): Promise<Buffer> {
  const pages = await Promise.all(
    images.map((im) =>
      sharp(im)
        .resize(width, height, { fit: 'contain', background: '#ffffff' })
        .flatten({ background: '#ffffff' })
        .grayscale()
        .raw()
        .toBuffer()
    )
  )
  return sharp(Buffer.concat(pages), {
    raw: { width, height: height * pages.length, channels: 1, pageHeight: height }
  })
    .tiff({ compression: 'deflate' })
    .toBuffer()
}

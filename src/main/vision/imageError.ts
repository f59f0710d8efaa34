// The error a page image that cannot be loaded raises, with what the person can do about it; shared by the
// decoder front (image.ts) and the header checks (pngBounds.ts).
import { InvalidInputError } from '../core/errors.ts'

export type ImageErrorKind = 'empty' | 'pdf' | 'truncated' | 'unsupported' | 'too-large' | 'unreadable'

/** Why a page image could not be loaded, with what the person can do about it. */
export class ImageLoadError extends InvalidInputError {
  override name = 'ImageLoadError'
  constructor(
    readonly kind: ImageErrorKind,
    readonly source: string,
    message: string,
    options?: { cause?: unknown }
  ) {
    super(message, options)
  }
}

// The one error taxonomy of the main process. Every error a person may see extends one of four
// category bases, and the hosts (route registry, CLI) map the category, never a class name, to what
// the person gets: an HTTP status, an exit code. A new error class needs no list to be updated.
//
//   bad-input  the file, data or settings the person gave cannot be used (422; CLI exit 1)
//   forbidden  the request reaches for something it may not touch (403), e.g. a file outside the data folder
//   not-found  the thing named does not exist (404)
//   conflict   the request is valid but clashes with what exists (409), e.g. a non-empty --out
//   internal   Glyphdesk itself is broken or a computation failed (500)

export type ErrorCategory = 'bad-input' | 'forbidden' | 'not-found' | 'conflict' | 'internal'

/** Base of every Glyphdesk error; `category` decides how hosts report it. */
export abstract class GlyphdeskError extends Error {
  abstract readonly category: ErrorCategory
}

/** The person's input (file, data set, model, settings, request) cannot be used as it is. */
export class InvalidInputError extends GlyphdeskError {
  readonly category = 'bad-input' as const
  override name = 'InvalidInputError'
}

/** The request reaches for a file or resource outside what the person chose or the app owns. */
export class AccessDeniedError extends GlyphdeskError {
  readonly category = 'forbidden' as const
  override name = 'AccessDeniedError'
}

/** The thing that was named (model, page, job, report) does not exist. */
export class NotFoundError extends GlyphdeskError {
  readonly category = 'not-found' as const
  override name = 'NotFoundError'
}

/** A valid request that clashes with the present state (an output folder that is not empty, …). */
export class ConflictError extends GlyphdeskError {
  readonly category = 'conflict' as const
  override name = 'ConflictError'
}

/** A failure of Glyphdesk's own making or of a computation (diverged training, a broken network). */
export class InternalError extends GlyphdeskError {
  readonly category = 'internal' as const
  override name = 'InternalError'
}

/** The category of any thrown value: Glyphdesk errors carry theirs; anything else is internal. */
export function errorCategory(err: unknown): ErrorCategory {
  return err instanceof GlyphdeskError ? err.category : 'internal'
}

const STATUS: Record<ErrorCategory, number> = {
  'bad-input': 422,
  forbidden: 403,
  'not-found': 404,
  conflict: 409,
  internal: 500
}

/** The HTTP status a category is answered with (by the route registry, for both hosts). */
export function statusOfCategory(category: ErrorCategory): number {
  return STATUS[category]
}

/** A Node system error (fs, net, zlib) carries an errno `code`; this narrows to it without a cast. */
export function isErrnoException(err: unknown): err is NodeJS.ErrnoException {
  return err instanceof Error && 'code' in err
}

/** The errno code of a thrown value (`'ENOENT'`, `'ECONNRESET'`, …), or undefined when it carries none. */
export function errnoCode(err: unknown): string | undefined {
  return typeof err === 'object' && err !== null && 'code' in err && typeof err.code === 'string' ? err.code : undefined
}

export { errorMessage } from '../../shared/errorMessage.ts'

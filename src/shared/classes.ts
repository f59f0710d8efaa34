// The 36 character classes, in the order of the coursework's NIST36 sets: letters first, then digits.
export const CLASSES: readonly string[] = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789'.split('')
export const NUM_CLASSES = 36
export const GLYPH_SIZE = 32
export const GLYPH_PIXELS = GLYPH_SIZE * GLYPH_SIZE

/** Each class label's index in CLASSES. */
export const CLASS_INDEX: ReadonlyMap<string, number> = new Map(CLASSES.map((c, i) => [c, i]))

/** Whether a class label is a digit (0–9). */
export const isDigit = (c: string): boolean => c >= '0' && c <= '9'

export function classIndex(label: string): number {
  const i = CLASSES.indexOf(label.toUpperCase())
  if (i < 0) throw new RangeError(`"${label}" is not one of Glyphdesk's 36 classes (A–Z, 0–9)`)
  return i
}

/** Letter/digit pairs that handwriting makes look alike; they stay distinct classes. */
export type LookalikePair = [letter: string, digit: string]
export const LOOKALIKE_PAIRS: LookalikePair[] = [
  ['O', '0'],
  ['I', '1'],
  ['S', '5'],
  ['Z', '2'],
  ['G', '6'],
  ['B', '8']
]

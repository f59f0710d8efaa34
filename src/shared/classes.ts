// The 36 character classes, in the order of the coursework's NIST36 sets: letters first, then digits.
export const CLASSES = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789'.split('') as readonly string[]
export const NUM_CLASSES = 36
export const GLYPH_SIZE = 32
export const GLYPH_PIXELS = GLYPH_SIZE * GLYPH_SIZE

export function classIndex(label: string): number {
  const i = CLASSES.indexOf(label.toUpperCase())
  if (i < 0) throw new RangeError(`"${label}" is not one of Glyphdesk's 36 classes (A–Z, 0–9)`)
  return i
}

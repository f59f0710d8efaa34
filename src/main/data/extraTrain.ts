// Which glyphs of a data file a model was trained on, from its card: `data.extraTrain` (one file, e.g.
// the real letters) and `data.extraTrainMore` (further files, e.g. real digits). Each entry names the
// file (a path relative to the repository, or an older card's absolute one), optionally its SHA-256,
// and how many glyphs per class from the start of the file were used (a number or 'all'). A file
// given to `glyphdesk eval` matches an entry by content hash when the card has one (paths differ
// between machines), else by resolved path; the matching glyphs are then left out of the score.
import { createHash } from 'node:crypto'
import { readFileSync } from 'node:fs'
import type { ExtraTrain, ModelCard } from '../../shared/modelManifest.ts'
import { sameDataPath } from './paths.ts'

export type ExtraTrainEntry = ExtraTrain

/** The card's extra training files, in order (the model manifest's schema has already checked each entry). */
export function extraTrainEntries(card: ModelCard): ExtraTrainEntry[] {
  const data = card.data
  return [...(data?.extraTrain ? [data.extraTrain] : []), ...(data?.extraTrainMore ?? [])]
}

export function sha256OfFile(path: string): string {
  return createHash('sha256').update(readFileSync(path)).digest('hex')
}

/** The entry describing `dataFile`, if the model trained on part of it. */
export function trainedOnEntry(entries: ExtraTrainEntry[], dataFile: string): ExtraTrainEntry | null {
  let hash: string | null = null
  for (const e of entries) {
    if (e.sha256 !== undefined) {
      hash ??= sha256OfFile(dataFile)
      if (e.sha256 === hash) return e
    } else if (sameDataPath(e.file, dataFile)) return e
  }
  return null
}

/** Glyphs per class (from the start of the file) a model trained on: Infinity for 'all'. */
export function perClassCount(e: ExtraTrainEntry): number {
  return e.perClass === 'all' ? Infinity : e.perClass
}

// Sample pages changed the way a person's pages differ from them read as the pages themselves do:
//  - faint writing (light pencil, faded ink, a washed-out scan): ink brought towards its paper. Before
//    vision/clutter.ts#faintInkStretch such a page read as blank;
//  - small writing (a page photographed from afar, a low-resolution scan): the page at a third of its size,
//    letters ~15 px tall. Before segmentPage filtered small pages after upscaling, 01_list read with 10% errors.
import { readFileSync } from 'node:fs'
import { resolve } from 'node:path'
import { beforeAll, describe, expect, it } from 'vitest'
import { loadClassifier } from '../../../src/main/recognize/models.ts'
import type { Classifier } from '../../../src/main/recognize/classifier.ts'
import { transcribe } from '../../../src/main/read/transcribe.ts'
import { loadImage, type GrayImage } from '../../../src/main/vision/image.ts'
import { assembleText } from '../../../src/shared/pagedoc.ts'
import { shrinkGray } from '../helpers/grayImage.ts'

const root = resolve(__dirname, '..', '..', '..')
let classifier: Classifier
beforeAll(async () => {
  classifier = await loadClassifier()
}, 60_000)

/** The page with its gray levels squeezed into [lo, hi]: ink and paper both lighter, and far closer. */
function squeeze(image: GrayImage, lo: number, hi: number): GrayImage {
  return { ...image, data: image.data.map((v) => Math.round(lo + (v * (hi - lo)) / 255)) }
}

const words = (s: string): string => s.trim().split(/\s+/).join(' ')

describe('faint writing', () => {
  for (const [name, lo, hi] of [
    ['04_deep', 150, 230],
    ['02_letters', 120, 230]
  ] as const) {
    it(`reads ${name} with its levels squeezed into ${lo}–${hi} as it reads the page itself`, async () => {
      const file = resolve(root, 'resources', 'samples', `${name}.jpg`)
      const image = await loadImage(readFileSync(file), { name: file })
      const truth = readFileSync(resolve(root, 'resources', 'samples', `${name}.txt`), 'utf8')
      const { doc } = await transcribe(squeeze(image, lo, hi), classifier)
      expect(words(assembleText(doc))).toBe(words(truth))
    }, 60_000)
  }
})

describe('small writing', () => {
  for (const name of ['01_list', '03_haiku']) {
    it(`reads ${name} at a third of its size as it reads the page itself`, async () => {
      const file = resolve(root, 'resources', 'samples', `${name}.jpg`)
      const image = await loadImage(readFileSync(file), { name: file })
      const truth = readFileSync(resolve(root, 'resources', 'samples', `${name}.txt`), 'utf8')
      const { doc } = await transcribe(shrinkGray(image, 3), classifier)
      expect(words(assembleText(doc))).toBe(words(truth))
    }, 60_000)
  }
})

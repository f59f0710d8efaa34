import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { writePages, sha256 } from '../../../src/main/data/pages/index.ts'
import { readGlyphFile } from '../../../src/main/data/glyphset.ts'
import { iou, latticeCrops } from '../../../src/main/read/latticeCrops.ts'
import { CLASSES, GLYPH_PIXELS } from '../../../src/shared/classes.ts'

const MINI = 'test/fixtures/nist26-mini/nist26_mini_valid.mat'
let dir = ''

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'glyphdesk-lattice-crops-'))
  const nist = {
    glyphs: await readGlyphFile(MINI),
    name: 'nist26_mini_valid.mat',
    sha256: sha256(await readFile(MINI)),
    skipPerClass: 2
  }
  await writePages(join(dir, 'train'), {
    seed: 5,
    conditions: ['touching'],
    pagesPerCondition: 1,
    glyphs: 'training',
    nist
  })
  await writePages(join(dir, 'eval'), { seed: 5, conditions: ['touching'], pagesPerCondition: 1, nist })
}, 60_000)
afterAll(async () => {
  await rm(dir, { recursive: true, force: true })
})

describe("lattice crops (training material from the reading stage's own candidates)", () => {
  it('computes IoU by hand on two boxes', () => {
    // 10×10 and 10×10 shifted by 5: intersection 50, union 150.
    expect(iou({ x: 0, y: 0, w: 10, h: 10 }, { x: 5, y: 0, w: 10, h: 10 })).toBeCloseTo(1 / 3, 10)
    expect(iou({ x: 0, y: 0, w: 10, h: 10 }, { x: 20, y: 0, w: 10, h: 10 })).toBe(0)
  })

  it('labels the candidates of a touching page by the characters drawn there, and finds pairs to teach as none', async () => {
    const crops = await latticeCrops([join(dir, 'train')])
    const manifest = JSON.parse(await readFile(join(dir, 'train', 'manifest.json'), 'utf8')) as {
      pages: { lines: string[] }[]
    }
    const onPage = new Set(manifest.pages[0].lines.join('').replace(/ /g, ''))
    expect(crops.pages).toBe(1)
    expect(crops.labelled.n).toBeGreaterThan(20)
    expect(crops.none.n).toBeGreaterThan(5)
    for (let i = 0; i < crops.labelled.n; i++) expect(onPage.has(CLASSES[crops.labelled.y[i]])).toBe(true)
    // Touching pairs are cut: some labelled candidates are cut pieces, and whole pairs are among the none.
    const cut = Object.entries(crops.counts).filter(([k]) => k.endsWith(' cut'))
    expect(cut.reduce((s, [, v]) => s + v[0], 0)).toBeGreaterThan(0)
    expect(crops.counts['touching box (cut unit)']?.[1] ?? 0).toBeGreaterThan(0)
    // Glyphs are framed like the classifier's input: background 1, some ink.
    const g = crops.labelled.x.subarray(0, GLYPH_PIXELS)
    expect(Math.max(...g)).toBeCloseTo(1, 3)
    expect(Math.min(...g)).toBeLessThan(0.5)
  }, 60_000)

  it('refuses evaluation pages: they must never become training data', async () => {
    await expect(latticeCrops([join(dir, 'eval')])).rejects.toThrow(/evaluation pages/)
  }, 60_000)
})

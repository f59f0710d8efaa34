import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { writePages, sha256 } from '../../../src/main/data/pages/index.ts'
import { readGlyphFile } from '../../../src/main/data/glyphset.ts'
import { iou, labelCandidate, labelPair, latticeCrops } from '../../../src/main/read/latticeCrops.ts'
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

  it('labels hand-made candidates: a piece, a pair, a wide letter with its thin neighbour, a fragment, half a letter', () => {
    // N (class 13) 30 px wide at x 0, I (class 8) 6 px wide at x 34, both 40 px tall.
    const N = { c: 13, box: { x: 0, y: 0, w: 30, h: 40 } }
    const I = { c: 8, box: { x: 34, y: 0, w: 6, h: 40 } }
    const truth = [N, I]
    // A cut piece holding N and a sliver of I: IoU 30/32 with N, I not half inside.
    expect(labelCandidate({ x: 0, y: 0, w: 36, h: 40 }, truth, 0.6, 0.3)).toBe(13)
    // N and I merged: IoU with N is 30/40 = 0.75 > 0.6, but both are wholly inside, so it is no single letter.
    expect(labelCandidate({ x: 0, y: 0, w: 40, h: 40 }, truth, 0.6, 0.3)).toBe('none')
    // A fragment: the left 8 px of N, IoU 8/30 < 0.3.
    expect(labelCandidate({ x: 0, y: 0, w: 8, h: 40 }, truth, 0.6, 0.3)).toBe('none')
    // Half of N: IoU 0.5, between the two thresholds, left out.
    expect(labelCandidate({ x: 0, y: 0, w: 15, h: 40 }, truth, 0.6, 0.3)).toBeNull()
    // N without its last stroke: IoU 22/30 = 0.73, but it holds only 0.73 of N's box. A cover of 0.9 leaves it out;
    // the piece holding N and a sliver of I holds all of N and stays N.
    expect(labelCandidate({ x: 0, y: 0, w: 22, h: 40 }, truth, 0.6, 0.3)).toBe(13)
    expect(labelCandidate({ x: 0, y: 0, w: 22, h: 40 }, truth, 0.6, 0.3, 0.9)).toBeNull()
    expect(labelCandidate({ x: 0, y: 0, w: 36, h: 40 }, truth, 0.6, 0.3, 0.9)).toBe(13)
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

describe('labelPair (the pair reader’s labels)', () => {
  const A = { c: 0, box: { x: 0, y: 0, w: 20, h: 30 } }
  const I = { c: 8, box: { x: 16, y: 0, w: 6, h: 30 } }
  const E = { c: 4, box: { x: 40, y: 0, w: 18, h: 30 } }
  it('two characters inside, matching their union: left and right by their centres, whatever their order given', () => {
    expect(labelPair({ x: 0, y: 0, w: 22, h: 30 }, [I, A, E])).toEqual([0, 8])
    expect(labelPair({ x: 15, y: 0, w: 44, h: 30 }, [E, I])).toEqual([8, 4])
  })
  it('one character (a good match) or three, or none at all: no pair; a pair cut badly or half a letter: left out', () => {
    expect(labelPair({ x: 0, y: 0, w: 20, h: 30 }, [A, E])).toBe('none')
    expect(labelPair({ x: 0, y: 0, w: 60, h: 30 }, [A, I, E])).toBe('none')
    expect(labelPair({ x: 100, y: 0, w: 20, h: 30 }, [A, I, E])).toBe('none')
    // Both at least half inside, but the A only 55% of it and the box 0.59 of their union: left out.
    expect(labelPair({ x: 9, y: 0, w: 13, h: 30 }, [A, I])).toBeNull()
    // Half of the A alone: neither a pair nor one character.
    expect(labelPair({ x: 0, y: 0, w: 11, h: 30 }, [A, E])).toBeNull()
  })
})

// Labelled glyphs from pages: the corrections a retrain learns from, and the glyph dataset export
// (32×32 PNGs, or EMNIST-style idx binaries, each with labels.csv naming the source page and box).
// Glyphs come from recognize/corrections.ts#labelledGlyphs over the open page sessions: exactly what the classifier saw.
import { mkdir, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import sharp from 'sharp'
import { CLASSES, GLYPH_PIXELS, GLYPH_SIZE } from '../../shared/classes.ts'
import { pageFileStem, type PageDoc } from '../../shared/pagedoc.ts'
import type { LabelledGlyphs } from '../data/glyphset.ts'
import { labelledGlyphs, type Corrections } from '../learn/corrections.ts'
import { writeFileAtomic } from '../core/atomicFile.ts'
import type { PageSessions } from './pageSessions.ts'

export type CollectedGlyphs = Corrections

/**
 * The glyphs of the pages' boxes that have a label: the person's (always) and the model's (unless
 * onlyCorrected), through the one corrections service, with the app's open page sessions as the pixels
 * (each page's image identity is checked there).
 */
export function collectGlyphs(
  sessions: PageSessions,
  docs: readonly PageDoc[],
  onlyCorrected: boolean
): Promise<CollectedGlyphs> {
  return labelledGlyphs(
    docs.map((doc) => ({ file: doc.image.path || 'the page', doc })),
    sessions.pixels,
    { onlyCorrected }
  )
}

const csvField = (s: string | number) =>
  typeof s === 'number' || !/[",\n]/.test(s) ? String(s) : `"${s.replace(/"/g, '""')}"`

/** Gray bytes of glyph i: 0 ink … 255 paper (the glyph format scaled to bytes). */
function glyphBytes(g: LabelledGlyphs, i: number, inkHigh: boolean): Buffer {
  const out = Buffer.alloc(GLYPH_PIXELS)
  for (let k = 0; k < GLYPH_PIXELS; k++) {
    const v = Math.round(Math.min(1, Math.max(0, g.x[i * GLYPH_PIXELS + k])) * 255)
    out[k] = inkHigh ? 255 - v : v
  }
  return out
}

/**
 * Writes the dataset into `dir`:
 *  - png:    glyphs/<LABEL>/<page>_<box>.png (32×32 gray, paper white) + labels.csv
 *  - binary: images-idx3-ubyte (n×32×32 bytes, MNIST/EMNIST convention: ink 255 on 0, row-major, upright)
 *            + labels-idx1-ubyte (class index 0..35, A–Z then 0–9) + labels.csv
 */
export async function writeGlyphDataset(dir: string, g: CollectedGlyphs, format: 'png' | 'binary'): Promise<string[]> {
  await mkdir(dir, { recursive: true })
  const files: string[] = []
  const header = 'index,file,label,class_index,labelled_by,source_page,box_id,x,y,w,h'
  const lines = [header]
  if (format === 'png') {
    for (let i = 0; i < g.n; i++) {
      const r = g.rows[i]
      const stem = pageFileStem(r.page, r.filePage).replace(/[^A-Za-z0-9._-]/g, '_')
      const rel = `glyphs/${r.label}/${stem}_${r.boxId}.png`
      await mkdir(join(dir, 'glyphs', r.label), { recursive: true })
      const png = await sharp(glyphBytes(g, i, false), { raw: { width: GLYPH_SIZE, height: GLYPH_SIZE, channels: 1 } })
        .png()
        .toBuffer()
      await writeFile(join(dir, rel), png)
      files.push(rel)
      lines.push([i, rel, r.label, g.y[i], r.by, r.page, r.boxId, r.x, r.y, r.w, r.h].map(csvField).join(','))
    }
  } else {
    const images = Buffer.alloc(16 + g.n * GLYPH_PIXELS)
    images.writeUInt32BE(0x00000803, 0)
    images.writeUInt32BE(g.n, 4)
    images.writeUInt32BE(GLYPH_SIZE, 8)
    images.writeUInt32BE(GLYPH_SIZE, 12)
    const labels = Buffer.alloc(8 + g.n)
    labels.writeUInt32BE(0x00000801, 0)
    labels.writeUInt32BE(g.n, 4)
    for (let i = 0; i < g.n; i++) {
      glyphBytes(g, i, true).copy(images, 16 + i * GLYPH_PIXELS)
      labels[8 + i] = g.y[i]
      const r = g.rows[i]
      lines.push(
        [i, `images-idx3-ubyte#${i}`, r.label, g.y[i], r.by, r.page, r.boxId, r.x, r.y, r.w, r.h]
          .map(csvField)
          .join(',')
      )
    }
    await writeFileAtomic(join(dir, 'images-idx3-ubyte'), images)
    await writeFileAtomic(join(dir, 'labels-idx1-ubyte'), labels)
    files.push('images-idx3-ubyte', 'labels-idx1-ubyte')
  }
  await writeFileAtomic(join(dir, 'labels.csv'), lines.join('\n') + '\n')
  files.push('labels.csv')
  await writeFileAtomic(
    join(dir, 'README.txt'),
    `Glyphdesk glyph dataset: ${g.n} glyphs, 32×32, classes ${CLASSES.join('')} (index 0..35).\n` +
      (format === 'png'
        ? 'glyphs/<LABEL>/*.png: gray, paper white (255), ink black (0), upright, the exact input the classifier saw.\n'
        : 'images-idx3-ubyte / labels-idx1-ubyte: idx files as MNIST; pixels ink 255 on 0, row-major, upright (not transposed like EMNIST).\n') +
      'labels.csv: one row per glyph; labelled_by is "person" for corrections and "model" for predictions left as they were.\n'
  )
  files.push('README.txt')
  return files
}

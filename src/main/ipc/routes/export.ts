// export.* routes: page text/JSON/hOCR/ALTO/PAGE XML, and the labelled glyph dataset.
import { join, resolve } from 'node:path'
import type { RouteHandlers } from '../registry.ts'
import type { AppContext } from '../context.ts'
import { PAGE_EXPORTS } from '../../export/index.ts'
import { writeFileAtomic } from '../../core/atomicFile.ts'
import { pageFileStem } from '../../../shared/pagedoc.ts'
import { collectGlyphs, writeGlyphDataset } from '../../project/glyphDataset.ts'

const EXT = { txt: 'txt', json: 'json', hocr: 'hocr', alto: 'alto.xml', page: 'page.xml' } as const
const MIME = {
  txt: 'text/plain',
  json: 'application/json',
  hocr: 'text/html',
  alto: 'application/xml',
  page: 'application/xml'
} as const

export function createExportRoutes(
  d: Pick<AppContext, 'pages' | 'userDataDir' | 'files'>
): Pick<RouteHandlers, 'export.page' | 'export.glyphs'> {
  return {
    'export.page': async ({ doc, format, path }) => {
      const text = PAGE_EXPORTS[format](doc)
      const stem = pageFileStem(doc.image.path || 'page', doc.image.page)
      const fileName = `${stem}.${EXT[format]}`
      if (path) await writeFileAtomic(d.files.check(path, 'write', 'export.page'), text)
      return { text, fileName, mime: MIME[format], ...(path ? { path: resolve(path) } : {}) }
    },
    'export.glyphs': async ({ docs, format, onlyCorrected, outDir }) => {
      const g = await collectGlyphs(d.pages, docs, onlyCorrected)
      const dir = outDir
        ? d.files.check(outDir, 'write', 'export.glyphs')
        : resolve(join(d.userDataDir, 'exports', `glyphs-${new Date().toISOString().replace(/[:.]/g, '-')}`))
      const files = await writeGlyphDataset(dir, g, format)
      return { dir, count: g.n, files: files.slice(0, 50) }
    }
  }
}

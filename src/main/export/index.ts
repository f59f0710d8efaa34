// Page exports by format name, for the CLI and the app.
import type { PageDoc } from '../../shared/pagedoc.ts'
import { exportPageXml } from './page.ts'
import { exportJson, exportText } from './pageText.ts'
import { exportAlto, exportHocr } from './xml.ts'

export type PageExportFormat = 'txt' | 'json' | 'hocr' | 'alto' | 'page'
export const PAGE_EXPORTS: Record<PageExportFormat, (doc: PageDoc) => string> = {
  txt: exportText,
  json: exportJson,
  hocr: exportHocr,
  alto: exportAlto,
  page: (doc) => exportPageXml(doc)
}

/** True for a format name PAGE_EXPORTS writes (a command-line argument is any string). */
export function isPageExportFormat(s: string): s is PageExportFormat {
  return Object.hasOwn(PAGE_EXPORTS, s)
}
export { exportAlto, exportHocr, exportJson, exportPageXml, exportText }

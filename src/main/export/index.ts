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
export { exportAlto, exportHocr, exportJson, exportPageXml, exportText }

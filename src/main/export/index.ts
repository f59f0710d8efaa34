// Page exports by format name, for the CLI and the app.
import type { PageDoc } from '../../shared/pagedoc.ts'
import { exportJson, exportText } from './pageText.ts'
import { exportAlto, exportHocr } from './xml.ts'

export type PageExportFormat = 'txt' | 'json' | 'hocr' | 'alto'
export const PAGE_EXPORTS: Record<PageExportFormat, (doc: PageDoc) => string> = {
  txt: exportText, json: exportJson, hocr: exportHocr, alto: exportAlto
}
export { exportAlto, exportHocr, exportJson, exportText }

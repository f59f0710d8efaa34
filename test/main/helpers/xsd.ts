// XML Schema validation for the tests: libxml2's validator in WebAssembly (xmllint-wasm), offline, against
// the official schemas committed in test/fixtures/schemas (see its README for their provenance).
import { readFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { validateXML } from 'xmllint-wasm'

const DIR = resolve(import.meta.dirname, '..', '..', 'fixtures', 'schemas')
const read = (f: string) => readFileSync(join(DIR, f), 'utf8')

export type SchemaName = 'alto-4.4' | 'page-2019-07-15'

export interface XsdResult {
  valid: boolean
  errors: string[]
}

/** Validates documents (name → XML) against one schema in a single libxml2 run. */
export async function validateAgainst(
  schema: SchemaName,
  files: Record<string, string>
): Promise<Record<string, XsdResult>> {
  const xml = Object.entries(files).map(([fileName, contents]) => ({ fileName, contents }))
  const r =
    schema === 'alto-4.4'
      ? await validateXML({
          xml,
          schema: [{ fileName: 'alto-4-4.xsd', contents: read('alto-4-4.xsd') }],
          // ALTO imports xlink from this URL; the local copy answers it, so nothing is fetched.
          preload: [{ fileName: 'http://www.loc.gov/standards/xlink/xlink.xsd', contents: read('xlink.xsd') }],
          maxMemoryPages: 4096
        })
      : await validateXML({
          xml,
          schema: [{ fileName: 'pagecontent.xsd', contents: read('pagecontent-2019-07-15.xsd') }],
          maxMemoryPages: 4096
        })
  const out: Record<string, XsdResult> = {}
  for (const name of Object.keys(files)) out[name] = { valid: true, errors: [] }
  for (const e of r.errors) {
    const name = e.loc?.fileName
    const target = name && out[name] ? out[name] : null
    if (target) {
      target.valid = false
      target.errors.push(e.message)
    } else
      for (const v of Object.values(out)) {
        v.valid = false
        v.errors.push(e.rawMessage)
      }
  }
  return out
}

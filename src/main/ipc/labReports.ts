// The experiment reports the Lab view shows: a folder of `glyphdesk experiment` outputs
// (NAME/report.json plus its SVG and PNG files), read and validated here, never written. By
// default the project's docs/experiments; GLYPHDESK_LAB_DIR or `lab.list({dir})` point it
// elsewhere. A file is only ever served when the report names it and it resolves, links
// included, inside the experiment's own folder.
import { InvalidInputError, NotFoundError, errorMessage } from '../core/errors.ts'
import { existsSync, realpathSync, statSync } from 'node:fs'
import { readdir, readFile } from 'node:fs/promises'
import { dirname, extname, join, resolve, sep } from 'node:path'
import { fileURLToPath } from 'node:url'
import { z } from 'zod'
import { ExperimentNameSchema, ExperimentReportSchema, type ExperimentReport } from '../../shared/labReport.ts'
import type { LabEntry } from '../../shared/contract.ts'

export const DEFAULT_LAB_DIR = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', 'docs', 'experiments')

/** An experiment folder name: what `glyphdesk experiment` writes (no dots, no separators). */
export const EXPERIMENT_DIR_NAME = /^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/

export class ExperimentNotFoundError extends NotFoundError {
  override name = 'ExperimentNotFoundError'
}

/** A reports folder or report.json that cannot be read as the report format says. */
export class LabReportError extends InvalidInputError {
  override name = 'LabReportError'
}

const MIME: Record<string, string> = { '.png': 'image/png', '.svg': 'image/svg+xml' }

/** The canonical order of the coursework's experiments (the order `all` runs them); others after, by name. */
const ORDER: readonly string[] = ExperimentNameSchema.options

function issues(err: z.ZodError): string {
  return err.issues
    .slice(0, 3)
    .map((i) => `${i.path.join('.') || 'report'}: ${i.message}`)
    .join('; ')
}

export class LabReports {
  private root: string

  constructor(dir: string = process.env.GLYPHDESK_LAB_DIR || DEFAULT_LAB_DIR) {
    this.root = resolve(dir)
  }

  get dir(): string {
    return this.root
  }

  /** Points the Lab at another reports folder (it must exist). */
  setDir(dir: string): void {
    const abs = resolve(dir)
    if (!existsSync(abs) || !statSync(abs).isDirectory())
      throw new LabReportError(
        `${abs} is not a folder; give the folder \`glyphdesk experiment --out\` wrote (e.g. docs/experiments)`
      )
    this.root = abs
  }

  /** Every experiment folder with a report.json; a report that fails validation is listed with the reason. */
  async list(): Promise<LabEntry[]> {
    if (!existsSync(this.root)) return []
    const entries = await readdir(this.root, { withFileTypes: true })
    const names = entries
      .filter(
        (e) => e.isDirectory() && EXPERIMENT_DIR_NAME.test(e.name) && existsSync(join(this.root, e.name, 'report.json'))
      )
      .map((e) => e.name)
    const rank = (n: string) => (ORDER.includes(n) ? ORDER.indexOf(n) : ORDER.length)
    names.sort((a, b) => rank(a) - rank(b) || a.localeCompare(b))
    return Promise.all(
      names.map(async (name): Promise<LabEntry> => {
        try {
          const r = await this.report(name)
          return {
            name,
            ok: true,
            title: r.title,
            seed: r.seed,
            charts: r.charts.length,
            images: r.images.length,
            tables: r.tables.length,
            summary: r.summary[0] ?? null
          }
        } catch (e) {
          return { name, ok: false, error: errorMessage(e) }
        }
      })
    )
  }

  private folder(name: string): string {
    if (!EXPERIMENT_DIR_NAME.test(name)) throw new ExperimentNotFoundError(`"${name}" is not an experiment name`)
    const dir = join(this.root, name)
    if (!existsSync(join(dir, 'report.json')))
      throw new ExperimentNotFoundError(
        `no experiment "${name}" in ${this.root} (run \`glyphdesk experiment ${name} --data DIR\`)`
      )
    return dir
  }

  /** NAME/report.json, validated against the report format. */
  async report(name: string): Promise<ExperimentReport> {
    const file = join(this.folder(name), 'report.json')
    let raw: unknown
    try {
      raw = JSON.parse(await readFile(file, 'utf8'))
    } catch (e) {
      throw new LabReportError(`${file} is not JSON (${errorMessage(e)})`)
    }
    const parsed = ExperimentReportSchema.safeParse(raw)
    if (!parsed.success)
      throw new LabReportError(`${file} is not an experiment report of this version: ${issues(parsed.error)}`)
    return parsed.data
  }

  /**
   * Where a chart (SVG) or picture (PNG) of a report is: only files the report itself names, and only
   * when the real path stays inside the experiment's folder (a link pointing out of it is refused).
   */
  async resolveFile(name: string, file: string): Promise<{ path: string; mime: string }> {
    const report = await this.report(name)
    const named = new Set([...report.charts.map((c) => c.file), ...report.images.map((i) => i.file)])
    const mime = MIME[extname(file).toLowerCase()]
    if (!named.has(file) || !mime) throw new ExperimentNotFoundError(`the ${name} report has no file "${file}"`)
    const folder = realpathSync(this.folder(name))
    const path = join(folder, file)
    if (!existsSync(path))
      throw new ExperimentNotFoundError(`${path} is missing (the report names it; run the experiment again)`)
    const real = realpathSync(path)
    if (!real.startsWith(folder + sep) || !statSync(real).isFile())
      throw new ExperimentNotFoundError(`the ${name} report has no file "${file}"`)
    return { path: real, mime }
  }

  async file(name: string, file: string): Promise<{ mime: string; bytes: Buffer }> {
    const { path, mime } = await this.resolveFile(name, file)
    return { mime, bytes: await readFile(path) }
  }
}

// Writing an experiment's folder: OUT/NAME/{README.md, report.json, *.svg, *.png}. The Markdown
// is generated from the report alone, so README.md and report.json never disagree.
import { mkdir, rm, writeFile, readdir } from 'node:fs/promises'
import { join } from 'node:path'
import { renderChartSvg } from './charts.ts'
import type { ExperimentOutput } from './context.ts'
import type { ExperimentReport, Table } from './report.ts'

/** The report's charts rendered to SVG, keyed by file name. */
export function renderCharts(report: ExperimentReport): Map<string, string> {
  return new Map(report.charts.map((c) => [c.file, renderChartSvg(c)]))
}

function cell(v: string | number | boolean | null): string {
  if (v === null) return '—'
  if (typeof v === 'number') return Number.isInteger(v) ? String(v) : String(Number(v.toPrecision(4)))
  return String(v).replace(/\|/g, '\\|')
}

function markdownTable(t: Table): string {
  return [
    `| ${t.columns.join(' | ')} |`,
    `|${t.columns.map(() => '---').join('|')}|`,
    ...t.rows.map((r) => `| ${r.map(cell).join(' | ')} |`)
  ].join('\n')
}

export function reportMarkdown(report: ExperimentReport): string {
  const out: string[] = [`# ${report.title}`, '']
  out.push(`Reproduce: \`${report.command}\` (seed ${report.seed}; the same seed gives the same numbers).`, '')
  if (report.data) {
    out.push(
      `Data: \`${report.data.dir}\` — glyph set "${report.data.name}", ${report.data.train} train / ${report.data.valid} valid / ${report.data.test} test glyphs` +
        (report.data.madeBy ? `, made by \`${report.data.madeBy}\`` : '') +
        '.'
    )
  }
  if (report.evalData)
    out.push(
      `Also scored on \`${report.evalData.file}\` (${report.evalData.n} glyphs, ${report.evalData.classes} classes).`
    )
  out.push('')
  if (report.summary.length) out.push('## What it shows', '', ...report.summary.map((s) => `- ${s}`), '')
  const metrics = Object.entries(report.metrics)
  if (metrics.length) {
    out.push(
      '## Numbers',
      '',
      '| metric | value |',
      '|---|---|',
      ...metrics.map(([k, v]) => `| ${k} | ${cell(v)} |`),
      ''
    )
  }
  for (const c of report.charts) out.push(`## ${c.title}`, '', `![${c.title}](${c.file})`, '')
  for (const img of report.images) {
    out.push(`## ${img.title}`, '', `![${img.title}](${img.file})`, '', img.caption, '')
  }
  for (const t of report.tables) out.push(`## ${t.title}`, '', markdownTable(t), '')
  if (report.notes.length) out.push('## Notes', '', ...report.notes.map((n) => `- ${n}`), '')
  out.push(`Raw numbers and chart data: [report.json](report.json).`, '')
  return out.join('\n')
}

/** Writes the folder OUT/NAME afresh (old files of the experiment are removed first). */
export async function writeExperiment(outRoot: string, output: ExperimentOutput): Promise<string> {
  const dir = join(outRoot, output.report.name)
  await mkdir(dir, { recursive: true })
  for (const f of await readdir(dir)) if (/\.(svg|png|json|md)$/.test(f)) await rm(join(dir, f))
  for (const [name, body] of output.files) await writeFile(join(dir, name), body)
  for (const [name, svg] of renderCharts(output.report)) await writeFile(join(dir, name), svg)
  await writeFile(join(dir, 'report.json'), JSON.stringify(output.report, null, 1) + '\n')
  await writeFile(join(dir, 'README.md'), reportMarkdown(output.report))
  return dir
}

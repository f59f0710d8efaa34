// The shape of an experiment's report: everything the Markdown page, the SVG charts and the
// app's Lab view show, as plain JSON (report.json). Charts are stored as data (series, axes,
// matrix cells), not as pictures, so the Lab view can draw them itself with echarts and stay
// interactive; the SVG files next to report.json are the same charts rendered server-side.
// Shared by main (src/main/lab writes it) and the renderer (the Lab view reads it); the zod
// schema at the end is what `lab.report` validates a report.json against.
//
// Reproducibility: the report holds no timestamps or timings except under `run`, which a
// comparison of two runs leaves out (see `reproducibleView` in src/main/lab/report.ts).
import { z } from 'zod'

export const REPORT_SCHEMA = 'glyphdesk-experiment'
export const REPORT_VERSION = 1

export type ExperimentName = 'lr-sweep' | 'weights' | 'confusion' | 'autoencoder' | 'pca' | 'gradcheck' | 'cnn-vs-mlp'

export interface LineSeries {
  name: string
  /** Points [x, y]; y null where the run has no value (e.g. after divergence). */
  points: [number, number | null][]
  /** Same group = same colour (e.g. train and valid of one learning rate). */
  group?: string
  dashed?: boolean
}

export interface LineChart {
  kind: 'line'
  id: string
  title: string
  /** File of the server-side rendering, relative to the report's folder. */
  file: string
  xLabel: string
  yLabel: string
  xLog?: boolean
  yLog?: boolean
  /** y-axis range; omitted ends are fitted to the data. */
  yMin?: number
  yMax?: number
  /** Format of y values: 'percent' for 0..1 accuracies. */
  yFormat?: 'percent' | 'number'
  series: LineSeries[]
}

export interface HeatmapChart {
  kind: 'heatmap'
  id: string
  title: string
  file: string
  /** Column labels (x, left to right) and row labels (y, top to bottom). */
  xLabels: string[]
  yLabels: string[]
  xLabel: string
  yLabel: string
  /** values[row][col]. */
  values: number[][]
  /** 'sequential' (0..max) or 'diverging' (−max..max around 0, e.g. a difference of two matrices). */
  scale: 'sequential' | 'diverging'
  /** Leave the diagonal out of the colour range (else correct predictions wash out the errors). */
  maskDiagonal?: boolean
}

export interface BarChart {
  kind: 'bar'
  id: string
  title: string
  file: string
  categories: string[]
  xLabel?: string
  yLabel: string
  yLog?: boolean
  yFormat?: 'percent' | 'number'
  series: { name: string; values: (number | null)[] }[]
  /** Horizontal reference line, e.g. a tolerance. */
  threshold?: { value: number; label: string }
}

export type ChartSpec = LineChart | HeatmapChart | BarChart

/** A PNG of glyphs or weight maps laid out on a grid. */
export interface ImageGrid {
  id: string
  title: string
  file: string
  caption: string
  rows: number
  cols: number
  /** One label per row (what the row shows), when rows differ in meaning. */
  rowLabels?: string[]
  /** One label per column, when columns differ in meaning. */
  colLabels?: string[]
  /** Pixels of one cell side in the PNG (glyph side × scale). */
  cellPixels: number
}

export interface Table {
  id: string
  title: string
  columns: string[]
  rows: (string | number | null)[][]
}

export interface DataSource {
  dir: string | null
  name: string | null
  train: number
  valid: number
  test: number
  /** How a synthetic set was made (its manifest's command), when known. */
  madeBy: string | null
}

export interface ExperimentReport {
  schema: typeof REPORT_SCHEMA
  version: typeof REPORT_VERSION
  name: ExperimentName
  title: string
  /** The command that reproduces the report. */
  command: string
  seed: number
  data: DataSource | null
  /** Real-letter (or other) extra evaluation file, when given. */
  evalData: { file: string; n: number; classes: number } | null
  /** Sentences generated from the numbers: what the experiment shows. */
  summary: string[]
  /** Headline numbers (flat, for cards in the Lab view); keys are stable. */
  metrics: Record<string, number | string | boolean | null>
  /** Everything else the experiment measured, structured per experiment. */
  details: Record<string, unknown>
  charts: ChartSpec[]
  images: ImageGrid[]
  tables: Table[]
  notes: string[]
  /** Not reproducible: wall-clock facts about this run. */
  run: { seconds: number; glyphdeskVersion: string; node: string }
}

// ---- Validation of a report.json read from disk (lab.report) ----------------------------------

const finiteOrNull = z.number().nullable()
const fileName = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9._-]*\.(svg|png)$/, 'a file name in the report folder (.svg or .png)')

const LineChartSchema = z.object({
  kind: z.literal('line'),
  id: z.string(),
  title: z.string(),
  file: fileName,
  xLabel: z.string(),
  yLabel: z.string(),
  xLog: z.boolean().optional(),
  yLog: z.boolean().optional(),
  yMin: z.number().optional(),
  yMax: z.number().optional(),
  yFormat: z.enum(['percent', 'number']).optional(),
  series: z.array(
    z.object({
      name: z.string(),
      points: z.array(z.tuple([z.number(), finiteOrNull])),
      group: z.string().optional(),
      dashed: z.boolean().optional()
    })
  )
})

const HeatmapChartSchema = z.object({
  kind: z.literal('heatmap'),
  id: z.string(),
  title: z.string(),
  file: fileName,
  xLabels: z.array(z.string()),
  yLabels: z.array(z.string()),
  xLabel: z.string(),
  yLabel: z.string(),
  values: z.array(z.array(z.number())),
  scale: z.enum(['sequential', 'diverging']),
  maskDiagonal: z.boolean().optional()
})

const BarChartSchema = z.object({
  kind: z.literal('bar'),
  id: z.string(),
  title: z.string(),
  file: fileName,
  categories: z.array(z.string()),
  xLabel: z.string().optional(),
  yLabel: z.string(),
  yLog: z.boolean().optional(),
  yFormat: z.enum(['percent', 'number']).optional(),
  series: z.array(z.object({ name: z.string(), values: z.array(finiteOrNull) })),
  threshold: z.object({ value: z.number(), label: z.string() }).optional()
})

export const ChartSpecSchema = z.discriminatedUnion('kind', [LineChartSchema, HeatmapChartSchema, BarChartSchema])

export const ImageGridSchema = z.object({
  id: z.string(),
  title: z.string(),
  file: fileName,
  caption: z.string(),
  rows: z.number().int(),
  cols: z.number().int(),
  rowLabels: z.array(z.string()).optional(),
  colLabels: z.array(z.string()).optional(),
  cellPixels: z.number()
})

export const ExperimentNameSchema = z.enum([
  'lr-sweep',
  'weights',
  'confusion',
  'autoencoder',
  'pca',
  'gradcheck',
  'cnn-vs-mlp'
])

export const ExperimentReportSchema = z.object({
  schema: z.literal(REPORT_SCHEMA),
  version: z.literal(REPORT_VERSION),
  name: ExperimentNameSchema,
  title: z.string(),
  command: z.string(),
  seed: z.number(),
  data: z
    .object({
      dir: z.string().nullable(),
      name: z.string().nullable(),
      train: z.number(),
      valid: z.number(),
      test: z.number(),
      madeBy: z.string().nullable()
    })
    .nullable(),
  evalData: z.object({ file: z.string(), n: z.number(), classes: z.number() }).nullable(),
  summary: z.array(z.string()),
  metrics: z.record(z.string(), z.union([z.number(), z.string(), z.boolean(), z.null()])),
  details: z.record(z.string(), z.unknown()),
  charts: z.array(ChartSpecSchema),
  images: z.array(ImageGridSchema),
  tables: z.array(
    z.object({
      id: z.string(),
      title: z.string(),
      columns: z.array(z.string()),
      rows: z.array(z.array(z.union([z.string(), z.number(), z.null()])))
    })
  ),
  notes: z.array(z.string()),
  run: z.object({ seconds: z.number(), glyphdeskVersion: z.string(), node: z.string() })
})

// The schema and the interfaces above describe one shape: either drifting breaks the type check.
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false
const _schemaMatchesInterface: Same<z.infer<typeof ExperimentReportSchema>, ExperimentReport> = true
const _namesMatch: Same<z.infer<typeof ExperimentNameSchema>, ExperimentName> = true
void _schemaMatchesInterface
void _namesMatch

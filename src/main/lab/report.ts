// The shape of an experiment's report: everything the Markdown page, the SVG charts and the
// app's Lab view show, as plain JSON (report.json). Charts are stored as data (series, axes,
// matrix cells), not as pictures, so the Lab view can draw them itself with echarts and stay
// interactive; the SVG files next to report.json are the same charts rendered server-side.
//
// Reproducibility: the report holds no timestamps or timings except under `run`, which a
// comparison of two runs leaves out (see `reproducibleView`).

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

/** A report without its `run` section: what must be identical between two runs with one seed. */
export function reproducibleView(report: ExperimentReport): Omit<ExperimentReport, 'run'> {
  const { run: _run, ...rest } = report
  return rest
}

/** Rounds to `digits` significant digits, for JSON that stays readable (NaN/∞ become null). */
export function sig(v: number, digits = 6): number | null {
  if (!Number.isFinite(v)) return null
  return Number(v.toPrecision(digits))
}

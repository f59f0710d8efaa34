// Server-side rendering of a report's charts to SVG with echarts (no DOM, no browser). The
// option comes from src/shared/labCharts.ts, which the Lab view uses too, so the app draws the
// same picture from report.json, interactive.
import * as echarts from 'echarts'
import { chartOption, defaultSize, type ChartSize } from '../../shared/labCharts.ts'
import type { ChartSpec } from './report.ts'

export { chartOption, defaultSize, type ChartSize }

/**
 * SVG text of a chart. echarts numbers its ids and CSS classes per instance (zr0-, zr1-, …);
 * they are renumbered per document so the same spec always gives the same bytes.
 */
export function renderChartSvg(spec: ChartSpec, size: ChartSize = defaultSize(spec)): string {
  const chart = echarts.init(null, null, { renderer: 'svg', ssr: true, width: size.width, height: size.height })
  try {
    chart.setOption(chartOption(spec))
    return canonicalSvg(chart.renderToSVGString())
  } finally {
    chart.dispose()
  }
}

export function canonicalSvg(svg: string): string {
  const classes = new Map<string, string>()
  return svg
    .replace(/zr\d+-cls-\d+/g, (m) => {
      if (!classes.has(m)) classes.set(m, `c${classes.size}`)
      return classes.get(m)!
    })
    .replace(/zr\d+-/g, 'chart-')
}

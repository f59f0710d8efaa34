// echarts, with only the parts Glyphdesk draws (training curves and confusion heatmaps; the Lab's
// line, bar, scatter and heatmap report charts with titles and reference lines), on canvas.
import { BarChart, HeatmapChart, LineChart, ScatterChart } from 'echarts/charts'
import {
  AriaComponent,
  GridComponent,
  LegendComponent,
  MarkLineComponent,
  TitleComponent,
  TooltipComponent,
  VisualMapComponent
} from 'echarts/components'
import * as echarts from 'echarts/core'
import { CanvasRenderer } from 'echarts/renderers'
import { onBeforeUnmount, onMounted, watch, type Ref } from 'vue'
import { chartOption } from '@shared/labCharts.ts'
import type { ChartSpec } from '@shared/labReport.ts'

echarts.use([
  LineChart,
  HeatmapChart,
  BarChart,
  ScatterChart,
  AriaComponent,
  GridComponent,
  LegendComponent,
  MarkLineComponent,
  TitleComponent,
  TooltipComponent,
  VisualMapComponent,
  CanvasRenderer
])

/**
 * Keeps an echarts instance on `el` in step with `option` (null hides nothing, just skips).
 * `theme` null draws with echarts' light default (the Lab's white report cards).
 */
export function useChart(
  el: Ref<HTMLElement | null>,
  option: () => echarts.EChartsCoreOption | null,
  theme: string | null = 'dark'
): void {
  let chart: echarts.ECharts | null = null
  let observer: ResizeObserver | null = null
  const render = () => {
    const o = option()
    // The element came and went (v-if: a second job, a new result): a chart on the old one draws nowhere.
    if (chart && chart.getDom() !== el.value) {
      chart.dispose()
      chart = null
    }
    if (!el.value || !o) return
    if (!chart) {
      chart = echarts.init(el.value, theme ?? undefined, { renderer: 'canvas' })
      observer?.disconnect()
      observer = new ResizeObserver(() => chart?.resize())
      observer.observe(el.value)
    }
    chart.setOption(o, { notMerge: true })
  }
  onMounted(render)
  // After the DOM update: a chart whose element appears with its data (v-if) is created then.
  watch([option, el], render, { flush: 'post' })
  onBeforeUnmount(() => {
    observer?.disconnect()
    chart?.dispose()
    chart = null
  })
}

const pct = (v: number) => `${(v * 100).toFixed(1)}%`
const num = (v: unknown) =>
  typeof v === 'number' ? (Number.isInteger(v) ? String(v) : String(Number(v.toPrecision(4)))) : '—'

/**
 * A report chart as the Lab view draws it: the same option the SVG in the report folder was
 * rendered from (src/shared/labCharts.ts), plus what only a live chart has: tooltips and an
 * accessible description (echarts' aria label, which names the chart's title).
 */
export function labChartOption(spec: ChartSpec): echarts.EChartsCoreOption {
  const yFmt = spec.kind !== 'heatmap' && spec.yFormat === 'percent' ? pct : num
  const tooltip =
    spec.kind === 'heatmap'
      ? {
          trigger: 'item',
          formatter: (p: { value: [number, number, number] }) =>
            `${spec.yLabel} ${spec.yLabels[p.value[1]]} · ${spec.xLabel} ${spec.xLabels[p.value[0]]}: <b>${num(p.value[2])}</b>`
        }
      : {
          trigger: 'axis',
          // A line point is [x, y]; a bar or scatter value is y alone.
          valueFormatter: (v: unknown) => {
            const y = Array.isArray(v) ? v[v.length - 1] : v
            return typeof y === 'number' ? yFmt(y) : '—'
          }
        }
  return { ...chartOption(spec), tooltip, aria: { enabled: true } }
}

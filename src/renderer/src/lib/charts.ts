// echarts, with only the parts Glyphdesk draws (line curves, a confusion heatmap), on canvas.
import { HeatmapChart, LineChart } from 'echarts/charts'
import { GridComponent, LegendComponent, TooltipComponent, VisualMapComponent } from 'echarts/components'
import * as echarts from 'echarts/core'
import { CanvasRenderer } from 'echarts/renderers'
import { onBeforeUnmount, onMounted, watch, type Ref } from 'vue'

echarts.use([LineChart, HeatmapChart, GridComponent, LegendComponent, TooltipComponent, VisualMapComponent, CanvasRenderer])

/** Keeps an echarts instance on `el` in step with `option` (null hides nothing, just skips). */
export function useChart(el: Ref<HTMLElement | null>, option: () => echarts.EChartsCoreOption | null): void {
  let chart: echarts.ECharts | null = null
  let observer: ResizeObserver | null = null
  const render = () => {
    const o = option()
    if (!el.value || !o) return
    chart ??= echarts.init(el.value, 'dark', { renderer: 'canvas' })
    chart.setOption(o, { notMerge: true })
  }
  onMounted(() => {
    render()
    observer = new ResizeObserver(() => chart?.resize())
    if (el.value) observer.observe(el.value)
  })
  // After the DOM update: a chart whose element appears with its data (v-if) is created then.
  watch([option, el], render, { flush: 'post' })
  onBeforeUnmount(() => {
    observer?.disconnect()
    chart?.dispose()
    chart = null
  })
}

// The echarts option of a report chart (src/shared/labReport.ts ChartSpec), as plain data: main
// renders it to SVG for the Markdown report (src/main/lab/charts.ts), the Lab view draws the same
// option on a canvas, so both show the same picture. Nothing here needs a DOM or echarts itself.
import type { BarChart, ChartSpec, HeatmapChart, LineChart } from './labReport.ts'

const PALETTE = ['#2f6db5', '#d1495b', '#3a9d5d', '#e09f3e', '#7b4fa0', '#3aa6b9', '#8c6d46', '#555555']
const FONT = 'Helvetica, Arial, sans-serif'
const TEXT = '#222'

export interface ChartSize {
  width: number
  height: number
}

export function defaultSize(spec: ChartSpec): ChartSize {
  if (spec.kind === 'heatmap')
    return { width: 60 + 18 * spec.xLabels.length + 110, height: 80 + 18 * spec.yLabels.length + 60 }
  if (spec.kind === 'bar') return { width: Math.max(640, 90 + 34 * spec.categories.length), height: 420 }
  return { width: 720, height: 400 }
}

const pct = (v: number): string => `${Math.round(v * 1000) / 10}%`

/** The echarts option for a chart spec (animation off; nothing here depends on a DOM). */
export function chartOption(spec: ChartSpec): Record<string, unknown> {
  const base = {
    animation: false,
    backgroundColor: '#ffffff',
    textStyle: { fontFamily: FONT, color: TEXT },
    title: {
      text: spec.title,
      left: 'center',
      top: 8,
      textStyle: { fontSize: 15, fontWeight: 'bold', fontFamily: FONT, color: TEXT }
    }
  }
  if (spec.kind === 'line') return { ...base, ...lineOption(spec) }
  if (spec.kind === 'bar') return { ...base, ...barOption(spec) }
  return { ...base, ...heatmapOption(spec) }
}

function lineOption(spec: LineChart): Record<string, unknown> {
  const groups = [...new Set(spec.series.map((s) => s.group ?? s.name))]
  const fmt = spec.yFormat === 'percent' ? pct : undefined
  return {
    legend: { top: 34, type: 'plain', textStyle: { fontSize: 11 }, itemWidth: 22 },
    grid: { left: 70, right: 24, top: 34 + 22 * Math.ceil(spec.series.length / 4) + 10, bottom: 52 },
    xAxis: {
      type: spec.xLog ? 'log' : 'value',
      name: spec.xLabel,
      nameLocation: 'middle',
      nameGap: 28,
      min: spec.xLog ? undefined : 'dataMin',
      max: spec.xLog ? undefined : 'dataMax',
      minInterval: spec.xLog ? undefined : 1,
      splitLine: { show: false }
    },
    yAxis: {
      type: spec.yLog ? 'log' : 'value',
      name: spec.yLabel,
      nameLocation: 'middle',
      nameGap: 52,
      min: spec.yMin,
      max: spec.yMax,
      scale: spec.yMin === undefined,
      axisLabel: fmt ? { formatter: fmt } : {}
    },
    series: spec.series.map((s) => ({
      type: 'line',
      name: s.name,
      data: s.points,
      showSymbol: s.points.length <= 12,
      symbolSize: 5,
      connectNulls: false,
      lineStyle: { width: 2, type: s.dashed ? 'dashed' : 'solid' },
      color: PALETTE[groups.indexOf(s.group ?? s.name) % PALETTE.length]
    }))
  }
}

function barOption(spec: BarChart): Record<string, unknown> {
  const fmt = spec.yFormat === 'percent' ? pct : spec.yLog ? (v: number) => v.toExponential(0) : undefined
  return {
    legend: spec.series.length > 1 ? { top: 34 } : undefined,
    grid: { left: 78, right: 24, top: spec.series.length > 1 ? 66 : 50, bottom: 110 },
    xAxis: {
      type: 'category',
      data: spec.categories,
      name: spec.xLabel,
      axisLabel: { rotate: 40, fontSize: 10, interval: 0 },
      splitLine: { show: spec.yLog === true, lineStyle: { color: '#f0f0f0' } }
    },
    yAxis: {
      type: spec.yLog ? 'log' : 'value',
      name: spec.yLabel,
      nameLocation: 'middle',
      nameGap: 62,
      axisLabel: fmt ? { formatter: fmt } : {}
    },
    series: spec.series.map((s, i) => ({
      // On a log axis bars would grow down from the top, reading upside down: points instead.
      ...(spec.yLog ? { type: 'scatter', symbolSize: 9 } : { type: 'bar', barMaxWidth: 28 }),
      name: s.name,
      data: s.values,
      color: PALETTE[i % PALETTE.length],
      markLine:
        i === 0 && spec.threshold
          ? {
              symbol: 'none',
              silent: true,
              lineStyle: { color: '#d1495b', type: 'dashed' },
              label: { formatter: spec.threshold.label, position: 'insideEndTop' },
              data: [{ yAxis: spec.threshold.value }]
            }
          : undefined
    }))
  }
}

function heatmapOption(spec: HeatmapChart): Record<string, unknown> {
  const cells: [number, number, number][] = []
  const diagonal: [number, number, number][] = []
  let max = 0
  spec.values.forEach((row, r) =>
    row.forEach((v, c) => {
      if (spec.maskDiagonal && r === c) {
        diagonal.push([c, r, v])
        return
      }
      cells.push([c, r, v])
      if (Math.abs(v) > max) max = Math.abs(v)
    })
  )
  if (max === 0) max = 1
  const diverging = spec.scale === 'diverging'
  const n = spec.xLabels.length
  const cellFont = n > 20 ? 8 : 11
  return {
    grid: { left: 56, right: 100, top: 54, bottom: 56 },
    xAxis: {
      type: 'category',
      data: spec.xLabels,
      name: spec.xLabel,
      nameLocation: 'middle',
      nameGap: 30,
      position: 'bottom',
      axisLabel: { interval: 0, fontSize: 10 },
      splitArea: { show: false }
    },
    yAxis: {
      type: 'category',
      data: spec.yLabels,
      name: spec.yLabel,
      nameLocation: 'middle',
      nameGap: 36,
      inverse: true,
      axisLabel: { interval: 0, fontSize: 10 }
    },
    visualMap: [
      {
        seriesIndex: 0,
        min: diverging ? -max : 0,
        max,
        calculable: false,
        orient: 'vertical',
        right: 10,
        top: 'middle',
        itemHeight: 200,
        inRange: {
          color: diverging ? ['#2f6db5', '#ffffff', '#d1495b'] : ['#ffffff', '#fde0c5', '#f59e72', '#d1495b', '#7a1c2e']
        },
        text: diverging ? ['+' + max, '−' + max] : [String(max), '0'],
        textStyle: { fontSize: 10 }
      },
      // echarts colours heatmap cells only through a visualMap: the diagonal gets its own, flat grey.
      ...(spec.maskDiagonal
        ? [{ seriesIndex: 1, show: false, min: 0, max: 1, inRange: { color: ['#dde3ea', '#dde3ea'] } }]
        : [])
    ],
    series: [
      {
        type: 'heatmap',
        name: 'cells',
        data: cells,
        label: {
          show: true,
          fontSize: cellFont,
          color: TEXT,
          formatter: (p: { value: [number, number, number] }) => (p.value[2] === 0 ? '' : String(p.value[2]))
        },
        itemStyle: { borderColor: '#eeeeee', borderWidth: 0.5 }
      },
      ...(spec.maskDiagonal
        ? [
            {
              type: 'heatmap',
              name: 'diagonal',
              data: diagonal,
              label: {
                show: true,
                fontSize: cellFont,
                color: '#555',
                formatter: (p: { value: [number, number, number] }) => String(p.value[2])
              },
              itemStyle: { color: '#dde3ea', borderColor: '#eeeeee', borderWidth: 0.5 }
            }
          ]
        : [])
    ]
  }
}

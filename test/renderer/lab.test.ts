// Chart options are deep echarts objects read here field by field, as a person reads a chart; typing every path adds nothing.
/* eslint-disable @typescript-eslint/no-explicit-any */
// The Lab under happy-dom, fed the committed experiment reports (docs/experiments) through a fake
// client: the store lists and caches reports, the view shows each report's sentences, headline
// numbers, charts (the echarts option built from the report's chart data), pictures and tables.
import { readdirSync, readFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { flushPromises, mount } from '@vue/test-utils'
import { createPinia, setActivePinia } from 'pinia'
import { beforeEach, describe, expect, it, vi } from 'vitest'
import type { Ref } from 'vue'
import type { ChartSpec, ExperimentReport } from '../../src/shared/labReport.ts'
import { provideApi } from '../../src/renderer/src/clients/api.ts'
import LabView from '../../src/renderer/src/components/LabView.vue'
import { labChartOption } from '../../src/renderer/src/lib/charts.ts'
import { useLabStore } from '../../src/renderer/src/stores/lab.ts'
import { fakeClient } from './helpers.ts'

// happy-dom has no canvas: record what each chart would draw instead of drawing it.
const drawn = vi.hoisted(() => [] as { el: HTMLElement | null; option: Record<string, any> | null }[])
vi.mock('../../src/renderer/src/lib/charts.ts', async (importOriginal) => {
  const real = await importOriginal<typeof import('../../src/renderer/src/lib/charts.ts')>()
  const { onMounted } = await import('vue')
  return {
    ...real,
    useChart: (el: Ref<HTMLElement | null>, option: () => Record<string, any> | null) => {
      onMounted(() => drawn.push({ el: el.value, option: option() }))
    }
  }
})

const DIR = resolve(import.meta.dirname, '..', '..', 'docs', 'experiments')
const ORDER = ['lr-sweep', 'weights', 'confusion', 'autoencoder', 'pca', 'gradcheck', 'cnn-vs-mlp']
const committed: Record<string, ExperimentReport> = Object.fromEntries(
  readdirSync(DIR, { withFileTypes: true })
    .filter((d) => d.isDirectory())
    .map((d) => [d.name, JSON.parse(readFileSync(join(DIR, d.name, 'report.json'), 'utf8'))])
)

let fake: ReturnType<typeof fakeClient>

beforeEach(() => {
  drawn.length = 0
  setActivePinia(createPinia())
  fake = fakeClient({
    'lab.list': ({ dir }: { dir?: string }) => ({
      dir: dir ?? DIR,
      experiments: [
        ...ORDER.map((name) => {
          const r = committed[name]
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
        }),
        {
          name: 'broken',
          ok: false,
          error: 'broken/report.json is not an experiment report of this version: title: expected string'
        }
      ]
    }),
    'lab.report': ({ name }: { name: string }) => {
      const report = committed[name]
      if (!report) throw Object.assign(new Error(`no experiment "${name}"`), { name: 'ExperimentNotFoundError' })
      return {
        name,
        report,
        images: Object.fromEntries(report.images.map((i) => [i.file, `/files/lab/${name}/${i.file}?token=t`]))
      }
    }
  })
  provideApi(fake.client)
})

const reportCalls = () => fake.calls.filter((c) => c.route === 'lab.report').map((c) => c.input.name)

describe('the lab store', () => {
  it('lists the reports folder and opens the first report; a report is fetched once', async () => {
    const lab = useLabStore()
    await lab.ensureLoaded()
    expect(lab.dir).toBe(DIR)
    expect(lab.entries.map((e) => e.name)).toEqual([...ORDER, 'broken'])
    expect(lab.selected).toBe('lr-sweep')
    expect(lab.current?.report.title).toBe(committed['lr-sweep'].title)
    await lab.open('confusion')
    await lab.open('lr-sweep')
    await lab.open('confusion')
    expect(reportCalls()).toEqual(['lr-sweep', 'confusion'])
    await lab.ensureLoaded()
    expect(fake.calls.filter((c) => c.route === 'lab.list')).toHaveLength(1)
  })

  it('keeps the open experiment on reload, forgets cached reports when the folder changes, and says why a report fails', async () => {
    const lab = useLabStore()
    await lab.refresh()
    await lab.open('pca')
    await lab.refresh()
    expect(lab.selected).toBe('pca')
    expect(reportCalls()).toEqual(['lr-sweep', 'pca'])
    await lab.refresh('/elsewhere')
    expect(lab.dir).toBe('/elsewhere')
    expect(reportCalls()).toEqual(['lr-sweep', 'pca', 'pca'])
    await lab.open('broken')
    expect(lab.current).toBeNull()
    expect(lab.error).toMatch(/no experiment "broken"/)
  })
})

describe('LabView', () => {
  it("shows an experiment's sentences, headline numbers and each chart drawn from its data", async () => {
    const w = mount(LabView)
    await flushPromises()
    expect(w.findAll('.entry .name').map((e) => e.text())).toEqual([...ORDER, 'broken'])
    expect(w.find('[data-testid="lab-entry-broken"]').text()).toMatch(/not an experiment report/)
    const r = committed['lr-sweep']
    expect(w.find('h2').text()).toBe(r.title)
    expect(w.findAll('[data-testid="lab-summary"] li').map((l) => l.text())).toEqual(r.summary)
    const metric = (k: string) => w.find(`[data-metric="${k}"]`)
    expect(metric('bestTestAccuracy').find('.value').text()).toBe(
      `${(Number(r.metrics.bestTestAccuracy) * 100).toFixed(1)}%`
    )
    expect(metric('bestTestAccuracy').find('.label').text()).toBe('best test accuracy')
    expect(metric('bestLr').find('.value').text()).toBe(String(r.metrics.bestLr))
    // Every chart of the report, in order, with its own title and one echarts series per report series.
    expect(w.findAll('[data-testid="lab-chart"]').map((c) => c.attributes('data-chart'))).toEqual(
      r.charts.map((c) => c.id)
    )
    expect(drawn.map((d) => d.option?.title.text)).toEqual(r.charts.map((c) => c.title))
    drawn.forEach((d, i) =>
      expect(d.option?.series).toHaveLength((r.charts[i] as Extract<ChartSpec, { kind: 'line' }>).series.length)
    )
    expect(drawn.every((d) => d.el?.getAttribute('role') === 'img')).toBe(true)
    expect(w.findAll('[data-testid="lab-table"]')).toHaveLength(1)
    expect(w.find('[data-table="runs"] tbody').findAll('tr')).toHaveLength(r.tables[0].rows.length)
  })

  it('switches to the confusion report: heatmap, the example glyph grid with its row labels, and both pair tables', async () => {
    const w = mount(LabView)
    await flushPromises()
    drawn.length = 0
    await w.find('[data-testid="lab-entry-confusion"]').trigger('click')
    await flushPromises()
    const r = committed.confusion
    expect(w.find('[data-testid="lab-report"]').attributes('data-experiment')).toBe('confusion')
    expect(drawn.map((d) => d.option?.title.text)).toEqual([r.charts[0].title])
    expect(drawn[0].option?.series[0].type).toBe('heatmap')
    const img = w.find('[data-image="examples"] img')
    expect(img.attributes('src')).toBe('/files/lab/confusion/confused-examples.png?token=t')
    expect(w.findAll('[data-image="examples"] .row-labels span').map((s) => s.text())).toEqual(r.images[0].rowLabels)
    expect(w.findAll('[data-testid="lab-table"] h3').map((h) => h.text())).toEqual(r.tables.map((t) => t.title))
    expect(w.find('[data-testid="lab-entry-confusion"]').classes()).toContain('on')
  })

  it('reloads from another folder typed into the form', async () => {
    const w = mount(LabView)
    await flushPromises()
    await w.find('input[name="labDir"]').setValue('/other/reports')
    await w.find('form').trigger('submit')
    await flushPromises()
    expect(fake.calls.filter((c) => c.route === 'lab.list').map((c) => c.input)).toEqual([
      {},
      { dir: '/other/reports' }
    ])
    expect(useLabStore().dir).toBe('/other/reports')
  })
})

describe('labChartOption', () => {
  it("is the report's own chart option with tooltips that name what a cell or point is", () => {
    const heat = committed.confusion.charts[0] as Extract<ChartSpec, { kind: 'heatmap' }>
    const o = labChartOption(heat) as Record<string, any>
    expect(o.title.text).toBe(heat.title)
    expect(o.aria).toEqual({ enabled: true })
    expect(o.tooltip.formatter({ value: [1, 0, 7] })).toBe(
      `${heat.yLabel} ${heat.yLabels[0]} · ${heat.xLabel} ${heat.xLabels[1]}: <b>7</b>`
    )
    const acc = committed['lr-sweep'].charts.find((c) => c.id === 'accuracy')!
    const lo = labChartOption(acc) as Record<string, any>
    expect(lo.tooltip.trigger).toBe('axis')
    expect(lo.tooltip.valueFormatter([3, 0.8512])).toBe('85.1%')
  })
})

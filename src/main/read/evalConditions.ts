// Page scores grouped by condition: the hard evaluation sets of `glyphdesk data pages` name each page's
// condition (touching, broken, phone …) in their manifest.json; `eval-pages` and the benchmark report
// CER and detection per condition from it. Pages without text (the no-text condition) have no CER: what
// counts there is how many characters were read where there are none.
import { readFile } from 'node:fs/promises'
import { extname, join } from 'node:path'
import { z } from 'zod'
import type { PageEval } from './evalPages.ts'

const ManifestSchema = z.object({
  pages: z.array(z.object({ file: z.string(), condition: z.string() }).passthrough())
})

/** Page name (file without extension) → condition, from DIR/manifest.json; null when there is none. */
export async function readPageConditions(dir: string): Promise<Map<string, string> | null> {
  let raw: string
  try {
    raw = await readFile(join(dir, 'manifest.json'), 'utf8')
  } catch {
    return null
  }
  const parsed = ManifestSchema.safeParse(JSON.parse(raw))
  if (!parsed.success) return null
  return new Map(parsed.data.pages.map((p) => [p.file.slice(0, -extname(p.file).length), p.condition]))
}

export interface ConditionScore {
  condition: string
  pages: number
  chars: number
  boxes: number
  /** Character-weighted over the condition's pages; null when its pages have no text. */
  cer: number | null
  cerNoSpace: number | null
  detection: { matched: number; missed: number; extra: number; rate: number | null }
}

/** Scores per condition, in the order conditions first appear, then "overall" (pages with text only). */
export function scoreByCondition(pages: PageEval[], conditions: Map<string, string>): ConditionScore[] {
  const groups = new Map<string, PageEval[]>()
  for (const p of pages) {
    const c = conditions.get(p.name) ?? 'unlisted'
    groups.set(c, [...(groups.get(c) ?? []), p])
  }
  const rows = [...groups].map(([c, ps]) => summarise(c, ps))
  rows.push(summarise('overall', pages))
  return rows
}

function summarise(condition: string, pages: PageEval[]): ConditionScore {
  const sum = (k: (p: PageEval) => number) => pages.reduce((s, p) => s + k(p), 0)
  const chars = sum((p) => p.chars)
  const matched = sum((p) => p.detection.matched)
  return {
    condition,
    pages: pages.length,
    chars,
    boxes: sum((p) => p.boxes),
    cer: chars > 0 ? sum((p) => p.cer * p.chars) / chars : null,
    cerNoSpace: chars > 0 ? sum((p) => p.cerNoSpace * p.chars) / chars : null,
    detection: {
      matched,
      missed: sum((p) => p.detection.missed),
      extra: sum((p) => p.detection.extra),
      rate: chars > 0 ? matched / chars : null
    }
  }
}

// Noise pages: segmentation and layout stay close to linear in the components, and a page of more marks
// than any text is refused with a message instead of minutes of work.
import { describe, expect, it } from 'vitest'
import { groupLines } from '../../../src/main/vision/layout.ts'
import { segmentPage, TooManyComponentsError } from '../../../src/main/vision/segment.ts'
import { Rng } from '../../../src/main/nn/rng.ts'

/** Black square blots of `size` px on white, every `step` px, each a separate component. */
function dots(w: number, h: number, step: number, size: number): { width: number; height: number; data: Uint8Array } {
  const data = new Uint8Array(w * h).fill(255)
  for (let y = 2; y + size < h; y += step)
    for (let x = 2; x + size < w; x += step) {
      for (let dy = 0; dy < size; dy++) data.fill(0, (y + dy) * w + x, (y + dy) * w + x + size)
    }
  return { width: w, height: h, data }
}

/** The former all-pairs line grouping, kept here as the reference the fast one must equal. */
function groupLinesReference(boxes: { x: number; y: number; w: number; h: number }[]): number[][] {
  const n = boxes.length
  const med = (xs: number[]) => {
    const s = [...xs].sort((a, b) => a - b)
    const m = s.length >> 1
    return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2
  }
  const vOv = (a: (typeof boxes)[0], b: (typeof boxes)[0]) => Math.min(a.y + a.h, b.y + b.h) - Math.max(a.y, b.y)
  const parent = boxes.map((_, i) => i)
  const find = (i: number): number => {
    while (parent[i] !== i) {
      parent[i] = parent[parent[i]]
      i = parent[i]
    }
    return i
  }
  const hMed = med(boxes.map((b) => b.h))
  const order = boxes.map((_, i) => i).sort((a, b) => boxes[a].x - boxes[b].x)
  for (let oi = 0; oi < n; oi++) {
    const a = boxes[order[oi]],
      acx = a.x + a.w / 2
    let best = -1,
      bestCost = Infinity
    for (let oj = 0; oj < n; oj++) {
      if (oj === oi) continue
      const b = boxes[order[oj]],
        bcx = b.x + b.w / 2
      if (bcx <= acx || vOv(a, b) < 0.35 * Math.min(a.h, b.h)) continue
      const cost = Math.max(0, b.x - (a.x + a.w)) + 2 * Math.abs(b.y + b.h / 2 - (a.y + a.h / 2)) + (bcx - acx) * 0.01
      if (cost < bestCost) {
        bestCost = cost
        best = order[oj]
      }
    }
    if (best >= 0 && bestCost < 12 * Math.max(hMed, 1)) parent[find(order[oi])] = find(best)
  }
  const groups = new Map<number, number[]>()
  for (let i = 0; i < n; i++) {
    const r = find(i)
    if (!groups.has(r)) groups.set(r, [])
    groups.get(r)!.push(i)
  }
  const bnd = (l: number[]) => {
    const x0 = Math.min(...l.map((k) => boxes[k].x)),
      y0 = Math.min(...l.map((k) => boxes[k].y))
    return {
      x: x0,
      y: y0,
      w: Math.max(...l.map((k) => boxes[k].x + boxes[k].w)) - x0,
      h: Math.max(...l.map((k) => boxes[k].y + boxes[k].h)) - y0
    }
  }
  const lines = [...groups.values()]
  // Chains that are two lines, cut apart (layout.ts#splitStackedLines): every split of the centres' order tried, the
  // one with the largest between-group variance kept if the two groups are ≥ 0.8 median heights apart, ≥ 3 boxes
  // each, each within 0.15 heights of its own median centre (median deviation), sharing half the narrower extent.
  const cyOf = (k: number) => boxes[k].y + boxes[k].h / 2
  const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length
  for (let i = 0; i < lines.length; i++) {
    const sorted = [...lines[i]].sort((p, q) => cyOf(p) - cyOf(q))
    let bestScore = -1,
      parts: [number[], number[]] | null = null
    for (let n0 = 3; n0 <= sorted.length - 3; n0++) {
      const up = sorted.slice(0, n0),
        lo = sorted.slice(n0)
      const score = up.length * lo.length * (mean(lo.map(cyOf)) - mean(up.map(cyOf))) ** 2
      if (score > bestScore) {
        bestScore = score
        parts = [up, lo]
      }
    }
    if (!parts) continue
    const h = med(lines[i].map((k) => boxes[k].h))
    const [up, lo] = parts
    const spread = (g: number[]) => med(g.map((k) => Math.abs(cyOf(k) - med(g.map(cyOf)))))
    const a = bnd(up),
      b = bnd(lo)
    if (
      med(lo.map(cyOf)) - med(up.map(cyOf)) >= 0.8 * h &&
      spread(up) <= 0.15 * h &&
      spread(lo) <= 0.15 * h &&
      Math.min(a.x + a.w, b.x + b.w) - Math.max(a.x, b.x) >= 0.5 * Math.min(a.w, b.w)
    ) {
      lines.splice(i, 1, up, lo)
      i--
    }
  }
  let changed = true
  while (changed) {
    changed = false
    outer: for (let i = 0; i < lines.length; i++)
      for (let j = i + 1; j < lines.length; j++) {
        const a = bnd(lines[i]),
          b = bnd(lines[j])
        if (Math.min(a.x + a.w, b.x + b.w) - Math.max(a.x, b.x) > 0) continue
        const ha = med(lines[i].map((k) => boxes[k].h)),
          hb = med(lines[j].map((k) => boxes[k].h))
        if (vOv(a, b) >= 0.6 * Math.min(ha, hb) && Math.abs(a.y + a.h / 2 - (b.y + b.h / 2)) < 0.5 * Math.max(ha, hb)) {
          lines[i] = lines[i].concat(lines[j])
          lines.splice(j, 1)
          changed = true
          break outer
        }
      }
  }
  // A chain of one or two boxes joins the line (of 3+ boxes) whose boxes within a character height of it hold
  // the most of its height between their top and bottom, if ≥ 80%: every line looked at, every box of it.
  const target = lines.map((_, f) => f)
  lines.forEach((frag, f) => {
    if (frag.length > 2) return
    const c = bnd(frag)
    let best = 0
    lines.forEach((l, li) => {
      if (li === f || l.length < 3) return
      const near = l.filter((k) => boxes[k].x <= c.x + c.w + hMed && boxes[k].x + boxes[k].w >= c.x - hMed)
      if (near.length === 0) return
      const top = Math.min(...near.map((k) => boxes[k].y)),
        bottom = Math.max(...near.map((k) => boxes[k].y + boxes[k].h))
      const share = (Math.min(bottom, c.y + c.h) - Math.max(top, c.y)) / Math.max(1, c.h)
      if (share >= 0.8 && share > best) {
        best = share
        target[f] = li
      }
    })
  })
  const adopted = lines.map((l, f) =>
    target[f] === f ? [...l, ...lines.flatMap((m, g) => (target[g] === f && g !== f ? m : []))] : []
  )
  lines.splice(0, lines.length, ...adopted.filter((_, f) => target[f] === f))
  for (const l of lines) l.sort((p, q) => boxes[p].x + boxes[p].w / 2 - (boxes[q].x + boxes[q].w / 2))
  return lines
    .map((l) => ({ l, cy: med(l.map((k) => boxes[k].y + boxes[k].h / 2)) }))
    .sort((p, q) => p.cy - q.cy)
    .map((o) => o.l)
}

describe('noise pages', () => {
  it('refuses a page of more marks than any text has, with the message', async () => {
    const err = await segmentPage(dots(1200, 1200, 14, 7), { maxComponents: 5000 }).catch((e: unknown) => e)
    expect(err).toBeInstanceOf(TooManyComponentsError)
    expect((err as Error).message).toMatch(/too many components: \d+ separate marks .*is this a photo of text\?/)
  })

  it('groups lines exactly as comparing every pair did, on random boxes of varied layouts', () => {
    for (let seed = 1; seed <= 30; seed++) {
      const rng = new Rng(seed)
      const n = 5 + rng.int(120)
      const boxes = Array.from({ length: n }, () => {
        const line = rng.int(8)
        return {
          x: rng.int(1500),
          y: line * 60 + rng.int(30),
          w: 5 + rng.int(seed % 3 === 0 ? 400 : 40),
          h: 10 + rng.int(50)
        }
      })
      expect(groupLines(boxes), `seed ${seed}`).toEqual(groupLinesReference(boxes))
    }
  })
})

// The smallest rectangle holding a set of rectangles: one definition for layout's line bounds, the reading
// stage's merged and joined boxes, the exports' line and region boxes and the interchange readers' words; and
// whether a rectangle's centre lies inside another (the import's glyphs inside a file's word).

export interface RectLike {
  x: number
  y: number
  w: number
  h: number
}

/** The smallest rectangle holding every one of rs (for none: infinite extents, as Math.min/max give). */
export function unionRect(rs: Iterable<RectLike>): RectLike {
  let x0 = Infinity,
    y0 = Infinity,
    x1 = -Infinity,
    y1 = -Infinity
  for (const r of rs) {
    x0 = Math.min(x0, r.x)
    y0 = Math.min(y0, r.y)
    x1 = Math.max(x1, r.x + r.w)
    y1 = Math.max(y1, r.y + r.h)
  }
  return { x: x0, y: y0, w: x1 - x0, h: y1 - y0 }
}

/** Whether the centre of `inner` lies inside `outer` (its left and top edges included, its right and bottom not). */
export function centreInside(inner: RectLike, outer: RectLike): boolean {
  const cx = inner.x + inner.w / 2,
    cy = inner.y + inner.h / 2
  return cx >= outer.x && cx < outer.x + outer.w && cy >= outer.y && cy < outer.y + outer.h
}

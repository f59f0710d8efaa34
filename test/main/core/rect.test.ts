import { describe, expect, it } from 'vitest'
import { unionRect } from '../../../src/main/core/rect.ts'

describe('unionRect', () => {
  it('is the smallest rectangle holding every one, worked by hand', () => {
    const rs = [
      { x: 10, y: 5, w: 4, h: 20 },
      { x: 2, y: 12, w: 3, h: 3 },
      { x: 12, y: -1, w: 10, h: 2 }
    ]
    expect(unionRect(rs)).toEqual({ x: 2, y: -1, w: 20, h: 26 })
    expect(unionRect([rs[0]])).toEqual(rs[0])
  })
})

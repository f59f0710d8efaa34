import { describe, expect, it } from 'vitest'
import { applyWordContext } from '../../../src/main/read/wordContext.ts'
import { assembleText, type PageBox, type PageDoc } from '../../../src/shared/pagedoc.ts'

type Guess = [label: string, p: number][]

function page(words: Guess[][], userLabels: Record<number, string> = {}): PageDoc {
  const boxes: PageBox[] = []
  words.forEach((word, w) =>
    word.forEach((top3) => {
      const id = boxes.length
      boxes.push({
        id: `b${id}`,
        x: id * 10,
        y: 0,
        w: 8,
        h: 10,
        line: 0,
        word: w,
        source: 'detector',
        label: top3[0][0],
        confidence: top3[0][1],
        top3: top3.map(([label, p]) => ({ label, p })),
        ...(userLabels[id] ? { userLabel: userLabels[id] } : {})
      })
    })
  )
  return {
    version: 1,
    image: { path: 'x.png', width: 100, height: 20 },
    boxes,
    lines: [{ index: 0, x: 0, y: 0, w: 100, h: 10 }]
  }
}

const sure = (c: string): Guess => [
  [c, 0.97],
  ['X', 0.02],
  ['Y', 0.01]
]

describe('applyWordContext', () => {
  it('reads I and O as 1 and 0 inside a row of digits (the 02_letters digit row as the CNN saw it)', () => {
    const doc = page([
      [
        [
          ['I', 0.684],
          ['1', 0.286],
          ['L', 0.004]
        ],
        sure('2'),
        sure('3'),
        sure('4'),
        sure('5'),
        sure('6'),
        sure('7'),
        sure('8'),
        sure('9'),
        [
          ['O', 0.583],
          ['0', 0.383],
          ['D', 0.005]
        ]
      ]
    ])
    expect(assembleText(doc)).toBe('I23456789O')
    const fixed = applyWordContext(doc)
    expect(assembleText(fixed)).toBe('1234567890')
    expect(fixed.boxes[0].confidence).toBeCloseTo(0.286, 6)
  })

  it('reads a 0 as O inside a word of letters, and leaves a confident digit alone', () => {
    const doc = page([
      [
        sure('T'),
        [
          ['0', 0.6],
          ['O', 0.35],
          ['Q', 0.02]
        ]
      ],
      [
        sure('A'),
        [
          ['7', 0.95],
          ['T', 0.03],
          ['1', 0.01]
        ],
        sure('B')
      ]
    ])
    // "T0": the 0 becomes O (0.35 ≥ 0.2 × 0.6). "A7B": T is only 0.03 vs 0.95, so 7 stays.
    expect(assembleText(applyWordContext(doc))).toBe('TO A7B')
  })

  it("never changes the person's label, single-character words, or mixed words", () => {
    const digitRow = [
      sure('1'),
      sure('2'),
      [
        ['O', 0.6],
        ['0', 0.39],
        ['D', 0.01]
      ] as Guess
    ]
    expect(assembleText(applyWordContext(page([digitRow], { 2: 'O' })))).toBe('12O')
    expect(
      assembleText(
        applyWordContext(
          page([
            [
              [
                ['O', 0.6],
                ['0', 0.39],
                ['D', 0.01]
              ]
            ],
            [sure('7')]
          ])
        )
      )
    ).toBe('O 7')
    // Two letters and two digits besides the glyph: no 75% majority either way.
    expect(
      assembleText(
        applyWordContext(
          page([
            [
              sure('A'),
              sure('B'),
              sure('1'),
              sure('2'),
              [
                ['O', 0.6],
                ['0', 0.39],
                ['D', 0.01]
              ]
            ]
          ])
        )
      )
    ).toBe('AB12O')
  })

  it('returns a new document and leaves its input as it was', () => {
    const doc = page([
      [
        sure('1'),
        [
          ['O', 0.6],
          ['0', 0.39],
          ['D', 0.01]
        ]
      ]
    ])
    const before = JSON.stringify(doc)
    applyWordContext(doc)
    expect(JSON.stringify(doc)).toBe(before)
  })
})

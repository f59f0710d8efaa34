// Issue 11's cast count: `node scripts/count-casts.mjs [REV] [--list]` prints the type assertions (`x as T`, `<T>x`) and
// the `any` types in src/ of the work tree or of a git revision. It parses with the TypeScript compiler, so the word
// "as" in comments, strings and import renames is never counted, `as const` is not an assertion of a type and is
// skipped, and `x as unknown as T` counts once. Vue files: their <script> blocks and every template expression.
import { execFileSync } from 'node:child_process'
import { readFileSync } from 'node:fs'
import ts from 'typescript'
import { parse as parseSfc } from '@vue/compiler-sfc'

let list = false

/** Assertions and `any`s in one piece of TypeScript; `where` prefixes listed lines. */
function count(code, where) {
  const sf = ts.createSourceFile(where, code, ts.ScriptTarget.Latest, true)
  let casts = 0
  let anys = 0
  const visit = (node) => {
    const isAssertion = ts.isAsExpression(node) || ts.isTypeAssertionExpression(node)
    if (isAssertion) {
      const isConst = ts.isConstTypeReference?.(node.type) ?? node.type.getText(sf) === 'const'
      // `x as unknown as T`: the inner `as unknown` is part of the same assertion.
      const inner = ts.isAsExpression(node.parent) && node.type.kind === ts.SyntaxKind.UnknownKeyword
      if (!isConst && !inner) {
        casts++
        if (list)
          console.log(
            `${where}:${sf.getLineAndCharacterOfPosition(node.getStart(sf)).line + 1}: ${node.getText(sf).replace(/\s+/g, ' ').slice(0, 110)}`
          )
      }
    }
    if (node.kind === ts.SyntaxKind.AnyKeyword) {
      anys++
      if (list) console.log(`${where}:${sf.getLineAndCharacterOfPosition(node.getStart(sf)).line + 1}: any`)
    }
    ts.forEachChild(node, visit)
  }
  visit(sf)
  return { casts, anys }
}

/** Template expressions of a Vue template AST (interpolations and directive values). */
function templateExpressions(node, out = []) {
  if (!node) return out
  if (node.type === 5 && node.content?.content) out.push(node.content.content) // {{ … }}
  for (const p of node.props ?? []) {
    if (p.type === 7 && p.exp?.content) out.push(p.exp.content) // v-bind, v-on, v-if, …
  }
  for (const c of node.children ?? []) templateExpressions(c, out)
  return out
}

/** Assertions and `any`s in one source file (.ts, or .vue with its script blocks and template expressions). */
export function countSource(src, f) {
  let casts = 0
  let anys = 0
  const pieces = []
  if (f.endsWith('.vue')) {
    const { descriptor } = parseSfc(src, { filename: f })
    for (const b of [descriptor.script, descriptor.scriptSetup]) if (b) pieces.push(b.content)
    // A handler like `a(); b()` is statements, not one expression: parse each as a block.
    for (const e of templateExpressions(descriptor.template?.ast)) pieces.push(`{${e}\n}`)
  } else pieces.push(src)
  for (const p of pieces) {
    const r = count(p, f)
    casts += r.casts
    anys += r.anys
  }
  return { casts, anys }
}

/** Totals over src/ of the work tree, or of a git revision. */
export function countTree(rev) {
  const git = (...a) => execFileSync('git', a, { encoding: 'utf8', maxBuffer: 64 << 20 })
  const files = (rev ? git('ls-tree', '-r', '--name-only', rev, 'src') : git('ls-files', 'src'))
    .split('\n')
    .filter((f) => /\.(ts|vue)$/.test(f))
  let casts = 0
  let anys = 0
  for (const f of files) {
    const r = countSource(rev ? git('show', `${rev}:${f}`) : readFileSync(f, 'utf8'), f)
    casts += r.casts
    anys += r.anys
  }
  return { casts, anys }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const args = process.argv.slice(2)
  list = args.includes('--list')
  const rev = args.find((a) => !a.startsWith('--'))
  const { casts, anys } = countTree(rev)
  console.log(`as-casts=${casts} any=${anys}${rev ? ` (${rev})` : ''}`)
}

// JSDoc/code pairs from JavaScript and TypeScript sources, CodeSearchNet's way: the query is the first
// paragraph of a function's doc comment before its first `@` tag, the code is the function without
// the comment. Parsed with the TypeScript compiler's parser (a devDependency), never with regular
// expressions.
import { createRequire } from 'node:module'

const ts = createRequire(import.meta.url)('typescript')

/** The description of a `/** ... *\/` comment: up to the first `@` tag, first paragraph, `{@link x}` as x. */
export function jsdocQuery(comment) {
  const lines = comment
    .replace(/^\/\*\*/, '')
    .replace(/\*\/$/, '')
    .split('\n')
    .map((l) => l.replace(/^\s*\* ?/, ''))
  const out = []
  for (const line of lines) {
    if (/^\s*@/.test(line)) break
    if (!line.trim()) {
      if (out.length) break
      continue
    }
    out.push(line.trim())
  }
  return out
    .join(' ')
    .replace(/\{@(?:link|linkcode|linkplain) ([^}|\s]+)(?:[ |][^}]*)?\}/g, '$1')
    .replace(/\s+/g, ' ')
    .trim()
}

const isFunction = (n) => ts.isFunctionExpression(n) || ts.isArrowFunction(n)

/** Whether a function expression sits inside `node` (an initializer such as `curry(function () {})`). */
function holdsFunction(node) {
  let found = false
  const visit = (n) => {
    if (found) return
    if (isFunction(n)) found = true
    else ts.forEachChild(n, visit)
  }
  visit(node)
  return found
}

function nameOf(node) {
  if (node.name && ts.isIdentifier(node.name)) return node.name.text
  if (ts.isVariableStatement(node)) {
    const d = node.declarationList.declarations[0]
    return d && ts.isIdentifier(d.name) ? d.name.text : ''
  }
  if (ts.isExpressionStatement(node) && ts.isBinaryExpression(node.expression)) {
    return node.expression.left.getText().split('.').pop() ?? ''
  }
  if (ts.isPropertyAssignment(node) && node.name) return node.name.getText()
  return ''
}

/** What counts as a documented function: the node whose leading comment is the doc comment. */
function candidate(node) {
  if (ts.isFunctionDeclaration(node) || ts.isMethodDeclaration(node)) return node.body !== undefined
  if (ts.isVariableStatement(node)) {
    const d = node.declarationList.declarations
    return d.length === 1 && d[0].initializer !== undefined && holdsFunction(d[0].initializer)
  }
  if (ts.isExpressionStatement(node) && ts.isBinaryExpression(node.expression)) {
    return node.expression.operatorToken.kind === ts.SyntaxKind.EqualsToken && holdsFunction(node.expression.right)
  }
  if (ts.isPropertyAssignment(node)) return isFunction(node.initializer)
  return false
}

/** The code of a node without the doc comments inside it (TypeScript's overloads each carry one,
 *  often the query's own words): each `/** *\/` before a descendant goes, with its line when it
 *  stood alone on it. */
function withoutInnerDocs(node, text, source) {
  const start = node.getStart(source)
  const ranges = []
  const visit = (n) => {
    for (const r of ts.getLeadingCommentRanges(text, n.getFullStart()) ?? []) {
      if (r.pos >= start && text.startsWith('/**', r.pos)) ranges.push(r)
    }
    ts.forEachChild(n, visit)
  }
  ts.forEachChild(node, visit)
  const unique = [...new Map(ranges.map((r) => [r.pos, r])).values()].sort((a, b) => a.pos - b.pos)
  let code = ''
  let at = start
  for (const r of unique) {
    let from = r.pos
    let to = r.end
    const lineStart = text.lastIndexOf('\n', from - 1) + 1
    if (/^[ \t]*$/.test(text.slice(Math.max(lineStart, at), from))) {
      from = Math.max(lineStart, at)
      while (to < text.length && (text[to] === ' ' || text[to] === '\t')) to++
      if (text[to] === '\n') to++
    }
    code += text.slice(at, from)
    at = to
  }
  return code + text.slice(at, node.getEnd())
}

/** Every documented function of one file: {name, query, code, body_lines}. `typescript` parses it
 *  as TypeScript; `all` adds the undocumented functions too (query null) and each one's `text`, the
 *  code with its doc comment. */
export function extractJs(fileName, text, { typescript = false, all = false } = {}) {
  const kind = typescript ? ts.ScriptKind.TS : ts.ScriptKind.JS
  const source = ts.createSourceFile(fileName, text, ts.ScriptTarget.Latest, true, kind)
  const out = []
  const visit = (node) => {
    if (candidate(node)) {
      const ranges = ts.getLeadingCommentRanges(text, node.getFullStart()) ?? []
      const doc = ranges.filter((r) => text.startsWith('/**', r.pos)).pop()
      if (doc || all) {
        const code = typescript
          ? withoutInnerDocs(node, text, source)
          : text.slice(node.getStart(source), node.getEnd())
        const lines = code.split('\n').filter((l) => l.trim())
        const pair = {
          name: nameOf(node),
          query: doc ? jsdocQuery(text.slice(doc.pos, doc.end)) : null,
          code,
          body_lines: Math.max(0, lines.length - 2),
        }
        if (all) pair.text = doc ? text.slice(doc.pos, node.getEnd()) : code
        out.push(pair)
      }
    }
    ts.forEachChild(node, visit)
  }
  visit(source)
  return out
}

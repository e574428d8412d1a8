// JSDoc/code pairs from JavaScript sources, CodeSearchNet's way: the query is the first paragraph of
// a function's doc comment before its first `@` tag, the code is the function without the comment.
// Parsed with the TypeScript compiler's parser (a devDependency), never with regular expressions.
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

/** Every documented function of one file: {name, query, code, body_lines}. */
export function extractJs(fileName, text) {
  const source = ts.createSourceFile(fileName, text, ts.ScriptTarget.Latest, true, ts.ScriptKind.JS)
  const out = []
  const visit = (node) => {
    if (candidate(node)) {
      const ranges = ts.getLeadingCommentRanges(text, node.getFullStart()) ?? []
      const doc = ranges.filter((r) => text.startsWith('/**', r.pos)).pop()
      if (doc) {
        const code = text.slice(node.getStart(source), node.getEnd())
        const lines = code.split('\n').filter((l) => l.trim())
        out.push({
          name: nameOf(node),
          query: jsdocQuery(text.slice(doc.pos, doc.end)),
          code,
          body_lines: Math.max(0, lines.length - 2),
        })
      }
    }
    ts.forEachChild(node, visit)
  }
  visit(source)
  return out
}

// Functions and their doc comments from Go, Java and Rust sources, found with tree-sitter's grammars
// (WebAssembly builds from npm, bench/quality/parsers/: nothing to compile, the same parser family
// as crates/search's chunker), never with regular expressions over whole files.
//   Go:   function and method declarations; doc = the `//` lines directly above (no blank line
//         between; `//go:` and other directives left out), Go's doc-comment rule.
//   Java: method and constructor declarations with a body; doc = the `/** */` comment directly
//         before (annotations sit inside the declaration), cut at the first `@` tag.
//   Rust: `fn` items with a body (free, impl and trait default methods); doc = the `///` lines
//         above, attributes (`#[inline]`, ...) between them and the fn allowed.
// The query is the doc's first paragraph (Javadoc also ends one at `<p>`); inline markup that stands
// for the words it wraps ({@code x}, <code>x</code>, [`x`], [text](path)) becomes those words, and
// what is left (URLs, other HTML) is for the filters to count.
//
// Run as a child process by build-sets.mjs (the WebAssembly runtime loads asynchronously, the
// builder is synchronous):
//   node extract-tree-sitter.mjs LANGUAGE ROOT < files.json   -> one JSON array on stdout
// with {path, line, name, doc (null when none), code (without the doc), text (with it), body_lines}.
import { execFileSync } from 'node:child_process'
import { existsSync, readFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

const here = dirname(fileURLToPath(import.meta.url))
const parsers = join(here, 'parsers')

/** Installs the pinned parsers (package-lock.json, integrity-checked by npm) on first use. */
export function ensureParsers() {
  if (existsSync(join(parsers, 'node_modules', 'web-tree-sitter', 'package.json'))) return
  execFileSync('npm', ['ci', '--ignore-scripts', '--no-audit', '--no-fund', '--silent'], {
    cwd: parsers,
    stdio: ['ignore', 'ignore', 'inherit'],
  })
}

/** Dedents the lines after the first by the declaration's own column. */
function dedent(text, column) {
  const lines = text.split('\n')
  const strip = new RegExp(`^[ \\t]{0,${column}}`)
  return [lines[0], ...lines.slice(1).map((l) => l.replace(strip, ''))].join('\n')
}

/** First paragraph of doc lines (already stripped of their comment markers), joined by spaces. */
function firstParagraph(lines, { stopAtTag = false, stopAtP = false } = {}) {
  const out = []
  for (const raw of lines) {
    const line = raw.trim()
    if (stopAtTag && line.startsWith('@')) break
    if (stopAtP && /^<p\b/i.test(line)) {
      if (out.length) break
      continue
    }
    if (!line) {
      if (out.length) break
      continue
    }
    if (stopAtP && /<p\b[^>]*>/i.test(line)) {
      out.push(line.split(/<p\b[^>]*>/i)[0])
      break
    }
    out.push(line)
  }
  return out.join(' ').replace(/\s+/g, ' ').trim()
}

const javadocMarkup = (s) =>
  s
    .replace(/\{@(?:code|literal|link|linkplain|value)\s+([^}]*)\}/g, '$1')
    .replace(/\{@\w+\s*([^}]*)\}/g, '$1')
    .replace(/<\/?(?:code|tt|b|i|em|strong|var|sub|sup)>/gi, '')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&')
    .replace(/\s+/g, ' ')
    .trim()

const markdownLinks = (s) =>
  s
    .replace(/\[([^\]]+)\]\((?!https?:)[^)\s]*\)/g, '$1')
    .replace(/\[([^\]]+)\]\[[^\]]*\]/g, '$1')
    .replace(/\[(`[^`\]]+`)\]/g, '$1')
    .replace(/\s+/g, ' ')
    .trim()

const LANGUAGES = {
  go: {
    grammar: 'tree-sitter-go/tree-sitter-go.wasm',
    functions: new Set(['function_declaration', 'method_declaration']),
    hasBody: (n) => n.childForFieldName('body') !== null,
    doc(node) {
      const lines = []
      let next = node
      for (let c = node.previousSibling; c && c.type === 'comment'; c = c.previousSibling) {
        if (c.endPosition.row !== next.startPosition.row - 1 || !c.text.startsWith('//')) break
        lines.unshift(c.text)
        next = c
      }
      if (!lines.length) return null
      const text = lines
        .filter((l) => !/^\/\/(go:|line |export |extern |nolint|lint:)/.test(l))
        .map((l) => l.replace(/^\/\/ ?/, ''))
      return { first: next, query: firstParagraph(text) }
    },
  },
  java: {
    grammar: 'tree-sitter-java/tree-sitter-java.wasm',
    functions: new Set(['method_declaration', 'constructor_declaration']),
    hasBody: (n) => n.childForFieldName('body') !== null,
    doc(node) {
      const c = node.previousSibling
      if (!c || c.type !== 'block_comment' || !c.text.startsWith('/**')) return null
      const lines = c.text
        .replace(/^\/\*\*/, '')
        .replace(/\*\/$/, '')
        .split('\n')
        .map((l) => l.replace(/^\s*\*(?!\/) ?/, ''))
      return { first: c, query: javadocMarkup(firstParagraph(lines, { stopAtTag: true, stopAtP: true })) }
    },
  },
  rust: {
    grammar: 'tree-sitter-rust/tree-sitter-rust.wasm',
    functions: new Set(['function_item']),
    hasBody: (n) => n.childForFieldName('body') !== null,
    doc(node) {
      const lines = []
      let first = null
      for (let c = node.previousSibling; c; c = c.previousSibling) {
        if (c.type === 'attribute_item') continue
        if (c.type !== 'line_comment' || !c.text.startsWith('///') || c.text.startsWith('////')) break
        lines.unshift(c.text.replace(/^\/\/\/ ?/, '').replace(/\n$/, ''))
        first = c
      }
      if (!first) return null
      // Code blocks (```) are examples, never the summary.
      const prose = []
      let fenced = false
      for (const l of lines) {
        if (/^\s*```/.test(l)) {
          fenced = !fenced
          prose.push('')
          continue
        }
        if (!fenced) prose.push(/^\s*#+\s/.test(l) ? '' : l)
      }
      return { first, query: markdownLinks(firstParagraph(prose)) }
    },
  },
}

/** Every function of one file with a body, documented or not. */
function extract(language, parser, path, text) {
  const rules = LANGUAGES[language]
  const tree = parser.parse(text)
  const out = []
  const stack = [tree.rootNode]
  while (stack.length) {
    const node = stack.pop()
    if (rules.functions.has(node.type) && rules.hasBody(node)) {
      const doc = rules.doc(node)
      const code = dedent(node.text, node.startPosition.column)
      const start = doc ? doc.first : node
      const full = dedent(text.slice(start.startIndex, node.endIndex), start.startPosition.column)
      const lines = code.split('\n').filter((l) => l.trim())
      out.push({
        path,
        line: node.startPosition.row + 1,
        name: node.childForFieldName('name')?.text ?? '',
        doc: doc && doc.query ? doc.query : null,
        code,
        text: full,
        body_lines: Math.max(0, lines.length - 2),
      })
    }
    // Children in reverse so that the pop order is source order.
    for (let i = node.namedChildCount - 1; i >= 0; i--) stack.push(node.namedChild(i))
  }
  tree.delete()
  return out
}

async function main() {
  const [language, root] = process.argv.slice(2)
  if (!LANGUAGES[language]) throw new Error(`extract-tree-sitter: no language ${language}`)
  const { Parser, Language } = await import(join(parsers, 'node_modules', 'web-tree-sitter', 'tree-sitter.js'))
  await Parser.init()
  const parser = new Parser()
  parser.setLanguage(await Language.load(join(parsers, 'node_modules', LANGUAGES[language].grammar)))
  const files = JSON.parse(readFileSync(0, 'utf8'))
  const out = []
  for (const path of files) out.push(...extract(language, parser, path, readFileSync(join(root, path), 'utf8')))
  process.stdout.write(JSON.stringify(out))
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await main()

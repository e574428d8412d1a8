// The static tier's training corpus: functions of the TRAINING packages (bench/quality/packages.mjs,
// disjoint from every evaluation set: assertDisjoint and build-sets' code-hash check) as the JSON
// Lines `distill --corpus` reads: each function's code as a document, the first paragraph of its
// doc comment (3 words or more) as a query.
//   node bench/quality/static-corpus.mjs [--out .cache/static-corpus.jsonl] [--per-language N]
//                                        [--max-chars N] [--hold-out 0.2]
// --hold-out keeps a share of each language's packages out of the corpus (for choosing the fit's
// settings on them: static-levers.mjs); the default corpus holds every training package.
import { createHash } from 'node:crypto'
import { mkdirSync, writeFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'

import { LANGUAGES, loadTraining } from './build-sets.mjs'

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..')
export const DEFAULT_CORPUS = join(root, '.cache', 'static-corpus.jsonl')
// The shipped corpus's size: 400 functions a language (code cut near 600 characters, plus their doc
// queries), about 3,300 texts: MiniLM embeds them in ~1.5 min on 2 cores, the 12-layer models in
// ~3, which keeps `npm run bench:quality` within its hour. The levers table (BENCHMARKS.md) measured
// the fit at this size.
const PER_LANGUAGE = 400
const MAX_CHARS = 600

/** The package a training function comes from: its source path up to the first component naming a
 *  version (name@version), e.g. `github.com/urfave/cli/v2@v2.27.5` or `networkx@3.4.2`. */
export function packageOf(source) {
  const parts = source.split('/')
  const i = parts.findIndex((c) => c.slice(1).includes('@'))
  return i < 0 ? parts[0] : parts.slice(0, i + 1).join('/')
}

/** First paragraph of a doc comment, whitespace collapsed; '' when under 3 words. */
export function docQuery(doc) {
  const q = (doc ?? '')
    .trim()
    .split(/\n\s*\n/)[0]
    .replace(/\s+/g, ' ')
    .trim()
  return q.split(' ').length >= 3 ? q : ''
}

/** The held-out packages of one language: in sha256(name) order, packages join until they hold
 *  `share` of its documented functions (a package holding over half of them never does). */
export function heldOutPackages(rows, share) {
  const documented = new Map()
  for (const r of rows)
    if (docQuery(r.doc)) documented.set(packageOf(r.source), (documented.get(packageOf(r.source)) ?? 0) + 1)
  const total = [...documented.values()].reduce((a, b) => a + b, 0)
  const hash = (s) => createHash('sha256').update(s).digest('hex')
  const chosen = new Set()
  let have = 0
  for (const name of [...documented.keys()].sort((a, b) => hash(a).localeCompare(hash(b)))) {
    if (have >= share * total) break
    if (documented.get(name) > total / 2) continue
    chosen.add(name)
    have += documented.get(name)
  }
  return chosen
}

/** The corpus's lines for one language's rows (code cut at maxChars, at a line end where one is near). */
export function corpusLines(rows, { perLanguage = PER_LANGUAGE, maxChars = MAX_CHARS } = {}) {
  const cut = (code) => {
    if (code.length <= maxChars) return code
    const end = code.lastIndexOf('\n', maxChars)
    return code.slice(0, end > maxChars / 2 ? end : maxChars)
  }
  const lines = []
  for (const r of rows.slice(0, perLanguage)) {
    lines.push(JSON.stringify({ text: cut(r.code) }))
    const q = docQuery(r.doc)
    if (q) lines.push(JSON.stringify({ text: q, kind: 'query' }))
  }
  return lines
}

/** Writes the corpus; returns {file, texts, heldOut: {language: Set of packages}}. */
export function writeCorpus({ out = DEFAULT_CORPUS, languages = LANGUAGES, perLanguage, maxChars, holdOut = 0 } = {}) {
  const lines = []
  const heldOut = {}
  for (const language of languages) {
    const rows = loadTraining(language)
    heldOut[language] = holdOut > 0 ? heldOutPackages(rows, holdOut) : new Set()
    const kept = rows.filter((r) => !heldOut[language].has(packageOf(r.source)))
    lines.push(...corpusLines(kept, { perLanguage, maxChars }))
  }
  mkdirSync(dirname(out), { recursive: true })
  writeFileSync(out, lines.join('\n') + '\n')
  return { file: out, texts: lines.length, heldOut }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const { values } = parseArgs({
    options: {
      out: { type: 'string', default: DEFAULT_CORPUS },
      'per-language': { type: 'string', default: String(PER_LANGUAGE) },
      'max-chars': { type: 'string', default: String(MAX_CHARS) },
      'hold-out': { type: 'string', default: '0' },
    },
  })
  const r = writeCorpus({
    out: values.out,
    perLanguage: Number(values['per-language']),
    maxChars: Number(values['max-chars']),
    holdOut: Number(values['hold-out']),
  })
  console.log(`${r.file}: ${r.texts} texts`)
}

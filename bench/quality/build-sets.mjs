// Builds the code-retrieval sets from source that ships in packages (CodeSearchNet's recipe, NOTES.md):
// Python from this interpreter's standard library, JavaScript from pinned npm packages with JSDoc.
// Writes .cache/quality/sets/<language>.jsonl ({id, query, code, source, name}) and manifest.json
// with the versions and what each filter dropped.
//   node bench/quality/build-sets.mjs
import { execFileSync } from 'node:child_process'
import { createHash } from 'node:crypto'
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs'
import { dirname, join, relative } from 'node:path'
import { fileURLToPath } from 'node:url'

import { documented, python, TEST_PATH } from '../corpus/index.cjs'
import { extractJs } from './extract-js.mjs'

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..')
const cache = join(root, '.cache', 'quality')
const out = join(cache, 'sets')

/** npm packages whose published files carry JSDoc on real function bodies; `dirs` are the roots read. */
export const JS_SOURCES = [
  { name: 'lodash', version: '4.17.21', dirs: ['.'], skip: /^(lodash|core|fp)(\.min)?\.js$/ },
  { name: 'ramda', version: '0.30.1', dirs: ['src'] },
  { name: 'async', version: '3.2.6', dirs: ['.', 'internal'] },
  { name: 'date-fns', version: '4.1.0', dirs: ['.'], skip: /\.cjs$/ },
  { name: 'mathjs', version: '13.2.0', dirs: ['lib/esm'] },
  { name: 'axios', version: '1.7.7', dirs: ['lib'] },
  { name: 'express', version: '4.21.1', dirs: ['lib'] },
  { name: 'moment', version: '2.30.1', dirs: ['src/lib'] },
  { name: 'validator', version: '13.12.0', dirs: ['es/lib'] },
]

function fetchPackage({ name, version }) {
  const dir = join(cache, 'src', `${name}-${version}`)
  if (existsSync(join(dir, 'package', 'package.json'))) return join(dir, 'package')
  mkdirSync(dir, { recursive: true })
  const tgz = execFileSync('npm', ['pack', '--silent', `${name}@${version}`], { cwd: dir })
    .toString()
    .trim()
    .split('\n')
    .pop()
  execFileSync('tar', ['xzf', tgz], { cwd: dir })
  return join(dir, 'package')
}

function* jsFiles(dir, recursive) {
  for (const entry of readdirSync(dir).sort()) {
    const path = join(dir, entry)
    const s = statSync(path)
    if (s.isDirectory()) {
      if (recursive && entry !== 'node_modules' && !entry.startsWith('.')) yield* jsFiles(path, true)
    } else if (/\.(c|m)?js$/.test(entry) && !entry.endsWith('.min.js')) yield path
  }
}

function javascriptPairs(counts) {
  const pairs = []
  const versions = {}
  for (const source of JS_SOURCES) {
    const pkg = fetchPackage(source)
    versions[source.name] = source.version
    for (const d of source.dirs) {
      for (const file of jsFiles(join(pkg, d), d !== '.')) {
        const rel = relative(pkg, file)
        if (source.skip?.test(rel.split('/').pop())) continue
        const found = extractJs(file, readFileSync(file, 'utf8'))
        counts.documented += found.length
        for (const p of found) pairs.push({ ...p, source: `${source.name}@${source.version}/${rel}` })
      }
    }
  }
  return { pairs, versions }
}

/** The documented functions of the corpus (bench/corpus: Python's ast over this interpreter's
 *  standard library, `PYTHON` or python3), test code included: filter() counts what it drops. */
function pythonPairs(counts) {
  const { version } = python()
  const pairs = documented().map((f) => ({
    name: f.name,
    query: f.doc,
    code: f.code,
    body_lines: f.bodyLines,
    path: f.path,
    source: `cpython-${version}/Lib/${f.path}`,
  }))
  counts.documented += pairs.length
  return { pairs, versions: { cpython: version } }
}

const words = (s) => s.split(/\s+/).filter(Boolean)
const approxTokens = (s) => (s.match(/\w+|[^\s\w]/g) ?? []).length
const codeTokens = (s) => s.match(/[A-Za-z_$][\w$]*|\d+|[^\s\w]/g) ?? []

/** 32-bit FNV-1a. */
function fnv(s, seed = 0x811c9dc5) {
  let h = seed >>> 0
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193) >>> 0
  return h
}

/** Drops exact duplicates (whitespace-normalised) and near duplicates (Jaccard >= 0.8 over token
 *  3-grams, candidates from MinHash LSH: 16 bands of 4). The first occurrence is kept. */
function dedupe(pairs, counts) {
  const seen = new Set()
  const unique = []
  for (const p of pairs) {
    const key = createHash('sha1').update(codeTokens(p.code).join(' ')).digest('hex')
    if (seen.has(key)) counts.exactDuplicate++
    else {
      seen.add(key)
      unique.push(p)
    }
  }
  const shingles = unique.map((p) => {
    const t = codeTokens(p.code)
    const set = new Set()
    for (let i = 0; i + 2 < t.length; i++) set.add(fnv(`${t[i]} ${t[i + 1]} ${t[i + 2]}`))
    if (t.length < 3) set.add(fnv(t.join(' ')))
    return set
  })
  const HASHES = 64
  const BAND = 4
  const buckets = new Map()
  const dropped = new Set()
  for (let i = 0; i < unique.length; i++) {
    const sig = new Uint32Array(HASHES).fill(0xffffffff)
    for (const s of shingles[i]) {
      for (let k = 0; k < HASHES; k++) {
        const h = Math.imul(s ^ (k * 0x9e3779b1), 0x85ebca6b) >>> 0
        if (h < sig[k]) sig[k] = h
      }
    }
    let duplicate = false
    for (let b = 0; b < HASHES / BAND && !duplicate; b++) {
      const key = `${b}:${Array.from(sig.subarray(b * BAND, b * BAND + BAND)).join(',')}`
      const bucket = buckets.get(key) ?? []
      for (const j of bucket) {
        let inter = 0
        for (const s of shingles[i]) if (shingles[j].has(s)) inter++
        if (inter / (shingles[i].size + shingles[j].size - inter) >= 0.8) {
          duplicate = true
          break
        }
      }
      if (!duplicate) buckets.set(key, bucket.concat(i))
    }
    if (duplicate) dropped.add(i)
  }
  counts.nearDuplicate += dropped.size
  return unique.filter((_, i) => !dropped.has(i))
}

/** CodeSearchNet's filters, each counted. */
function filter(pairs, counts) {
  const kept = []
  for (const p of pairs) {
    const reason = TEST_PATH.test(p.source)
      ? 'testFile'
      : /test/i.test(p.name)
        ? 'testFunction'
        : p.body_lines <= 2
          ? 'shortBody'
          : words(p.query).length < 3
            ? 'shortQuery'
            : approxTokens(p.query) > 256
              ? 'longQuery'
              : /https?:\/\/|www\./i.test(p.query)
                ? 'url'
                : /<\/?[a-z][^>]*>/i.test(p.query)
                  ? 'html'
                  : null
    if (reason) counts[reason] = (counts[reason] ?? 0) + 1
    else kept.push(p)
  }
  return dedupe(kept, counts)
}

export function buildSets() {
  mkdirSync(out, { recursive: true })
  const manifest = { built: new Date().toISOString(), recipe: 'NOTES.md: CodeSearchNet', languages: {} }
  for (const [language, collect] of [
    ['python', pythonPairs],
    ['javascript', javascriptPairs],
  ]) {
    const counts = {
      documented: 0,
      testFile: 0,
      testFunction: 0,
      shortBody: 0,
      shortQuery: 0,
      longQuery: 0,
      url: 0,
      html: 0,
      exactDuplicate: 0,
      nearDuplicate: 0,
    }
    const { pairs, versions } = collect(counts)
    const kept = filter(pairs, counts)
    const lines = kept.map((p, i) =>
      JSON.stringify({ id: `${language}-${i}`, query: p.query, code: p.code, source: p.source, name: p.name }),
    )
    writeFileSync(join(out, `${language}.jsonl`), lines.join('\n') + '\n')
    manifest.languages[language] = { pairs: kept.length, sources: versions, dropped: counts }
    console.log(
      `${language}: ${kept.length} pairs from ${counts.documented} documented functions (${JSON.stringify(counts)})`,
    )
  }
  writeFileSync(join(out, 'manifest.json'), JSON.stringify(manifest, null, 2) + '\n')
  return manifest
}

/** The sets, built on first use. */
export function loadSet(language) {
  const file = join(out, `${language}.jsonl`)
  if (!existsSync(file)) buildSets()
  return readFileSync(file, 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l))
}

if (process.argv[1] === fileURLToPath(import.meta.url)) buildSets()

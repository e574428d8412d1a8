// Builds the code-retrieval sets from source that ships in packages (CodeSearchNet's recipe, NOTES.md):
// Python from this interpreter's standard library; JavaScript, TypeScript, Go, Java and Rust from
// third-party packages pinned in packages.mjs (version and sha256), fetched by their registries'
// clients (fetch.mjs). Writes .cache/quality/sets/<language>.jsonl ({id, query, code, source, name})
// and manifest.json: the packages (versions, licences, hashes), what each filter dropped, the sample.
// Also builds the training corpus (buildTraining): functions of packages that no set holds, in
// .cache/quality/training/<language>.jsonl ({id, text, code, doc, name, source}).
// Both manifests, without their dates, are also written to bench/quality/sets.json (committed).
//   node bench/quality/build-sets.mjs [--languages go,rust] [--no-training]
//
// Parsers: Python's ast (bench/corpus/), the TypeScript compiler for JavaScript and TypeScript
// (extract-js.mjs), tree-sitter's WebAssembly grammars for Go, Java and Rust (extract-tree-sitter.mjs).
import { execFileSync } from 'node:child_process'
import { createHash } from 'node:crypto'
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs'
import { dirname, join, relative } from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'

import { documented, python, TEST_PATH } from '../corpus/index.cjs'
import { extractJs } from './extract-js.mjs'
import { ensureParsers } from './extract-tree-sitter.mjs'
import { fetchPackage } from './fetch.mjs'
import { assertDisjoint, EVALUATION, TRAINING } from './packages.mjs'

export { evaluationPackages, trainingPackages } from './packages.mjs'

const here = dirname(fileURLToPath(import.meta.url))
const root = join(here, '..', '..')
const cache = join(root, '.cache', 'quality')
const out = join(cache, 'sets')
const trainingOut = join(cache, 'training')

/** Every language with a set, in the order the manifest lists them. */
export const LANGUAGES = ['python', 'javascript', 'go', 'java', 'typescript', 'rust']
/** The new sets' size: a hash-ordered sample of what the filters keep, at most PER_PACKAGE from one
 *  package (so no one package is most of a set). Python and JavaScript keep every pair, as when
 *  their figures were first published. */
const CAP = { go: 2000, java: 2000, typescript: 2000, rust: 2000 }
const PER_PACKAGE = 500
/** The training corpus: at most this many functions per language, TRAINING_PER_PACKAGE from one package. */
const TRAINING_CAP = 5000
const TRAINING_PER_PACKAGE = 2000

/** npm packages whose published files carry JSDoc on real function bodies; `dirs` are the roots read. */
export const JS_SOURCES = EVALUATION.javascript

const EXTENSIONS = {
  javascript: /\.(c|m)?js$/,
  typescript: /(?<!\.d)\.(c|m)?ts$/,
  go: /\.go$/,
  java: /\.java$/,
  rust: /\.rs$/,
}

/** Files of a language under dir, sorted; `recursive` false reads dir itself only. */
function* sourceFiles(dir, language, recursive) {
  if (!existsSync(dir)) return
  for (const entry of readdirSync(dir).sort()) {
    const path = join(dir, entry)
    const s = statSync(path)
    if (s.isDirectory()) {
      if (recursive && entry !== 'node_modules' && entry !== 'testdata' && !entry.startsWith('.')) {
        yield* sourceFiles(path, language, true)
      }
    } else if (EXTENSIONS[language].test(entry) && !entry.endsWith('.min.js')) yield path
  }
}

/** Files whose head says a tool wrote them (Go's `Code generated ... DO NOT EDIT.`, `@generated`). */
const generated = (text) => /Code generated .*DO NOT EDIT|@generated|DO NOT EDIT/.test(text.slice(0, 2000))

/** The files of one pinned package: [{file, rel}] (JavaScript's `dirs` read '.' alone, the others recursively). */
function packageFiles(pin, language, counts) {
  const pkg = fetchPackage(pin)
  const files = []
  for (const d of pin.dirs ?? ['.']) {
    const recursive = language === 'javascript' ? d !== '.' : true
    for (const file of sourceFiles(join(pkg, d), language, recursive)) {
      const rel = relative(pkg, file)
      if (pin.skip?.test(rel.split('/').pop())) continue
      if (language !== 'javascript' && generated(readFileSync(file, 'utf8'))) {
        counts.generatedFiles = (counts.generatedFiles ?? 0) + 1
        continue
      }
      files.push({ file, rel })
    }
  }
  return { pkg, files }
}

const sourceOf = (pin, rel) => `${pin.name}@${pin.version}/${rel}`
const described = (pin) => ({
  registry: pin.registry,
  name: pin.name,
  version: pin.version,
  sha256: pin.sha256,
  license: pin.license,
  domain: pin.domain,
})

/** Every function (documented or not) of the pinned packages of one language: {name, query, code,
 *  text, body_lines, source, package}. */
function functionsOf(language, pins, counts) {
  const found = []
  for (const pin of pins) {
    const { pkg, files } = packageFiles(pin, language, counts)
    if (language === 'javascript' || language === 'typescript') {
      for (const { file, rel } of files) {
        const options = { typescript: language === 'typescript', all: true }
        for (const f of extractJs(file, readFileSync(file, 'utf8'), options)) {
          found.push({ ...f, source: sourceOf(pin, rel), package: pin.name })
        }
      }
    } else {
      ensureParsers()
      const rels = files.map((f) => f.rel)
      const json = execFileSync(process.execPath, [join(here, 'extract-tree-sitter.mjs'), language, pkg], {
        input: JSON.stringify(rels),
        maxBuffer: 1 << 30,
        stdio: ['pipe', 'pipe', 'inherit'],
      })
      for (const f of JSON.parse(json)) {
        found.push({
          name: f.name,
          query: f.doc,
          code: f.code,
          text: f.text,
          body_lines: f.body_lines,
          source: sourceOf(pin, f.path),
          package: pin.name,
        })
      }
    }
  }
  return found
}

/** The documented functions of a language's evaluation packages. */
function packagePairs(language) {
  return (counts) => {
    const pins = EVALUATION[language]
    const pairs = functionsOf(language, pins, counts).filter((f) => f.query !== null)
    counts.documented += pairs.length
    return {
      pairs,
      versions: Object.fromEntries(pins.map((p) => [p.name, p.version])),
      packages: pins.map(described),
    }
  }
}

/** JavaScript's pairs, as first published: documented functions only, no generated-file rule. */
function javascriptPairs(counts) {
  const pairs = []
  for (const pin of EVALUATION.javascript) {
    const { files } = packageFiles(pin, 'javascript', counts)
    for (const { file, rel } of files) {
      const found = extractJs(file, readFileSync(file, 'utf8'))
      counts.documented += found.length
      for (const p of found) pairs.push({ ...p, source: sourceOf(pin, rel), package: pin.name })
    }
  }
  return {
    pairs,
    versions: Object.fromEntries(EVALUATION.javascript.map((p) => [p.name, p.version])),
    packages: EVALUATION.javascript.map(described),
  }
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
    package: 'cpython',
  }))
  counts.documented += pairs.length
  return {
    pairs,
    versions: { cpython: version },
    packages: [{ registry: 'interpreter', name: 'cpython', version, license: 'PSF-2.0', domain: 'standard library' }],
  }
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

/** Hash order: the same on every run and machine, spread over every package and file. */
const hashOf = (p) => createHash('sha256').update(`${p.source}\n${p.name}\n${p.code}`).digest('hex')

/** The items sorted by hashOf. */
const inHashOrder = (items) =>
  items
    .map((p) => ({ p, h: hashOf(p) }))
    .sort((a, b) => (a.h < b.h ? -1 : a.h > b.h ? 1 : 0))
    .map(({ p }) => p)

/** The first `cap` items in hash order, at most `perPackage` of one package, counted in counts. */
function sample(items, cap, perPackage, counts) {
  const ordered = inHashOrder(items)
  const taken = new Map()
  const kept = []
  counts.packageCap = 0
  counts.sampledOut = 0
  for (const p of ordered) {
    const n = taken.get(p.package) ?? 0
    if (n >= perPackage) counts.packageCap++
    else if (kept.length >= cap) counts.sampledOut++
    else {
      taken.set(p.package, n + 1)
      kept.push(p)
    }
  }
  return kept
}

const COLLECT = {
  python: pythonPairs,
  javascript: javascriptPairs,
  go: packagePairs('go'),
  java: packagePairs('java'),
  typescript: packagePairs('typescript'),
  rust: packagePairs('rust'),
}

const readJson = (file) => (existsSync(file) ? JSON.parse(readFileSync(file, 'utf8')) : null)

/** The manifest without its dates, committed as bench/quality/sets.json. */
function record() {
  const sets = readJson(join(out, 'manifest.json'))
  const training = readJson(join(trainingOut, 'manifest.json'))
  const undated = (m) => (m ? { ...m, built: undefined } : null)
  writeFileSync(
    join(here, 'sets.json'),
    JSON.stringify({ evaluation: undated(sets), training: undated(training) }, null, 2) + '\n',
  )
}

/** Builds the sets of `languages` (default all) and merges them into manifest.json. */
export function buildSets(languages = LANGUAGES) {
  assertDisjoint()
  mkdirSync(out, { recursive: true })
  const previous = readJson(join(out, 'manifest.json'))
  const manifest = {
    built: new Date().toISOString(),
    recipe: 'NOTES.md: CodeSearchNet',
    order: 'python, javascript: extraction order; the others: sha256 of source, name and code',
    languages: {},
  }
  for (const language of LANGUAGES) {
    if (!languages.includes(language)) {
      if (previous?.languages?.[language]) manifest.languages[language] = previous.languages[language]
      continue
    }
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
    const { pairs, versions, packages } = COLLECT[language](counts)
    let kept = filter(pairs, counts)
    if (CAP[language]) kept = sample(kept, CAP[language], PER_PACKAGE, counts)
    const lines = kept.map((p, i) =>
      JSON.stringify({ id: `${language}-${i}`, query: p.query, code: p.code, source: p.source, name: p.name }),
    )
    writeFileSync(join(out, `${language}.jsonl`), lines.join('\n') + '\n')
    const perPackage = {}
    for (const p of pairs) (perPackage[p.package] ??= { documented: 0, pairs: 0 }).documented++
    for (const p of kept) perPackage[p.package].pairs++
    manifest.languages[language] = {
      pairs: kept.length,
      sources: versions,
      packages: packages.map((p) => ({ ...p, ...(perPackage[p.name] ?? { documented: 0, pairs: 0 }) })),
      dropped: counts,
      ...(CAP[language] ? { cap: CAP[language], perPackage: PER_PACKAGE } : {}),
    }
    console.log(
      `${language}: ${kept.length} pairs from ${counts.documented} documented functions (${JSON.stringify(counts)})`,
    )
  }
  writeFileSync(join(out, 'manifest.json'), JSON.stringify(manifest, null, 2) + '\n')
  record()
  return manifest
}

/** Python's training functions: extract_python.py (bench/corpus/) over each unpacked wheel. */
function pythonFunctions(pins) {
  const found = []
  for (const pin of pins) {
    const pkg = fetchPackage(pin)
    const lines = execFileSync(python().executable, [join(root, 'bench', 'corpus', 'extract_python.py'), pkg], {
      maxBuffer: 1 << 30,
    })
      .toString()
      .trim()
      .split('\n')
    for (const line of lines) {
      const r = JSON.parse(line)
      found.push({
        name: r.name,
        query: r.doc,
        code: r.code,
        text: r.text,
        body_lines: r.body_lines,
        source: sourceOf(pin, r.path),
        package: pin.name,
      })
    }
  }
  return found
}

/** The training corpus: every function (documented or not) of the TRAINING packages, less test code,
 *  bodies of <= 2 lines, exact duplicates and any function whose code is in an evaluation set;
 *  a hash-ordered sample of TRAINING_CAP per language. Writes .cache/quality/training/. */
export function buildTraining() {
  assertDisjoint()
  mkdirSync(trainingOut, { recursive: true })
  const evaluated = new Set()
  for (const language of LANGUAGES) {
    for (const p of loadSet(language))
      evaluated.add(createHash('sha1').update(codeTokens(p.code).join(' ')).digest('hex'))
  }
  const manifest = {
    built: new Date().toISOString(),
    rule: `every function of the training packages with a body of 3 lines or more, outside test code, exact duplicates and evaluation code dropped; at most ${TRAINING_CAP} per language in sha256 order, ${TRAINING_PER_PACKAGE} from one package`,
    languages: {},
  }
  for (const language of LANGUAGES) {
    const pins = TRAINING[language]
    const counts = { functions: 0, testFile: 0, testFunction: 0, shortBody: 0, exactDuplicate: 0, inEvaluation: 0 }
    const all = language === 'python' ? pythonFunctions(pins) : functionsOf(language, pins, counts)
    counts.functions = all.length
    const seen = new Set()
    const kept = []
    for (const f of all) {
      const key = createHash('sha1').update(codeTokens(f.code).join(' ')).digest('hex')
      const reason = TEST_PATH.test(f.source)
        ? 'testFile'
        : /test/i.test(f.name)
          ? 'testFunction'
          : f.body_lines <= 2
            ? 'shortBody'
            : evaluated.has(key)
              ? 'inEvaluation'
              : seen.has(key)
                ? 'exactDuplicate'
                : null
      if (reason) counts[reason]++
      else {
        seen.add(key)
        kept.push(f)
      }
    }
    const chosen = sample(kept, TRAINING_CAP, TRAINING_PER_PACKAGE, counts)
    const lines = chosen.map((f, i) =>
      JSON.stringify({
        id: `${language}-train-${i}`,
        text: f.text,
        code: f.code,
        doc: f.query || null,
        name: f.name,
        source: f.source,
      }),
    )
    writeFileSync(join(trainingOut, `${language}.jsonl`), lines.join('\n') + '\n')
    const perPackage = {}
    for (const f of chosen) perPackage[f.package] = (perPackage[f.package] ?? 0) + 1
    manifest.languages[language] = {
      functions: chosen.length,
      documented: chosen.filter((f) => f.query).length,
      packages: pins.map((p) => ({ ...described(p), functions: perPackage[p.name] ?? 0 })),
      dropped: counts,
    }
    console.log(`${language} training: ${chosen.length} functions (${JSON.stringify(counts)})`)
  }
  writeFileSync(join(trainingOut, 'manifest.json'), JSON.stringify(manifest, null, 2) + '\n')
  record()
  return manifest
}

/** The sets, built on first use. */
export function loadSet(language, limit) {
  const file = join(out, `${language}.jsonl`)
  if (!existsSync(file)) buildSets([language])
  const pairs = readFileSync(file, 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l))
  return limit === undefined ? pairs : firstInHashOrder(pairs, limit)
}

/** `limit` pairs spread over the whole set (the older Python and JavaScript sets are in file order,
 *  so their first pairs would all come from a few modules), in the set's own order. */
export function firstInHashOrder(pairs, limit) {
  if (pairs.length <= limit) return pairs
  const keep = new Set(inHashOrder(pairs).slice(0, limit))
  return pairs.filter((p) => keep.has(p))
}

/** The training corpus of one language ({id, text, code, doc, name, source}), built on first use. */
export function loadTraining(language) {
  const file = join(trainingOut, `${language}.jsonl`)
  if (!existsSync(file)) buildTraining()
  return readFileSync(file, 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l))
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const { values } = parseArgs({
    options: { languages: { type: 'string' }, 'no-training': { type: 'boolean', default: false } },
  })
  buildSets(values.languages ? values.languages.split(',') : LANGUAGES)
  if (!values['no-training']) buildTraining()
}

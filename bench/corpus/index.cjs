// The code corpus of the repository: functions of this machine's Python standard library, found by
// Python's own parser (extract_python.py, next to this file), for the tests (__test__/helpers.ts),
// the benchmarks (bench/*.mjs, bench/quality/build-sets.mjs) and the demo (scripts/demo.mjs).
//
// One extraction, cached: the first call runs extract_python.py over the standard library (about
// half a minute) and writes .cache/corpus/<implementation>-<version>-<hash>.json, keyed by the
// Python version (the hash covers the extractor's source and the library's path), so later calls,
// in any process, only read it. `PYTHON` names the interpreter (default python3).
//
// Named samples: sample(use, n) is the first n functions, in one fixed order, that pass the rule
// of that use (SAMPLES below). The order is a shuffle by hash of each function's file and qualified
// name, the same on every run, so that
//   - the same call gives the same texts on the same Python version (and nearly the same on another:
//     a function keeps its place while others come and go);
//   - a smaller n is a prefix of a larger one: sample('tests', 36) is the start of sample('tests', 400);
//   - a sample spreads over the whole library, not its first files alphabetically;
//   - uses that report figures to compare take the same sample (portable = throughput).
// BENCHMARKS.md names the sample each table's texts came from.
//
// CommonJS (.cjs) so that both the ESM benchmarks (`import { sample } from './corpus/index.cjs'`)
// and the tests (TypeScript run by tsx as CommonJS) load it; index.d.cts gives its types.
'use strict'

const { execFileSync } = require('node:child_process')
const { createHash } = require('node:crypto')
const { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } = require('node:fs')
const { join } = require('node:path')

const root = join(__dirname, '..', '..')
const script = join(__dirname, 'extract_python.py')

/** Paths of test code (Lib/test, idlelib/idle_test, lib2to3/tests, ...): not in the corpus. */
const TEST_PATH = /(^|[/_.-])(tests?|testing|spec|__tests__|idle_test)([/_.-]|$)/i

const lineCount = (f) => f.text.split('\n').length
/** MiniLM's context is 512 tokens, about 2,000 characters of Python: whole functions that fit. */
const fits = (f) => f.text.length <= 2000

/** The samples, by use: what each takes (`keep`), described in `rule`; a string is another use's sample. */
const SAMPLES = {
  tests: {
    rule: 'functions of 3 lines or more, any length (the tests cut them to the size they need)',
    keep: (f) => lineCount(f) >= 3,
  },
  demo: {
    rule: 'functions of 3 lines or more and at most 2,000 characters',
    keep: (f) => lineCount(f) >= 3 && fits(f),
  },
  throughput: {
    rule: 'documented functions (a first docstring paragraph of 12 to 200 characters: the query) of 4 lines or more and at most 2,000 characters',
    keep: (f) => f.doc !== null && f.doc.length >= 12 && f.doc.length <= 200 && lineCount(f) >= 4 && fits(f),
  },
  // portable.mjs reports docs/s of the same documents as throughput.mjs's code workload.
  portable: 'throughput',
  concurrency: {
    rule: 'functions of 3 lines or more and at most 2,000 characters (short: the def line; mixed: the first 1 to 12 lines)',
    keep: (f) => lineCount(f) >= 3 && fits(f),
  },
  adapters: {
    rule: 'every function (its def line and first docstring paragraph are the short texts)',
    keep: () => true,
  },
}

let interpreter
/** The interpreter the corpus comes from: `PYTHON` or python3. */
function python() {
  if (!interpreter) {
    const executable = process.env.PYTHON || 'python3'
    const code =
      'import json, platform, sysconfig; print(json.dumps([platform.python_implementation(), platform.python_version(), sysconfig.get_paths()["stdlib"]]))'
    const [implementation, version, stdlib] = JSON.parse(execFileSync(executable, ['-c', code]).toString())
    interpreter = { executable, implementation, version, stdlib }
  }
  return interpreter
}

let records
/** Every record of the cache, in extraction order (sorted files, then ast.walk order). */
function load() {
  if (records) return records
  const py = python()
  const key = createHash('sha256').update(readFileSync(script)).update(py.stdlib).digest('hex').slice(0, 12)
  const file = join(root, '.cache', 'corpus', `${py.implementation.toLowerCase()}-${py.version}-${key}.json`)
  let raw
  if (existsSync(file)) raw = JSON.parse(readFileSync(file, 'utf8')).functions
  else {
    process.stderr.write(
      `corpus: extracting the functions of ${py.implementation} ${py.version}'s standard library (once, into ${file})\n`,
    )
    const lines = execFileSync(py.executable, [script, py.stdlib], { maxBuffer: 1 << 30 })
      .toString()
      .trim()
      .split('\n')
    raw = []
    for (const line of lines) {
      const r = JSON.parse(line)
      const test = TEST_PATH.test(r.path)
      // Test code stays out of the corpus; its documented functions are kept for the quality
      // benchmark, which counts what it drops.
      if (test && r.doc === null) continue
      raw.push({
        path: r.path,
        line: r.line,
        name: r.name,
        qualname: r.qualname,
        text: r.text,
        defLine: r.def_line,
        doc: r.doc,
        code: r.code === r.text ? null : r.code,
        bodyLines: r.body_lines,
        test,
      })
    }
    mkdirSync(join(root, '.cache', 'corpus'), { recursive: true })
    const tmp = `${file}.${process.pid}.tmp`
    writeFileSync(
      tmp,
      JSON.stringify({
        python: { implementation: py.implementation, version: py.version, stdlib: py.stdlib },
        functions: raw,
      }),
    )
    renameSync(tmp, file)
  }
  records = raw.map((r) => Object.freeze({ ...r, code: r.code ?? r.text }))
  return records
}

/** Every function of the standard library outside test code, in extraction order. */
function functions() {
  return load().filter((f) => !f.test)
}

/** Every function with a docstring, test code included (f.test), in extraction order: the quality
 *  benchmark's docstring/code pairs (bench/quality/build-sets.mjs). */
function documented() {
  return load().filter((f) => f.doc !== null)
}

let ordered
/** The corpus in its fixed sample order. */
function order() {
  if (!ordered) {
    const hash = (f) => createHash('sha1').update(`${f.path}\0${f.qualname}`).digest('hex')
    ordered = functions()
      .map((f) => [hash(f), f])
      .sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : a[1].line - b[1].line))
      .map(([, f]) => f)
  }
  return ordered
}

/** The use's sample definition, aliases followed. */
function definition(use) {
  let def = SAMPLES[use]
  while (typeof def === 'string') def = SAMPLES[def]
  if (!def) throw new Error(`corpus: no sample named '${use}' (${Object.keys(SAMPLES).join(', ')})`)
  return def
}

/** The first n functions of the use's sample; throws when the library has fewer. */
function sample(use, n) {
  const { keep } = definition(use)
  if (!Number.isSafeInteger(n) || n < 0) throw new RangeError(`corpus: sample size must be a whole number, got ${n}`)
  const picked = []
  if (n === 0) return picked
  for (const f of order()) {
    if (!keep(f)) continue
    picked.push(f)
    if (picked.length === n) return picked
  }
  const py = python()
  throw new Error(
    `corpus: sample '${use}' has ${picked.length} functions in ${py.implementation} ${py.version}'s standard library, ${n} were asked for`,
  )
}

/** One function by file (relative to the library) and qualified name, e.g. named('shlex.py', 'quote'). */
function named(path, qualname) {
  const f = functions().find((f) => f.path === path && f.qualname === qualname)
  if (!f) throw new Error(`corpus: no function ${qualname} in ${path} of ${python().version}'s standard library`)
  return f
}

/** What each use's sample takes, in words. */
function rules() {
  return Object.fromEntries(
    Object.keys(SAMPLES).map((use) => [
      use,
      typeof SAMPLES[use] === 'string' ? `the ${SAMPLES[use]} sample` : SAMPLES[use].rule,
    ]),
  )
}

module.exports = { TEST_PATH, python, functions, documented, sample, named, rules }

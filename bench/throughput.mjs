// Throughput and latency: gguf-embed against node-llama-cpp and a plain C++ program on llama.cpp,
// on the same GGUF with the same thread count, run one after another on the same machine.
//
//   bash bench/harness/build.sh && npm install --prefix bench && node bench/throughput.mjs [MODEL] [THREADS] [ROUNDS]
//
// The engines take turns, round after round, and each figure is the median over the rounds: the
// machines are shared and noisy, and a single pass favours whichever engine ran in a quiet moment.
//
// Workloads: 1,000 real functions (the corpus's 'throughput' sample of the Python standard library)
// and 1,000 short queries (the first paragraph of those functions' docstrings); single-query
// latency over 200 queries, one at a time.
import { execFileSync } from 'node:child_process'
import { mkdirSync, writeFileSync } from 'node:fs'
import { join, dirname } from 'node:path'
import { fileURLToPath } from 'node:url'
import { createRequire } from 'node:module'
import { cpus } from 'node:os'
import { sample } from './corpus/index.cjs'
import { latency } from './latency.mjs'

const here = dirname(fileURLToPath(import.meta.url))
const root = join(here, '..')
const require = createRequire(import.meta.url)
const { Embedder } = require(root)

const model = process.argv[2] ?? join(root, '.models', 'all-minilm-l6-v2.q8_0.gguf')
const threads = Number(process.argv[3] ?? 2)
const rounds = Number(process.argv[4] ?? 3)
const build = join(here, '.build')
mkdirSync(build, { recursive: true })

// The corpus's 'throughput' sample (bench/corpus): each function's text is a code document, the
// first paragraph of its docstring a short query.
const functions = sample('throughput', 1000)
const code = functions.map((f) => f.text)
const short = functions.map((f) => f.doc)
writeFileSync(join(build, 'code.jsonl'), code.map((t) => JSON.stringify(t)).join('\n') + '\n')
writeFileSync(join(build, 'short.jsonl'), short.map((t) => JSON.stringify(t)).join('\n') + '\n')
writeFileSync(
  join(build, 'single.jsonl'),
  short
    .slice(0, 200)
    .map((t) => JSON.stringify(t))
    .join('\n') + '\n',
)

async function ours() {
  const e = await Embedder.load(model, { threads })
  await e.embedBatch(short.slice(0, 50))
  const result = {}
  for (const [name, texts] of [
    ['code', code],
    ['short', short],
  ]) {
    const before = e.stats().tokens
    const t0 = performance.now()
    await e.embedBatch(texts)
    const s = (performance.now() - t0) / 1000
    result[name] = { texts: texts.length / s, tokens: (e.stats().tokens - before) / s }
  }
  Object.assign(result, await latency(short.slice(0, 200), (q) => e.embed(q, { kind: 'query' })))
  await e.dispose()
  return result
}

async function nodeLlamaCpp() {
  let mod
  try {
    mod = await import(join(here, 'node_modules', 'node-llama-cpp', 'dist', 'index.js'))
  } catch (err) {
    return { error: `node-llama-cpp is not installed (npm install --prefix bench): ${err.message}` }
  }
  const llama = await mod.getLlama({ gpu: false, logLevel: 'error', build: 'never' })
  const m = await llama.loadModel({ modelPath: model })
  const ctx = await m.createEmbeddingContext({ threads, contextSize: 512, batchSize: 512 })
  await Promise.all(short.slice(0, 50).map((t) => ctx.getEmbeddingFor(t)))
  // node-llama-cpp throws on inputs that do not fit (< contextSize with [CLS]/[SEP]): cut them as
  // the other engines do. Tokenising here is outside the timed region, in its favour.
  const fit = (t) => {
    const ids = m.tokenize(t)
    return ids.length > 508 ? ids.slice(0, 508) : t
  }
  const result = {}
  for (const [name, raw] of [
    ['code', code],
    ['short', short],
  ]) {
    const texts = raw.map(fit)
    const tokens = raw.reduce((n, t) => n + Math.min(510, m.tokenize(t).length) + 2, 0)
    const t0 = performance.now()
    await Promise.all(texts.map((t) => ctx.getEmbeddingFor(t)))
    const s = (performance.now() - t0) / 1000
    result[name] = { texts: texts.length / s, tokens: tokens / s }
  }
  Object.assign(result, await latency(short.slice(0, 200), (q) => ctx.getEmbeddingFor(q)))
  await ctx.dispose()
  await m.dispose()
  return result
}

function harness() {
  const bin = join(build, 'embed_bench')
  const run = (file, mode) =>
    JSON.parse(execFileSync(bin, [model, join(build, file), String(threads), mode]).toString())
  try {
    run('single.jsonl', 'batch')
  } catch (err) {
    return { error: `C++ harness missing (bash bench/harness/build.sh): ${err.message}` }
  }
  const result = {}
  for (const name of ['code', 'short']) {
    const r = run(`${name}.jsonl`, 'batch')
    result[name] = { texts: r.texts / r.seconds, tokens: r.tokens / r.seconds }
  }
  const single = run('single.jsonl', 'single')
  result.p50 = single.p50_ms
  result.p95 = single.p95_ms
  return result
}

const engines = { 'gguf-embed': ours, 'C++ harness (llama.cpp)': harness, 'node-llama-cpp 3.22.1': nodeLlamaCpp }
const runs = Object.fromEntries(Object.keys(engines).map((k) => [k, []]))
for (let r = 0; r < rounds; r++) {
  for (const [name, run] of Object.entries(engines)) runs[name].push(await run())
}
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]
const results = Object.fromEntries(
  Object.entries(runs).map(([name, list]) => {
    if (list[0].error) return [name, list[0]]
    const m = (f) => median(list.map(f))
    return [
      name,
      {
        code: { texts: m((r) => r.code.texts), tokens: m((r) => r.code.tokens) },
        short: { texts: m((r) => r.short.texts), tokens: m((r) => r.short.tokens) },
        p50: m((r) => r.p50),
        p95: m((r) => r.p95),
      },
    ]
  }),
)
const avgTokens = (list) => (list.reduce((n, t) => n + t.length, 0) / list.length).toFixed(0)
console.log(
  `model ${model.split('/').pop()}, ${threads} threads, ${cpus()[0].model}, Node ${process.version}, median of ${rounds} rounds`,
)
console.log(
  `workloads: 1,000 functions (avg ${avgTokens(code)} chars), 1,000 short queries (avg ${avgTokens(short)} chars); latency over 200 single queries\n`,
)
const rows = [
  ['engine', 'code texts/s', 'code tokens/s', 'short texts/s', 'short tokens/s', 'query p50 ms', 'query p95 ms'],
]
for (const [name, r] of Object.entries(results)) {
  if (r.error) {
    rows.push([name, r.error])
    continue
  }
  rows.push([
    name,
    r.code.texts.toFixed(1),
    r.code.tokens.toFixed(0),
    r.short.texts.toFixed(1),
    r.short.tokens.toFixed(0),
    r.p50.toFixed(2),
    r.p95.toFixed(2),
  ])
}
for (const row of rows) console.log(row.map((c, i) => (i === 0 ? c.padEnd(26) : c.padStart(15))).join(''))
const us = results['gguf-embed']
for (const [name, r] of Object.entries(results)) {
  if (name === 'gguf-embed' || r.error) continue
  console.log(
    `\ngguf-embed vs ${name}: code ${(us.code.texts / r.code.texts).toFixed(2)}x, short ${(us.short.texts / r.short.texts).toFixed(2)}x, query p95 ${(us.p95 / r.p95).toFixed(2)}x of theirs`,
  )
}
writeFileSync(join(build, 'throughput.json'), JSON.stringify(results, null, 2))

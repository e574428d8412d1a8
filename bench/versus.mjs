// gguf-embed beside transformers.js (onnxruntime-node) and node-llama-cpp on the same model,
// all-MiniLM-L6-v2, with the same thread count: the engines a Node developer would pick.
//
//   npm install --prefix bench && node bench/versus.mjs [--threads 2] [--rounds 3] [--busy own|same]
//        [--engines tjs-int8-1,ours-q8_0,...] [--shipped]
//
// Each engine runs in its own process (bench/versus/engine.mjs), the engines take turns round
// after round, and each figure is the median over the rounds. transformers.js runs langchain4j's
// ONNX exports from Maven Central (float32, and onnxruntime's dynamic int8), checked by hash; ours
// the GGUFs `npm run models` converts from the same model's published weights. --shipped: also the
// packages as they ship (bash scripts/build-portable.sh first), packed and installed from the
// tarballs into an empty project, beside the dev build in dist/. --busy: another process keeps every
// core busy (at normal priority) while each engine runs, to see how each degrades on a loaded
// machine: `own`, in a session of its own (as another service: Linux's autogroups then share the
// CPU between the two sessions whatever the threads' nice values), or `same`, in the bench's
// session (as a build in the same terminal: nice values then weigh against it directly).
// Workloads as bench/throughput.mjs: 1,000 standard library functions (~97 tokens), their 1,000
// docstring first lines (~14 tokens), 200 single queries one at a time.
import { execFileSync, spawn } from 'node:child_process'
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { cpus } from 'node:os'
import { join, dirname, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import { sample } from './corpus/index.cjs'
import { minilmOnnx } from './versus/onnx.mjs'
import { installShipped } from './versus/shipped.mjs'

const here = dirname(fileURLToPath(import.meta.url))
const root = join(here, '..')
const work = join(here, '.build', 'versus')
mkdirSync(work, { recursive: true })

const { values: o } = parseArgs({
  options: {
    threads: { type: 'string', default: '2' },
    rounds: { type: 'string', default: '3' },
    count: { type: 'string', default: '1000' },
    engines: { type: 'string' },
    shipped: { type: 'boolean', default: false },
    busy: { type: 'string' },
    models: { type: 'string', default: process.env.GGUF_EMBED_MODELS_DIR ?? join(root, '.models') },
  },
})
if (o.busy !== undefined && !['own', 'same'].includes(o.busy)) throw new Error(`--busy own|same, not ${o.busy}`)
const threads = Number(o.threads)
const gguf = (type) => join(resolve(o.models), `all-minilm-l6-v2.${type}.gguf`)

const ENGINES = {
  'tjs-int8-1': { label: 'transformers.js int8, one text per call', kind: 'tjs', dtype: 'q8', batch: 1 },
  'tjs-int8-32': { label: 'transformers.js int8, batches of 32', kind: 'tjs', dtype: 'q8', batch: 32 },
  'tjs-fp32-1': { label: 'transformers.js fp32, one text per call', kind: 'tjs', dtype: 'fp32', batch: 1 },
  'tjs-fp32-32': { label: 'transformers.js fp32, batches of 32', kind: 'tjs', dtype: 'fp32', batch: 32 },
  'ours-q8_0': { label: 'gguf-embed Q8_0, dev build', kind: 'ours', model: gguf('q8_0') },
  'ours-f16': { label: 'gguf-embed F16, dev build', kind: 'ours', model: gguf('f16') },
  'ours-f32': { label: 'gguf-embed F32, dev build', kind: 'ours', model: gguf('f32') },
  'shipped-q8_0': { label: 'gguf-embed Q8_0, shipped package', kind: 'ours', model: gguf('q8_0'), shipped: true },
  'shipped-f16': { label: 'gguf-embed F16, shipped package', kind: 'ours', model: gguf('f16'), shipped: true },
  'shipped-f32': { label: 'gguf-embed F32, shipped package', kind: 'ours', model: gguf('f32'), shipped: true },
  'nlc-q8_0': { label: 'node-llama-cpp Q8_0', kind: 'nlc', model: gguf('q8_0') },
}
const hasNlc = existsSync(join(here, 'node_modules', 'node-llama-cpp'))
const names = o.engines
  ? o.engines.split(',')
  : Object.keys(ENGINES).filter((n) => (ENGINES[n].shipped ? o.shipped : n.startsWith('nlc') ? hasNlc : true))
for (const n of names)
  if (!ENGINES[n]) throw new Error(`unknown engine ${n}; known: ${Object.keys(ENGINES).join(', ')}`)
if (
  names.some((n) => ENGINES[n].kind === 'tjs') &&
  !existsSync(join(here, 'node_modules', '@huggingface', 'transformers'))
)
  throw new Error('transformers.js is not installed: npm install --prefix bench')

const functions = sample('throughput', Number(o.count))
const texts = {
  code: functions.map((f) => f.text),
  short: functions.map((f) => f.doc),
  single: functions.slice(0, 200).map((f) => f.doc),
  threads,
}
const textsFile = join(work, 'texts.json')
writeFileSync(textsFile, JSON.stringify(texts))
const shippedProject = names.some((n) => ENGINES[n].shipped) ? installShipped(root, work) : undefined
const onnxModels = names.some((n) => ENGINES[n].kind === 'tjs') ? dirname(minilmOnnx(work)) : undefined

/** Seconds of CPU the whole machine spent busy, from /proc/stat (Linux). */
function machineBusy() {
  if (!existsSync('/proc/stat')) return undefined
  const [, ...f] = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/)
  const t = f.map(Number)
  const idle = t[3] + t[4]
  return (t.reduce((a, b) => a + b, 0) - idle) / 100
}

/** Keeps every core busy at normal priority until stopped. */
function startLoad() {
  const spin = `const { Worker } = require('node:worker_threads');
for (let i = 0; i < ${cpus().length}; i++) new Worker('for (;;) {}', { eval: true })`
  // detached: setsid(), a new session and so a new autogroup.
  return spawn(process.execPath, ['-e', spin], { stdio: 'ignore', detached: o.busy === 'own' })
}

function runEngine(name) {
  const e = ENGINES[name]
  const spec = {
    ...e,
    root,
    bench: here,
    models: onnxModels,
    package: e.shipped ? shippedProject : undefined,
  }
  const load = o.busy ? startLoad() : undefined
  const busy0 = machineBusy()
  const t0 = performance.now()
  try {
    const out = execFileSync(process.execPath, [join(here, 'versus', 'engine.mjs'), JSON.stringify(spec), textsFile], {
      encoding: 'utf8',
      maxBuffer: 64 << 20,
      stdio: ['ignore', 'pipe', 'inherit'],
    })
    const r = JSON.parse(out.trim().split('\n').pop())
    const wall = (performance.now() - t0) / 1000
    const busy = machineBusy()
    if (busy0 !== undefined && !o.busy)
      r.othersShare = Math.max(0, busy - busy0 - r.cpuSeconds) / (wall * cpus().length)
    return r
  } finally {
    load?.kill('SIGKILL')
    load?.unref()
  }
}

const runs = Object.fromEntries(names.map((n) => [n, []]))
const rounds = Number(o.rounds)
for (let r = 0; r < rounds; r++) {
  for (const n of names) {
    process.stderr.write(`round ${r + 1}/${rounds}: ${n} ... `)
    const result = runEngine(n)
    process.stderr.write(`code ${result.code.texts.toFixed(1)}/s, short ${result.short.texts.toFixed(1)}/s\n`)
    runs[n].push(result)
  }
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]
const cosine = (a, b) => a.reduce((s, x, i) => s + x * b[i], 0) / Math.hypot(...a) / Math.hypot(...b)
const reference = runs['tjs-fp32-32']?.[0] ?? runs['tjs-fp32-1']?.[0] ?? runs['ours-f32']?.[0]
const results = Object.fromEntries(
  names.map((n) => {
    const list = runs[n]
    const m = (f) => median(list.map(f))
    return [
      n,
      {
        label: ENGINES[n].label,
        version: list[0].version,
        code: m((r) => r.code.texts),
        short: m((r) => r.short.texts),
        p50: m((r) => r.p50),
        p95: m((r) => r.p95),
        loopP99: m((r) => Math.max(r.code.loopP99, r.short.loopP99)),
        loadedRss: m((r) => r.loadedRss),
        peakRss: m((r) => r.peakRss),
        othersShare: list[0].othersShare === undefined ? undefined : Math.max(...list.map((r) => r.othersShare)),
        minCosine: reference ? Math.min(...list[0].sample.map((v, i) => cosine(v, reference.sample[i]))) : undefined,
      },
    ]
  }),
)

const mib = (b) => (b / 2 ** 20).toFixed(0)
console.log(
  `all-MiniLM-L6-v2, ${threads} threads, ${cpus()[0].model} (${cpus().length} cores), Node ${process.version}, median of ${rounds} rounds${o.busy ? `, every core kept busy by another process (${o.busy === 'own' ? 'in its own session' : 'in the same session'})` : ''}`,
)
const avgTokens = (list) => (list.reduce((n, t) => n + t.length, 0) / list.length).toFixed(0)
console.log(
  `workloads: ${texts.code.length} functions (avg ${avgTokens(texts.code)} chars), ${texts.short.length} short texts (avg ${avgTokens(texts.short)} chars), 200 single queries\n`,
)
console.log(
  "| engine | code texts/s | short texts/s | query p50 / p95 ms | event-loop p99 ms | RSS loaded / peak MiB | min cos vs fp32 | others' CPU |",
)
console.log('| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |')
for (const r of Object.values(results)) {
  console.log(
    `| ${r.label} | ${r.code.toFixed(1)} | ${r.short.toFixed(1)} | ${r.p50.toFixed(2)} / ${r.p95.toFixed(2)} | ${r.loopP99.toFixed(0)} | ${mib(r.loadedRss)} / ${mib(r.peakRss)} | ${r.minCosine?.toFixed(5) ?? ''} | ${r.othersShare === undefined ? '' : `${(100 * r.othersShare).toFixed(0)}%`} |`,
  )
}

// The ratios the targets are written in.
const ratio = (a, b, f) => (results[a] && results[b] ? (f(results[a]) / f(results[b])).toFixed(2) + 'x' : undefined)
const lines = []
const best = (a, b, f) => (results[a] && results[b] ? (f(results[a]) >= f(results[b]) ? a : b) : results[a] ? a : b)
for (const w of ['code', 'short']) {
  const tjsInt8 = best('tjs-int8-1', 'tjs-int8-32', (r) => r[w])
  for (const ours of ['ours-q8_0', 'shipped-q8_0']) {
    const x = ratio(ours, tjsInt8, (r) => r[w])
    if (x) lines.push(`${w}: ${ours} / best transformers.js int8 (${tjsInt8}) = ${x}`)
  }
  for (const ours of ['ours-f16', 'shipped-f16']) {
    for (const t of ['tjs-fp32-1', 'tjs-fp32-32']) {
      const x = ratio(ours, t, (r) => r[w])
      if (x) lines.push(`${w}: ${ours} / ${t} = ${x}`)
    }
  }
  for (const type of ['q8_0', 'f16', 'f32']) {
    const x = ratio(`shipped-${type}`, `ours-${type}`, (r) => r[w])
    if (x) lines.push(`${w}: shipped / dev build at ${type} = ${x}`)
  }
}
for (const ours of ['ours-q8_0', 'shipped-q8_0', 'ours-f16']) {
  for (const t of ['tjs-int8-1', 'tjs-fp32-1']) {
    const x = ratio(ours, t, (r) => r.p95)
    if (x) lines.push(`single query p95: ${ours} / ${t} = ${x}`)
  }
}
console.log('\n' + lines.join('\n'))
writeFileSync(
  join(work, `versus${o.busy ? `-busy-${o.busy}` : ''}.json`),
  JSON.stringify({ threads, rounds, busy: o.busy, results }, null, 2),
)

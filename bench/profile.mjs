// Where gguf-embed's time goes: `perf record` over one process embedding one workload (the
// throughput sample's code or short texts, as bench/versus.mjs), the samples grouped by what the
// function does (matrix products by kernel, attention, normalisation, waiting threads,
// tokenisation, Node). Linux with perf; the addon must keep its symbols (ours are not stripped).
//
//   node bench/profile.mjs [--model FILE] [--workload code|short] [--threads 2] [--repeat 3]
//        [--env NAME=VALUE ...] [--top 25] [--shipped]
// --shipped: the packages as they ship, as bench/versus.mjs --shipped installed them last.
import { execFileSync, spawnSync } from 'node:child_process'
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { join, dirname, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'

const here = dirname(fileURLToPath(import.meta.url))
const root = join(here, '..')

if (process.argv[2] === '--child') {
  const [, , , model, file, threads, repeat, options] = process.argv
  // The dev build, or (PROFILE_PACKAGE: a project where the packages are installed) the shipped one.
  const project = process.env.PROFILE_PACKAGE
  const { Embedder } = project
    ? createRequire(join(project, 'package.json'))('gguf-embed')
    : createRequire(import.meta.url)(root)
  const texts = JSON.parse(readFileSync(file, 'utf8'))
  const e = await Embedder.load(model, { threads: Number(threads), ...JSON.parse(options) })
  await e.embedBatch(texts.slice(0, 20))
  const t0 = performance.now()
  for (let r = 0; r < Number(repeat); r++) await e.embedBatch(texts)
  const s = (performance.now() - t0) / 1000
  console.log(JSON.stringify({ textsPerSecond: (texts.length * Number(repeat)) / s, stats: e.stats() }))
  await e.dispose()
  process.exit(0)
}

const { sample } = createRequire(import.meta.url)('./corpus/index.cjs')
const { values: o } = parseArgs({
  options: {
    model: { type: 'string', default: join(root, '.models', 'all-minilm-l6-v2.q8_0.gguf') },
    workload: { type: 'string', default: 'code' },
    threads: { type: 'string', default: '2' },
    repeat: { type: 'string', default: '3' },
    count: { type: 'string', default: '1000' },
    top: { type: 'string', default: '25' },
    options: { type: 'string', default: '{}' },
    env: { type: 'string', multiple: true, default: [] },
    shipped: { type: 'boolean', default: false },
  },
})
const work = join(here, '.build', 'profile')
mkdirSync(work, { recursive: true })
const functions = sample('throughput', Number(o.count))
const texts = o.workload === 'short' ? functions.map((f) => f.doc) : functions.map((f) => f.text)
const file = join(work, `${o.workload}.json`)
writeFileSync(file, JSON.stringify(texts))
const data = join(work, 'perf.data')
const env = { ...process.env, ...Object.fromEntries(o.env.map((kv) => kv.split(/=(.*)/s).slice(0, 2))) }
if (o.shipped) env.PROFILE_PACKAGE = join(here, '.build', 'versus', 'shipped', 'project')

const run = spawnSync(
  'perf',
  [
    'record',
    '-F',
    '499',
    '-o',
    data,
    '--',
    process.execPath,
    fileURLToPath(import.meta.url),
    '--child',
    resolve(o.model),
    file,
    o.threads,
    o.repeat,
    o.options,
  ],
  { env, encoding: 'utf8', maxBuffer: 64 << 20 },
)
if (run.status !== 0) throw new Error(`perf record failed (${run.status}): ${run.stderr}`)
const measured = JSON.parse(run.stdout.trim().split('\n').pop())

// Samples per symbol (self time), every thread of the process.
const report = execFileSync(
  'perf',
  ['report', '-i', data, '--stdio', '--no-children', '--sort', 'dso,symbol', '--percent-limit', '0.01'],
  {
    encoding: 'utf8',
    maxBuffer: 256 << 20,
    stdio: ['ignore', 'pipe', 'ignore'],
  },
)
const rows = []
for (const line of report.split('\n')) {
  const m = line.match(/^\s+([\d.]+)%\s+(\S+)\s+\[[.k]\]\s+(.+?)\s*$/)
  if (m) rows.push({ pct: Number(m[1]), dso: m[2], symbol: m[3] })
}

// What a function does, by its name (ggml's and llama.cpp's, OpenMP's, the C library's).
const GROUPS = [
  ['matmul: repacked GEMM/GEMV', /ggml_gemm_|ggml_gemv_|gemm<|gemv<|repack/],
  ['matmul: llamafile sgemm (tinyBLAS)', /tinyBLAS|llamafile_sgemm/],
  ['matmul: vec_dot kernels', /ggml_vec_dot_(q|f16|bf16|f32|iq)|vec_dot_q|ggml_vec_dot\b/],
  ['matmul: quantize/convert activations', /quantize_row|quantize_mat|ggml_cpu_fp32_to_fp16|fp32_to_fp16|from_float/],
  ['matmul: driver', /ggml_compute_forward_mul_mat/],
  ['attention (flash_attn_ext, soft_max)', /flash_attn|soft_max|ggml_vec_mad|ggml_vec_scale/],
  [
    'norm, gelu, add, scale, cpy, get_rows',
    /norm|gelu|_add|_mul\b|_scale|_cpy|_dup|get_rows|cont|ggml_vec_(add|mul|cpy|acc)|ggml_compute_forward_(add|mul|unary|get_rows|cpy|dup|cont)/,
  ],
  [
    'threads: barrier, spin, sync',
    /barrier|gomp_|omp_|ggml_graph_compute_thread|sched_yield|futex|pthread|ggml_thread|thread_sync|do_spin|wait/,
  ],
  ['tokenisation', /tokeniz|llm_tokenizer|unicode|llama_vocab|regex/],
  [
    'graph build / scheduling',
    /ggml_backend_sched|ggml_graph_|ggml_new_tensor|llm_build|llama_graph|ggml_gallocr|build_graph/,
  ],
]
const groups = new Map()
for (const r of rows) {
  let name = GROUPS.find(([, re]) => re.test(r.symbol))?.[0]
  if (!name)
    name =
      r.dso.includes('node') && !r.dso.endsWith('.node')
        ? 'Node / V8'
        : r.dso.startsWith('[kernel')
          ? 'kernel'
          : `other (${r.dso})`
  groups.set(name, (groups.get(name) ?? 0) + r.pct)
}
const st = measured.stats
console.log(
  `${o.model.split('/').pop()}, ${o.workload} (${texts.length} texts x ${o.repeat}), ${o.threads} threads: ${measured.textsPerSecond.toFixed(1)} texts/s; ${st.batches} batches, ${(st.tokens / st.batches).toFixed(0)} tokens/batch\n`,
)
for (const [name, pct] of [...groups].sort((a, b) => b[1] - a[1]))
  console.log(`${pct.toFixed(1).padStart(6)}%  ${name}`)
console.log('\ntop functions:')
for (const r of rows.slice(0, Number(o.top)))
  console.log(`${r.pct.toFixed(2).padStart(6)}%  ${r.symbol.slice(0, 100)}  (${r.dso})`)

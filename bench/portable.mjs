#!/usr/bin/env node
// What the run-time choice of CPU kernels is worth: the shipped linux-x64-gnu package (the variant
// ggml picks for this CPU, then the same package held to one variant through
// GGUF_EMBED_BACKENDS_DIR) against the dev build in dist/src/ (static, x86-64-v3, OpenMP). Each in its
// own process on the same real texts (Python standard library functions: the corpus's 'portable'
// sample, bench/corpus); docs/s, best of 3.
//
//   node bench/portable.mjs [MODEL] [--docs N] [--variants haswell,sse42,...]
import { execFileSync } from 'node:child_process'
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { sample } from './corpus/index.cjs'

const root = resolve(new URL('..', import.meta.url).pathname)
const args = process.argv.slice(2)
const option = (name, fallback) => {
  const i = args.indexOf(name)
  return i >= 0 ? args[i + 1] : fallback
}
const model = resolve(
  args.find((a, i) => !a.startsWith('--') && !args[i - 1]?.startsWith('--')) ??
    join(root, '.models', 'all-minilm-l6-v2.q8_0.gguf'),
)
const docs = Number(option('--docs', '600'))
const pkg = join(root, 'npm', 'linux-x64-gnu')
const variants = option('--variants', 'haswell,sse42').split(',')

if (process.argv[2] === '--child') {
  const [, , , addon, file, count] = process.argv
  process.env.NAPI_RS_NATIVE_LIBRARY_PATH = addon
  const lib = await import(join(root, 'dist', 'index.js'))
  const texts = JSON.parse(readFileSync(file, 'utf8')).slice(0, Number(count))
  const e = await lib.default.Embedder.load(process.env.BENCH_MODEL)
  await e.embedBatch(texts.slice(0, 32))
  let best = 0
  for (let round = 0; round < 3; round++) {
    const t0 = performance.now()
    await e.embedBatch(texts)
    best = Math.max(best, texts.length / ((performance.now() - t0) / 1000))
  }
  console.log(JSON.stringify({ kernels: lib.default.systemInfo().kernels, docsPerSecond: best }))
  await e.dispose()
  process.exit(0)
}

// Real code: the corpus's 'portable' sample (bench/corpus; the same functions as throughput.mjs's).
const texts = sample('portable', docs).map((f) => f.text)
const work = mkdtempSync(join(tmpdir(), 'gguf-portable-bench-'))
const file = join(work, 'texts.json')
writeFileSync(file, JSON.stringify(texts))

const run = (addon, env = {}) =>
  JSON.parse(
    execFileSync(process.execPath, [new URL(import.meta.url).pathname, '--child', addon, file, String(docs)], {
      env: { ...process.env, BENCH_MODEL: model, ...env },
      encoding: 'utf8',
    })
      .trim()
      .split('\n')
      .pop(),
  )

const rows = []
rows.push(['dev build (dist/, x86-64-v3, OpenMP)', run(join(root, 'dist', 'src', 'gguf-embed.linux-x64-gnu.node'))])
rows.push(['shipped package, chosen variant', run(join(pkg, 'gguf-embed.linux-x64-gnu.node'))])
for (const v of variants) {
  const dir = join(work, v)
  mkdirSync(dir)
  symlinkSync(join(pkg, `libggml-cpu-${v}.so`), join(dir, `libggml-cpu-${v}.so`))
  rows.push([
    `shipped package, ${v} only`,
    run(join(pkg, 'gguf-embed.linux-x64-gnu.node'), { GGUF_EMBED_BACKENDS_DIR: dir }),
  ])
}
rmSync(work, { recursive: true, force: true })
const base = rows[0][1].docsPerSecond
console.log(`model ${model}, ${texts.length} Python functions, docs/s best of 3\n`)
console.log('| build | kernels | docs/s | vs dev build |\n| --- | --- | ---: | ---: |')
for (const [name, r] of rows) {
  const kernels = r.kernels.filter((k) => !['LLAMAFILE', 'REPACK', 'OPENMP'].includes(k)).join(' ')
  console.log(`| ${name} | ${kernels} | ${r.docsPerSecond.toFixed(1)} | ${(r.docsPerSecond / base).toFixed(2)}x |`)
}

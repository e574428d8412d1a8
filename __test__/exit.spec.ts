import test from 'ava'
import { spawnSync } from 'node:child_process'
import { join } from 'node:path'

import { modelFile, root } from './helpers'

// process.exit() and worker.terminate() while inference runs: the inference threads must stop
// before llama.cpp's static destructors run (exit) and before a worker's environment is gone
// (terminate). Before the fix 2-3 of 10 such processes died of SIGSEGV inside llama_encode.

const lib = join(root, 'dist', 'index.js')
const RUNS = 20

/** Runs `source` in a fresh node process; returns its exit code, signal and output. */
function child(source: string, delayMs: number) {
  const r = spawnSync(process.execPath, ['-e', source], {
    env: { ...process.env, LIB: lib, MODEL: modelFile('q8_0'), DELAY: String(delayMs) },
    encoding: 'utf8',
    timeout: 120_000,
  })
  return { status: r.status, signal: r.signal, output: `${r.stdout}${r.stderr}` }
}

/** Delays spread over the window in which the reviewer saw the crash (20-140 ms into the work). */
const delay = (i: number) => 20 + ((i * 37) % 121)

const exitDuringBatch = `
const { Embedder } = require(process.env.LIB)
;(async () => {
  const e = await Embedder.load(process.env.MODEL, { threads: 2 })
  const texts = Array.from({ length: 20000 }, (_, i) => 'def f' + i + '(x):\\n    return x * ' + i)
  e.embedBatch(texts).catch(() => {})
  setTimeout(() => process.exit(0), Number(process.env.DELAY))
})().catch((err) => { console.error(err); process.exit(3) })
`

test(`process.exit() during an embedBatch of 20,000 texts never kills the process (${RUNS} runs)`, (t) => {
  for (let i = 0; i < RUNS; i++) {
    const r = child(exitDuringBatch, delay(i))
    t.is(r.signal, null, `run ${i}: killed by ${r.signal}\n${r.output}`)
    t.is(r.status, 0, `run ${i}: exit ${r.status}\n${r.output}`)
  }
})

// The worker starts one of three workloads, says so, and is terminated DELAY ms later; the main
// thread then checks that the worker's context is gone (its inference thread stopped with the
// environment, not seconds later) and exits.
const terminateWorker = `
const { Worker } = require('node:worker_threads')
const { nativeMemory } = require(process.env.LIB)
const workload = Number(process.argv[1] ?? process.env.WORKLOAD)
const source = \`
const { parentPort, workerData } = require('node:worker_threads')
const { Embedder } = require(workerData.lib)
;(async () => {
  const e = await Embedder.load(workerData.model, { threads: 2 })
  const texts = Array.from({ length: 4000 }, (_, i) => 'def g' + i + '(y): return y + ' + i)
  if (workerData.workload === 0) e.embedBatch(texts).catch(() => {})
  else if (workerData.workload === 1) for (const t of texts) e.embed(t).catch(() => {})
  else {
    const ids = await e.tokenize('def h(z): return z')
    e.embedWithUsage(Array.from({ length: 4000 }, () => ids)).catch(() => {})
  }
  parentPort.postMessage('started')
})()
\`
const w = new Worker(source, { eval: true, workerData: { lib: process.env.LIB, model: process.env.MODEL, workload } })
w.on('error', (err) => { console.error(err); process.exit(3) })
w.once('message', () => setTimeout(async () => {
  await w.terminate()
  // Bounded: the cleanup hook joins the inference thread before terminate() resolves.
  for (let i = 0; i < 50 && nativeMemory().contexts > 0; i++) await new Promise((r) => setTimeout(r, 100))
  if (nativeMemory().contexts > 0) { console.error('context still alive after terminate'); process.exit(4) }
  process.exit(0)
}, Number(process.env.DELAY)))
`

test(`worker.terminate() during embedBatch / embed / embedWithUsage, then exit (${RUNS} runs)`, (t) => {
  for (let i = 0; i < RUNS; i++) {
    const r = child(terminateWorker.replace('process.argv[1] ?? process.env.WORKLOAD', String(i % 3)), delay(i))
    t.is(r.signal, null, `run ${i} (workload ${i % 3}): killed by ${r.signal}\n${r.output}`)
    t.is(r.status, 0, `run ${i} (workload ${i % 3}): exit ${r.status}\n${r.output}`)
  }
})

import test from 'ava'
import { spawn } from 'node:child_process'
import { availableParallelism } from 'node:os'

import { Embedder } from 'gguf-embed'
import { cosine, modelFile, pythonFunctions } from './helpers'

const code = pythonFunctions(60, 600)

// Before, the inference threads kept the configured count whatever the machine was doing: with
// another process spinning on every core, ggml's threads waited for each other at every op (code
// at 0.27x of its quiet speed, single queries 0.8 s on 2 cores; BENCHMARKS.md). Now a call runs
// with as many threads as the cores others leave idle, which stats().threads reports.
test('on a machine whose every core another process keeps busy, calls run with fewer threads', async (t) => {
  const cpus = availableParallelism()
  if (process.platform !== 'linux' || cpus < 2) return t.pass('needs Linux (/proc) and 2 cores or more')
  const e = await Embedder.load(modelFile('f16'), { threads: 2 })
  t.teardown(() => e.dispose())
  const quiet = await e.embedBatch(code.slice(0, 8))
  // Its own session (setsid), as another service would be: the CPU is shared between sessions.
  const spin = `const { Worker } = require('node:worker_threads')
for (let i = 0; i < ${cpus}; i++) new Worker('for (;;) {}', { eval: true })`
  const load = spawn(process.execPath, ['-e', spin], { stdio: 'ignore', detached: true })
  t.teardown(() => load.kill('SIGKILL'))
  let threads = e.stats().threads
  const deadline = Date.now() + 20_000
  while (threads >= 2 && Date.now() < deadline) {
    await e.embedBatch(code)
    threads = e.stats().threads
  }
  t.is(threads, 1, 'still 2 threads after 20 s of a fully busy machine')
  // The context made again with one thread computes the same vectors (F16: batch-invariant).
  const busy = await e.embedBatch(code.slice(0, 8))
  for (let i = 0; i < 8; i++) t.true(cosine(quiet[i], busy[i]) > 0.99999, `text ${i}`)
  load.kill('SIGKILL')
  const back = Date.now() + 5_000
  while (threads < 2 && Date.now() < back) {
    await e.embedBatch(code.slice(0, 20))
    await new Promise((r) => setTimeout(r, 100))
    threads = e.stats().threads
  }
  t.log(`threads back to ${threads} once the load stopped`)
})

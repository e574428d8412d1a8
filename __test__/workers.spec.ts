import test from 'ava'
import { join } from 'node:path'
import { Worker } from 'node:worker_threads'

import { Embedder, nativeMemory } from 'gguf-embed'
import { cosine, modelFile, root } from './helpers'

const texts = [
  'def add(a, b): return a + b',
  'sort a list of dicts by key',
  'read a file line by line',
  'α β γ 日本語 🦀',
]

// Each worker loads the library (one llama.cpp backend per process, initialised once), its own
// Embedder of the same file, and embeds at the same time as the others and the main thread.
const workerSource = `
const { parentPort, workerData } = require('node:worker_threads')
const { Embedder } = require(workerData.lib)
;(async () => {
  const e = await Embedder.load(workerData.model, { threads: 1 })
  const out = []
  for (let round = 0; round < 5; round++) out.push(await e.embedBatch(workerData.texts))
  await e.dispose()
  parentPort.postMessage(out[4].map((v) => Array.from(v)))
})().catch((err) => parentPort.postMessage({ error: String(err && err.stack || err) }))
`

test('four worker_threads use the library at once', async (t) => {
  const model = modelFile('f16')
  const main = await Embedder.load(model)
  t.teardown(() => main.dispose())
  const want = await main.embedBatch(texts)
  const run = () =>
    new Promise<number[][]>((resolve, reject) => {
      const w = new Worker(workerSource, {
        eval: true,
        workerData: { lib: join(root, 'dist', 'index.js'), model, texts },
      })
      w.once('message', (m) => (m.error ? reject(new Error(m.error)) : resolve(m)))
      w.once('error', reject)
    })
  const [results] = await Promise.all([Promise.all([run(), run(), run(), run()]), main.embedBatch(texts.concat(texts))])
  t.is(results.length, 4)
  for (const vectors of results) {
    t.is(vectors.length, texts.length)
    vectors.forEach((v, i) => t.true(cosine(Float32Array.from(v), want[i]) > 0.99999))
  }
  t.is(nativeMemory().models >= 1, true)
})

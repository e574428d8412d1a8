// Concurrent callers: N embed() calls in flight at once against the same calls one after another,
// with the event loop's delay measured while embedding (perf_hooks.monitorEventLoopDelay).
//   node bench/concurrency.mjs [MODEL] [N]
import { join, dirname } from 'node:path'
import { fileURLToPath } from 'node:url'
import { createRequire } from 'node:module'
import { monitorEventLoopDelay } from 'node:perf_hooks'
import { sample } from './corpus/index.cjs'

const root = join(dirname(fileURLToPath(import.meta.url)), '..')
const { Embedder } = createRequire(import.meta.url)(root)
const model = process.argv[2] ?? join(root, '.models', 'all-minilm-l6-v2.q8_0.gguf')
const n = Number(process.argv[3] ?? 1000)

// The corpus's 'concurrency' sample (bench/corpus), one function per call.
const functions = sample('concurrency', n)
const e = await Embedder.load(model)
console.log(`${n} embed() calls, ${model.split('/').pop()}, ${e.info.threads} threads`)
// Short: a function's def line (~10 tokens). Mixed: its first 1 to 12 lines (~10 to ~150 tokens).
for (const [name, span] of [
  ['short', 1],
  ['mixed', 12],
]) {
  const texts = functions.map((f, i) =>
    span === 1
      ? f.defLine
      : f.text
          .split('\n')
          .slice(0, 1 + (i % span))
          .join('\n'),
  )
  await e.embedBatch(texts.slice(0, 50))
  let t0 = performance.now()
  for (const t of texts) await e.embed(t)
  const sequential = (performance.now() - t0) / 1000
  const delay = monitorEventLoopDelay({ resolution: 5 })
  const before = e.stats()
  delay.enable()
  t0 = performance.now()
  await Promise.all(texts.map((t) => e.embed(t)))
  const concurrent = (performance.now() - t0) / 1000
  delay.disable()
  const after = e.stats()
  const batches = after.batches - before.batches
  const tokens = (after.tokens - before.tokens) / n
  console.log(`  ${name} (${tokens.toFixed(0)} tokens per call on average)`)
  console.log(`    one after another: ${sequential.toFixed(2)} s (${(n / sequential).toFixed(0)} calls/s)`)
  console.log(
    `    all at once:       ${concurrent.toFixed(2)} s (${(n / concurrent).toFixed(0)} calls/s) in ${batches} llama.cpp batches`,
  )
  console.log(
    `    speed-up ${(sequential / concurrent).toFixed(2)}x; event loop delay p50 ${(delay.percentile(50) / 1e6).toFixed(1)} ms, p99 ${(delay.percentile(99) / 1e6).toFixed(1)} ms, max ${(delay.max / 1e6).toFixed(1)} ms`,
  )
}
const mem = process.memoryUsage()
console.log(
  `  V8 heap ${(mem.heapUsed / 2 ** 20).toFixed(1)} MiB, RSS ${(mem.rss / 2 ** 20).toFixed(1)} MiB, native working memory peak ${(e.stats().memoryPeak / 2 ** 20).toFixed(1)} MiB`,
)
await e.dispose()

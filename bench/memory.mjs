// Native memory as the OS sees it, against the library's own account:
// 1. what a second Embedder of a loaded model adds (anonymous memory after its first batches)
//    against its stats().contextBytes, three times;
// 2. anonymous memory over 40 load/embed/dispose cycles and 40 rounds on one Embedder (a leak grows
//    linearly; allocator settling does not).
//   node --expose-gc bench/memory.mjs [MODEL]
import { readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

const root = join(dirname(fileURLToPath(import.meta.url)), '..')
const { Embedder } = createRequire(import.meta.url)(root)
const model = process.argv[2] ?? join(root, '.models', 'all-minilm-l6-v2.q8_0.gguf')
const mib = (b) => (b / 2 ** 20).toFixed(1)
const anonymous = () => Number(/^Anonymous:\s+(\d+)/m.exec(readFileSync('/proc/self/smaps_rollup', 'utf8'))[1]) * 1024
const gc = globalThis.gc ?? (() => {})
const texts = Array.from({ length: 300 }, (_, i) => `item ${i}: ` + 'def f(x): return x * 2 '.repeat(1 + (i % 8)))

const first = await Embedder.load(model)
await first.embedBatch(texts)
gc()
console.log(`${model.split('/').pop()}: a second Embedder, its load and first batches`)
for (let k = 0; k < 3; k++) {
  const before = anonymous()
  const e = await Embedder.load(model)
  await e.embedBatch(texts)
  console.log(`  +${mib(anonymous() - before)} MiB anonymous, contextBytes ${mib(e.stats().contextBytes)} MiB`)
}
console.log('load, embed 300, dispose: anonymous memory every 10 cycles')
for (let k = 0; k <= 40; k++) {
  const e = await Embedder.load(model)
  await e.embedBatch(texts)
  await e.dispose()
  if (k % 10 === 0) {
    gc()
    console.log(`  cycle ${k}: ${mib(anonymous())} MiB`)
  }
}
console.log('one Embedder, rounds of 300: anonymous memory every 10 rounds')
for (let k = 0; k <= 40; k++) {
  await first.embedBatch(texts)
  if (k % 10 === 0) {
    gc()
    console.log(`  round ${k}: ${mib(anonymous())} MiB`)
  }
}

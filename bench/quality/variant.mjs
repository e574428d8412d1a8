// One model variant, in a process of its own (so its resident memory is its own): load time,
// documents embedded per second, resident memory after embedding, and retrieval quality per
// language. Prints one JSON object. Called by run.mjs.
//   node bench/quality/variant.mjs MODEL.gguf [--languages python,javascript] [--limit N] [--context 256]
import { readFileSync, statSync } from 'node:fs'
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'

import { loadSet } from './build-sets.mjs'
import { scoreSet } from './score-set.mjs'

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..')
const lib = createRequire(import.meta.url)(root)
const { values: args, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    languages: { type: 'string', default: 'python,javascript' },
    limit: { type: 'string' },
    context: { type: 'string', default: '256' },
  },
})
const model = positionals[0]
const memory = () => {
  const rollup = readFileSync('/proc/self/smaps_rollup', 'utf8')
  const kb = (name) => Number(new RegExp(`^${name}:\\s+(\\d+)`, 'm').exec(rollup)?.[1] ?? 0) * 1024
  return { rss: kb('Rss'), anonymous: kb('Anonymous') }
}

const sets = Object.fromEntries(
  args.languages.split(',').map((l) => [l, loadSet(l, args.limit ? Number(args.limit) : undefined)]),
)
const before = memory()
const t0 = performance.now()
const static_ = model.endsWith('.static.gguf')
const embedder = static_
  ? await lib.StaticEmbedder.load(model)
  : await lib.Embedder.load(model, { contextSize: Number(args.context) })
const loadMs = performance.now() - t0

const result = { model, fileSize: statSync(model).size, loadMs, languages: {} }
let documents = 0
let embedMs = 0
for (const [language, set] of Object.entries(sets)) {
  // The static tier is also fused with BM25 by reciprocal rank: the cheapest hybrid, measured on its own.
  const scored = await scoreSet(embedder, set, { withBm25: static_ })
  embedMs += scored.documentMs
  documents += scored.documents
  result.languages[language] = scored.figures
  if (scored.fused) {
    result.fusedWithBm25 ??= {}
    result.fusedWithBm25[language] = scored.fused
  }
}
// One query at a time, as a search box sends them: latency of a single short query.
const latencies = []
const queries = Object.values(sets).flatMap((set) => set.slice(0, 20).map((p) => p.query))
for (const q of queries) {
  const q0 = performance.now()
  await embedder.embed(q, { kind: 'query' })
  latencies.push(performance.now() - q0)
}
latencies.sort((a, b) => a - b)
result.queryMs = {
  p50: latencies[Math.floor(latencies.length * 0.5)],
  p95: latencies[Math.floor(latencies.length * 0.95)],
}
const after = memory()
result.documentsPerSecond = documents / (embedMs / 1000)
result.rss = after.rss
result.rssGrowth = after.rss - before.rss
result.anonymousGrowth = after.anonymous - before.anonymous
result.info = embedder.info
await embedder.dispose()
console.log(JSON.stringify(result))

// One configuration of the search benchmark, in its own process (so its memory is its own):
// builds a fresh index of REPO with the given tiers, times a one-file incremental update, then runs
// every query in each mode and prints one JSON object.
//   node bench/search/variant.mjs --repo DIR --queries FILE --db FILE --fast MODEL [--precise MODEL]
//                                 [--modes keyword,vector,hybrid] [--margins 0,0.02] [--limit N]
//                                 [--candidates 30] [--comment '#']
import { appendFileSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { join, dirname } from 'node:path'
import { fileURLToPath } from 'node:url'
import { createRequire } from 'node:module'
import { parseArgs } from 'node:util'
import { createHash } from 'node:crypto'
import { ndcg10 } from '../quality/metrics.mjs'

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..')
const { CodeIndex } = createRequire(import.meta.url)(root)

const { values: o } = parseArgs({
  options: {
    repo: { type: 'string' },
    queries: { type: 'string' },
    db: { type: 'string' },
    fast: { type: 'string' },
    precise: { type: 'string' },
    modes: { type: 'string', default: 'keyword,vector,hybrid' },
    margins: { type: 'string', default: '0' },
    candidates: { type: 'string', default: '30' },
    limit: { type: 'string', default: '500' },
    comment: { type: 'string', default: '#' },
  },
})

/** Peak resident memory of this process so far (VmHWM), in bytes. */
function peakRss() {
  const m = readFileSync('/proc/self/status', 'utf8').match(/VmHWM:\s+(\d+) kB/)
  return m ? Number(m[1]) * 1024 : process.memoryUsage().rss
}

// A fixed sample spread over the whole repository: queries in hash order, not file order.
const hash = (q) => createHash('sha256').update(`${q.path}:${q.symbol}`).digest('hex')
const queries = readFileSync(o.queries, 'utf8')
  .trim()
  .split('\n')
  .map((l) => JSON.parse(l))
  .map((q) => [hash(q), q])
  .sort((a, b) => (a[0] < b[0] ? -1 : 1))
  .map(([, q]) => q)
  .slice(0, Number(o.limit))

rmSync(o.db, { force: true })
rmSync(`${o.db}-wal`, { force: true })
const rss0 = process.memoryUsage().rss
const t0 = performance.now()
const index = await CodeIndex.open(o.db, { fast: o.fast, precise: o.precise })
const loaded = performance.now()
const built = await index.update(o.repo)
const buildSeconds = (performance.now() - t0) / 1000
const stats = await index.stats()
const out = {
  fast: stats.fast,
  precise: stats.precise,
  files: stats.files,
  chunks: stats.chunks,
  loadSeconds: (loaded - t0) / 1000,
  buildSeconds,
  chunksPerSecond: stats.chunks / buildSeconds,
  diskBytes: stats.diskBytes,
  rssAfterBuild: process.memoryUsage().rss - rss0,
  embedded: built.embedded,
}

// One file touched (a line appended), the update timed, then the file restored.
const touched = join(o.repo, queries[Math.floor(queries.length / 2)].path)
const original = readFileSync(touched)
appendFileSync(touched, `\n${o.comment} touched by the benchmark\n`)
const t1 = performance.now()
const incremental = await index.update(o.repo)
out.incrementalSeconds = (performance.now() - t1) / 1000
out.incrementalEmbedded = incremental.embedded
writeFileSync(touched, original)
await index.update(o.repo)

const relevant = (q, h) => h.path === q.path && h.startLine <= q.end && h.endLine >= q.start

async function evaluate(label, run) {
  let ndcg = 0
  let recall = 0
  let mrr = 0
  const ms = []
  let reranked = 0
  let preciseEmbedded = 0
  for (const q of queries) {
    const t = performance.now()
    const r = await run(q.query)
    ms.push(performance.now() - t)
    const rank = r.hits.findIndex((h) => relevant(q, h)) + 1
    if (rank > 0) {
      ndcg += ndcg10(rank)
      recall += 1
      mrr += 1 / rank
    }
    if (r.reranked) reranked++
    preciseEmbedded += r.preciseEmbedded
  }
  ms.sort((a, b) => a - b)
  const n = queries.length
  return {
    mode: label,
    ndcg10: ndcg / n,
    recall10: recall / n,
    mrr10: mrr / n,
    p50ms: ms[Math.floor(n * 0.5)],
    p95ms: ms[Math.min(n - 1, Math.floor(n * 0.95))],
    reranked: reranked / n,
    preciseEmbeddedPerQuery: preciseEmbedded / n,
  }
}

out.queries = queries.length
out.results = []
for (const mode of o.modes.split(',')) {
  if (mode === 'cascade') continue
  out.results.push(await evaluate(mode, (query) => index.searchReport(query, { k: 10, mode, rerank: false })))
  process.stderr.write(`  ${mode} done\n`)
}
await index.close()

if (o.precise && o.modes.split(',').includes('cascade')) {
  // Each margin on the same index file: the precise vectors the first pass computed are kept, so
  // later passes report their embeddings as 0; the first pass (margin 0) is the cold-cache cost.
  for (const margin of o.margins.split(',').map(Number)) {
    const c = await CodeIndex.open(o.db, {
      fast: o.fast,
      precise: o.precise,
      cascade: { margin, candidates: Number(o.candidates) },
    })
    out.results.push(await evaluate(`cascade@${margin}`, (query) => c.searchReport(query, { k: 10, mode: 'hybrid' })))
    await c.close()
    process.stderr.write(`  cascade@${margin} done\n`)
  }
  out.diskBytesAfterQueries = statSync(o.db).size
}
out.peakRss = peakRss()
console.log(JSON.stringify(out))

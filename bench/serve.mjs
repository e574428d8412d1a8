// The embedding server under concurrent load, beside the library called directly.
//
//   node bench/serve.mjs [MODEL] [SECONDS] [-- SERVE FLAGS...]
//
// For 16, 64, 256 and 1,000 concurrent clients: `gguf-embed serve` (a child process) driven by autocannon
// over loopback with POST /v1/embeddings, and the same concurrency as embed() promises in this
// process (each of C callers awaits one embed() after another), taking turns at each level.
// CPU ms per request: the server process's CPU time (all its threads; autocannon's own is not
// counted) or this process's during the library run, over the requests answered: a figure that
// holds when other work on the machine slows both. One real function from Python's
// standard library is the input in both. Figures: requests per second, p50 and p99 latency.
// The load generator shares the machine with the server, as any loopback benchmark does.
import { execFileSync } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { join, dirname } from 'node:path'
import { fileURLToPath } from 'node:url'
import { createRequire } from 'node:module'
import { named } from './corpus/index.cjs'
import { startServe } from './serve-process.mjs'
import { cpus } from 'node:os'

const root = join(dirname(fileURLToPath(import.meta.url)), '..')
const require = createRequire(import.meta.url)
const { Embedder } = require(root)
const autocannon = require('autocannon')

const dashes = process.argv.indexOf('--')
const args = dashes < 0 ? process.argv.slice(2) : process.argv.slice(2, dashes)
const serveFlags = dashes < 0 ? [] : process.argv.slice(dashes + 1)
const model = args[0] ?? join(root, '.models', 'all-minilm-l6-v2.q8_0.gguf')
const seconds = Number(args[1] ?? 10)
const levels = [16, 64, 256, 1000]

// shlex.quote from this machine's Python, whole (bench/corpus): a short, real function.
const text = named('shlex.py', 'quote').text

const percentile = (sorted, p) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]

/** C callers, each awaiting one embed() after another; like autocannon, only calls answered within the window count. */
async function direct(embedder, concurrency) {
  const latencies = []
  const end = performance.now() + seconds * 1000
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (performance.now() < end) {
        const t0 = performance.now()
        await embedder.embed(text)
        const t1 = performance.now()
        if (t1 <= end) latencies.push(t1 - t0)
      }
    }),
  )
  latencies.sort((a, b) => a - b)
  return {
    rps: latencies.length / seconds,
    p50: percentile(latencies, 50),
    p99: percentile(latencies, 99),
    errors: 0,
    answered: latencies.length,
  }
}

async function metric(url, name) {
  const page = await (await fetch(`${url}/metrics`)).text()
  return Number(new RegExp(`^${name} (\\S+)$`, 'm').exec(page)?.[1])
}

const probe = await Embedder.load(model)
const tokens = await probe.countTokens(text)
const threads = probe.info.threads
await probe.dispose()
console.log(
  `${model.split('/').pop()}, input: shlex.quote (${tokens} tokens), ${seconds} s per run, ${cpus().length} cores, ${threads} inference threads, Node ${process.version}`,
)

const rows = []
const { child, url } = await startServe(model, serveFlags)
const embedder = await Embedder.load(model)
const body = JSON.stringify({ model: 'minilm', input: text })
const load = (connections, duration) =>
  autocannon({
    url: `${url}/v1/embeddings`,
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body,
    connections,
    duration,
    timeout: 60,
  })
// CPU seconds (user + system, every thread) of the server process, and of this one.
const ticks = Number(execFileSync('getconf', ['CLK_TCK']).toString())
const serverCpu = () =>
  readFileSync(`/proc/${child.pid}/stat`, 'utf8')
    .split(') ')[1]
    .split(' ')
    .slice(11, 13)
    .reduce((a, b) => a + Number(b), 0) / ticks
const ownCpu = () => {
  const u = process.cpuUsage()
  return (u.user + u.system) / 1e6
}
await load(16, 2) // warm-up
await direct(embedder, 16)
// The two take turns at each level, so a noisy neighbour on the machine hits both alike.
for (const c of levels) {
  const [inputs0, batches0, cpu0] = [
    await metric(url, 'gguf_embed_engine_inputs_total'),
    await metric(url, 'gguf_embed_engine_batches_total'),
    serverCpu(),
  ]
  const r = await load(c, seconds)
  const [inputs1, batches1, cpu1] = [
    await metric(url, 'gguf_embed_engine_inputs_total'),
    await metric(url, 'gguf_embed_engine_batches_total'),
    serverCpu(),
  ]
  const answered = r.requests.total
  rows.push({
    how: 'server',
    c,
    rps: r.requests.average,
    p50: r.latency.p50,
    p99: r.latency.p99,
    errors: r.errors + r.timeouts + r.non2xx,
    batch: (inputs1 - inputs0) / (batches1 - batches0),
    cpu: ((cpu1 - cpu0) * 1000) / answered,
  })

  const s0 = embedder.stats()
  const own0 = ownCpu()
  const d = await direct(embedder, c)
  const own1 = ownCpu()
  const s1 = embedder.stats()
  rows.push({
    how: 'library',
    c,
    ...d,
    batch: (s1.inputs - s0.inputs) / (s1.batches - s0.batches),
    cpu: ((own1 - own0) * 1000) / (s1.inputs - s0.inputs),
  })
}
await embedder.dispose()

const MiB = 2 ** 20
const peakRss = Number(/^VmHWM:\s+(\d+) kB/m.exec(readFileSync(`/proc/${child.pid}/status`, 'utf8'))[1]) * 1024
const server = {}
for (const name of [
  'gguf_embed_mapped_bytes',
  'gguf_embed_memory_peak_bytes',
  'gguf_embed_memory_budget_bytes',
  'gguf_embed_context_bytes',
  'nodejs_heap_used_bytes',
])
  server[name] = await metric(url, name)
const memoryLine = `server ${serveFlags.join(' ') || '(default flags)'}: peak RSS ${(peakRss / MiB).toFixed(1)} MiB = model mapped ${(server.gguf_embed_mapped_bytes / MiB).toFixed(1)} MiB + native working memory peak ${(server.gguf_embed_memory_peak_bytes / MiB).toFixed(1)} MiB (context ${(server.gguf_embed_context_bytes / MiB).toFixed(1)} MiB${Number.isNaN(server.gguf_embed_memory_budget_bytes) ? '' : `, budget ${(server.gguf_embed_memory_budget_bytes / MiB).toFixed(1)} MiB`}) + the rest (Node, V8 heap now ${(server.nodejs_heap_used_bytes / MiB).toFixed(1)} MiB, code)`
child.kill('SIGTERM')
await new Promise((resolve) => child.once('exit', resolve))

console.log(`\n${memoryLine}`)
console.log('\n| clients | how | requests/s | p50 ms | p99 ms | inputs per batch | CPU ms per request | errors |')
console.log('| ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: |')
for (const c of levels) {
  for (const r of rows.filter((r) => r.c === c)) {
    console.log(
      `| ${c} | ${r.how === 'server' ? 'HTTP server (autocannon)' : 'embed() in process'} | ${r.rps.toFixed(0)} | ${r.p50.toFixed(1)} | ${r.p99.toFixed(1)} | ${r.batch.toFixed(1)} | ${r.cpu.toFixed(1)} | ${r.errors} |`,
    )
  }
}

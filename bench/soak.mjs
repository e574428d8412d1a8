// Soak: mixed load for minutes (hours by flag) with random aborts and a dispose/reload cycle.
// Reports resident memory over time (flat after warm-up is the pass) and checks that every request
// was answered exactly once.
//   node bench/soak.mjs [--minutes 3] [--model PATH] [--clients 16] [--reload-every 30] [--budget MiB]
import { readFileSync } from 'node:fs'
import { join, dirname } from 'node:path'
import { fileURLToPath } from 'node:url'
import { createRequire } from 'node:module'
import { parseArgs } from 'node:util'

const root = join(dirname(fileURLToPath(import.meta.url)), '..')
const { Embedder } = createRequire(import.meta.url)(root)
const { values: args } = parseArgs({
  options: {
    minutes: { type: 'string', default: '3' },
    model: { type: 'string', default: join(root, '.models', 'all-minilm-l6-v2.q8_0.gguf') },
    clients: { type: 'string', default: '16' },
    'reload-every': { type: 'string', default: '30' },
    budget: { type: 'string', default: '160' },
    seed: { type: 'string', default: '1' },
  },
})
const minutes = Number(args.minutes)
const clients = Number(args.clients)
const reloadEvery = Number(args['reload-every']) * 1000
const budget = Number(args.budget) * 2 ** 20

// A small deterministic PRNG, so two runs see the same mix.
let state = Number(args.seed) >>> 0 || 1
const random = () => (state = (Math.imul(state ^ (state >>> 15), 2246822507) + 0x9e3779b9) >>> 0) / 2 ** 32
const words = readFileSync(join(root, 'README.md'), 'utf8').split(/\s+/).filter(Boolean)
const text = () => {
  const n = 1 + Math.floor(random() ** 3 * 400) // mostly short, sometimes long (truncated at the context)
  const start = Math.floor(random() * (words.length - n))
  return words.slice(start, start + n).join(' ')
}

const memory = () => {
  const rollup = readFileSync('/proc/self/smaps_rollup', 'utf8')
  const kb = (name) => Number(new RegExp(`^${name}:\\s+(\\d+)`, 'm').exec(rollup)?.[1] ?? 0) * 1024
  return { rss: kb('Rss'), anonymous: kb('Anonymous'), heap: process.memoryUsage().heapUsed }
}

let embedder = await Embedder.load(args.model, { memoryBudget: budget })
const issued = []
const settled = new Map()
const outcome = { ok: 0, ABORTED: 0, DISPOSED: 0, QUEUE_FULL: 0, other: 0 }
let nextId = 0
let stopping = false
const settle = (id, kind) => {
  settled.set(id, (settled.get(id) ?? 0) + 1)
  outcome[kind in outcome ? kind : 'other']++
}

async function client() {
  while (!stopping) {
    const id = nextId++
    issued.push(id)
    const controller = new AbortController()
    const batch = random() < 0.7 ? null : Array.from({ length: 1 + Math.floor(random() * 64) }, text)
    const call = batch
      ? embedder.embedBatch(batch, { signal: controller.signal })
      : embedder.embed(text(), { kind: random() < 0.5 ? 'query' : 'document', signal: controller.signal })
    if (random() < 0.1) setTimeout(() => controller.abort(), Math.floor(random() * 20))
    try {
      await call
      settle(id, 'ok')
    } catch (err) {
      settle(id, err.code)
      if (err.code === 'QUEUE_FULL') await new Promise((r) => setTimeout(r, 10))
    }
  }
}

const started = performance.now()
const samples = []
const sample = () => samples.push({ t: (performance.now() - started) / 1000, ...memory(), requests: settled.size })
sample()
const sampler = setInterval(sample, 5000)
let reloads = 0
const reloader = setInterval(async () => {
  // Dispose while clients are mid-flight: queued calls reject with DISPOSED, then move on.
  const old = embedder
  embedder = await Embedder.load(args.model, { memoryBudget: budget })
  await old.dispose()
  reloads++
}, reloadEvery)

const running = Array.from({ length: clients }, client)
await new Promise((r) => setTimeout(r, minutes * 60_000))
stopping = true
clearInterval(reloader)
await Promise.all(running)
clearInterval(sampler)
sample()
const stats = embedder.stats()
await embedder.dispose()

const twice = [...settled.values()].filter((n) => n !== 1).length
const missing = issued.filter((id) => !settled.has(id)).length
const mib = (b) => (b / 2 ** 20).toFixed(1)
console.log(
  `soak: ${minutes} min, ${clients} clients, reload every ${reloadEvery / 1000} s (${reloads} reloads), budget ${mib(budget)} MiB, ${args.model.split('/').pop()}`,
)
console.log(
  `  requests ${issued.length}: ${JSON.stringify(outcome)}; answered twice ${twice}, never answered ${missing}`,
)
console.log('  time (s)   RSS (MiB)   anonymous (MiB)   V8 heap (MiB)   answered')
for (const s of samples)
  console.log(
    `  ${s.t.toFixed(0).padStart(8)}   ${mib(s.rss).padStart(9)}   ${mib(s.anonymous).padStart(15)}   ${mib(s.heap).padStart(13)}   ${String(s.requests).padStart(8)}`,
  )
const warm = samples.find((s) => s.t >= Math.min(60, (minutes * 60) / 3)) ?? samples[1]
const last = samples[samples.length - 1]
const rest = samples.filter((s) => s.t >= warm.t)
const high = Math.max(...rest.map((s) => s.rss))
console.log(
  `  after warm-up (${warm.t.toFixed(0)} s): RSS ${mib(warm.rss)} -> ${mib(last.rss)} MiB (${((last.rss / warm.rss - 1) * 100).toFixed(1)}%), highest ${mib(high)} MiB; last embedder's peak native ${mib(stats.memoryPeak)} of ${mib(budget)} MiB`,
)
if (twice > 0 || missing > 0) {
  console.error('soak: FAILED: every request must be answered exactly once')
  process.exit(1)
}

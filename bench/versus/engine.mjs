// One engine's run for bench/versus.mjs, in a process of its own: loads it, embeds the code and
// the short texts (event-loop delay sampled meanwhile), then single queries one at a time, and
// prints one JSON line. Called as: node engine.mjs SPEC_JSON TEXTS_JSON
import { monitorEventLoopDelay } from 'node:perf_hooks'
import { readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { join } from 'node:path'
import { latency } from '../latency.mjs'

const spec = JSON.parse(process.argv[2])
const { code, short, single, threads } = JSON.parse(readFileSync(process.argv[3], 'utf8'))

/** embed(texts) -> number[][] (in order); query(text) -> number[]; close(). */
async function load() {
  if (spec.kind === 'tjs') return transformersJs()
  if (spec.kind === 'ours') return ggufEmbed()
  if (spec.kind === 'nlc') return nodeLlamaCpp()
  throw new Error(`unknown engine ${spec.kind}`)
}

async function transformersJs() {
  const { pipeline, env } = await import(
    join(spec.bench, 'node_modules', '@huggingface', 'transformers', 'dist', 'transformers.node.mjs')
  )
  env.allowRemoteModels = false
  env.localModelPath = spec.models
  const extractor = await pipeline('feature-extraction', 'all-minilm-l6-v2', {
    dtype: spec.dtype,
    device: 'cpu',
    session_options: { intraOpNumThreads: threads, interOpNumThreads: 1 },
  })
  const run = async (texts) => (await extractor(texts, { pooling: 'mean', normalize: true })).tolist()
  return {
    version: (
      await import(join(spec.bench, 'node_modules', '@huggingface', 'transformers', 'package.json'), {
        with: { type: 'json' },
      })
    ).default.version,
    async embed(texts) {
      // Batches of spec.batch texts; sorted by length so a batch pads little.
      const order = texts.map((_, i) => i).sort((a, b) => texts[a].length - texts[b].length)
      const out = new Array(texts.length)
      for (let i = 0; i < order.length; i += spec.batch) {
        const part = order.slice(i, i + spec.batch)
        const vectors = await run(part.map((j) => texts[j]))
        part.forEach((j, k) => (out[j] = vectors[k]))
      }
      return out
    },
    query: async (text) => (await run([text]))[0],
    close: () => extractor.dispose(),
  }
}

async function ggufEmbed() {
  // The dev build (this checkout's dist/) or a shipped package installed in spec.package.
  const require = createRequire(join(spec.package ?? spec.root, 'package.json'))
  const { Embedder, systemInfo } = require(spec.package ? 'gguf-embed' : spec.root)
  const e = await Embedder.load(spec.model, { threads })
  return {
    version: systemInfo().kernels?.join(' '),
    embed: (texts) => e.embedBatch(texts).then((vs) => vs.map((v) => Array.from(v))),
    query: (text) => e.embed(text, { kind: 'query' }),
    close: () => e.dispose(),
  }
}

async function nodeLlamaCpp() {
  const mod = await import(join(spec.bench, 'node_modules', 'node-llama-cpp', 'dist', 'index.js'))
  const llama = await mod.getLlama({ gpu: false, logLevel: 'error', build: 'never' })
  const m = await llama.loadModel({ modelPath: spec.model })
  const ctx = await m.createEmbeddingContext({ threads, contextSize: 512, batchSize: 512 })
  // node-llama-cpp throws on inputs that do not fit: cut them as the other engines do.
  const fit = (t) => {
    const ids = m.tokenize(t)
    return ids.length > 508 ? ids.slice(0, 508) : t
  }
  const norm = (v) => {
    const n = Math.hypot(...v)
    return v.map((x) => x / n)
  }
  return {
    version: 'node-llama-cpp',
    embed: (texts) => Promise.all(texts.map((t) => ctx.getEmbeddingFor(fit(t)).then((r) => norm([...r.vector])))),
    query: (text) => ctx.getEmbeddingFor(fit(text)).then((r) => r.vector),
    close: async () => {
      await ctx.dispose()
      await m.dispose()
    },
  }
}

const cpu0 = process.cpuUsage()
const wall0 = performance.now()
const engine = await load()
const loadedRss = process.memoryUsage().rss
await engine.embed(short.slice(0, 50))
const result = { version: engine.version, loadedRss }
for (const [name, texts] of [
  ['code', code],
  ['short', short],
]) {
  const delay = monitorEventLoopDelay({ resolution: 1 })
  delay.enable()
  const t0 = performance.now()
  const vectors = await engine.embed(texts)
  const s = (performance.now() - t0) / 1000
  delay.disable()
  result[name] = { texts: texts.length / s, loopP99: delay.percentile(99) / 1e6 }
  // A few vectors, to check in the parent that every engine ran the same model.
  if (name === 'code') result.sample = vectors.slice(0, 8).map((v) => Array.from(v, (x) => Number(x.toFixed(6))))
}
Object.assign(result, await latency(single, (q) => engine.query(q)))
await engine.close()
const cpu = process.cpuUsage(cpu0)
result.cpuSeconds = (cpu.user + cpu.system) / 1e6
result.wallSeconds = (performance.now() - wall0) / 1000
result.peakRss = process.resourceUsage().maxRSS * 1024
console.log(JSON.stringify(result))
process.exit(0)

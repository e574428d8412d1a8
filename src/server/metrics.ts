/**
 * Prometheus metrics in the text exposition format (version 0.0.4), written by hand: a few
 * counters and histograms kept by the server, and gauges read from the Embedder at scrape time.
 */
import type { Embedder } from '../embedder'
import { nativeMemory } from '../system'

type Labels = Record<string, string>

function escape(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"')
}

function labelText(labels: Labels, extra?: [string, string]): string {
  const pairs = Object.entries(labels)
  if (extra) pairs.push(extra)
  return pairs.length === 0 ? '' : `{${pairs.map(([k, v]) => `${k}="${escape(v)}"`).join(',')}}`
}

function header(name: string, help: string, type: string): string {
  return `# HELP ${name} ${help}\n# TYPE ${name} ${type}\n`
}

interface Family {
  render(): string
}

export class Counter implements Family {
  readonly #series = new Map<string, { labels: Labels; value: number }>()
  constructor(
    readonly name: string,
    readonly help: string,
  ) {}

  inc(labels: Labels = {}, by = 1): void {
    const key = JSON.stringify(labels)
    const s = this.#series.get(key)
    if (s) s.value += by
    else this.#series.set(key, { labels, value: by })
  }

  get(labels: Labels = {}): number {
    return this.#series.get(JSON.stringify(labels))?.value ?? 0
  }

  render(): string {
    let out = header(this.name, this.help, 'counter')
    for (const s of this.#series.values()) out += `${this.name}${labelText(s.labels)} ${s.value}\n`
    return out
  }
}

export class Histogram implements Family {
  readonly #series = new Map<string, { labels: Labels; counts: number[]; sum: number; count: number }>()
  constructor(
    readonly name: string,
    readonly help: string,
    /** Upper bounds, ascending; +Inf is implied. */
    readonly buckets: readonly number[],
  ) {}

  observe(labels: Labels, value: number): void {
    const key = JSON.stringify(labels)
    let s = this.#series.get(key)
    if (!s) this.#series.set(key, (s = { labels, counts: new Array(this.buckets.length).fill(0), sum: 0, count: 0 }))
    for (let i = 0; i < this.buckets.length; i++) if (value <= this.buckets[i]) s.counts[i]++
    s.sum += value
    s.count++
  }

  render(): string {
    let out = header(this.name, this.help, 'histogram')
    for (const s of this.#series.values()) {
      this.buckets.forEach(
        (le, i) => (out += `${this.name}_bucket${labelText(s.labels, ['le', String(le)])} ${s.counts[i]}\n`),
      )
      out += `${this.name}_bucket${labelText(s.labels, ['le', '+Inf'])} ${s.count}\n`
      out += `${this.name}_sum${labelText(s.labels)} ${s.sum}\n`
      out += `${this.name}_count${labelText(s.labels)} ${s.count}\n`
    }
    return out
  }
}

/** A value read when scraped (queue depth, memory). Absent values are left out, not written as 0. */
export function gauge(name: string, help: string, value: number | undefined): string {
  return value === undefined ? '' : `${header(name, help, 'gauge')}${name} ${value}\n`
}

/** A monotonic total kept elsewhere (the Embedder's own counters), exposed as a counter. */
export function total(name: string, help: string, value: number): string {
  return `${header(name, help, 'counter')}${name} ${value}\n`
}

/** What the server itself counts; the Embedder's figures are added at scrape time by the app. */
export class ServerMetrics {
  readonly requests = new Counter(
    'gguf_embed_http_requests_total',
    'HTTP requests by route and status (499: the client closed the connection first).',
  )
  readonly duration = new Histogram(
    'gguf_embed_http_request_duration_seconds',
    'Time from the request to the last byte of its response, by route.',
    [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
  )
  readonly inputs = new Histogram(
    'gguf_embed_http_request_inputs',
    'Inputs per embedding request, by route.',
    [1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024, 2048],
  )
  readonly promptTokens = new Counter(
    'gguf_embed_prompt_tokens_total',
    'Tokens embedded for answered requests (the usage reported to clients), by route.',
  )
  inFlight = 0
  connections = 0
  /** Connections closed on arrival because `limits.maxConnections` were open. */
  connectionsDropped = 0

  render(): string {
    return (
      [this.requests, this.duration, this.inputs, this.promptTokens].map((f) => f.render()).join('') +
      gauge('gguf_embed_http_requests_in_flight', 'HTTP requests being read or answered.', this.inFlight) +
      gauge('gguf_embed_http_connections', 'Open client connections.', this.connections) +
      total(
        'gguf_embed_http_connections_dropped_total',
        'Connections closed on arrival because the connection limit was reached.',
        this.connectionsDropped,
      )
    )
  }
}

/** Gauges and totals read at scrape time: the Embedder's own counters (when one is loaded), the process's native and JS memory. */
export function engineMetrics(e: Embedder | undefined): string {
  let out = ''
  if (e) {
    const s = e.stats()
    out +=
      total(
        'gguf_embed_engine_requests_total',
        'Native requests the Embedder accepted (an HTTP request is one or more).',
        s.requests,
      ) +
      total('gguf_embed_engine_inputs_total', 'Inputs embedded.', s.inputs) +
      total('gguf_embed_engine_tokens_total', 'Tokens embedded.', s.tokens) +
      total(
        'gguf_embed_engine_batches_total',
        'llama.cpp batches run; inputs_total / batches_total is the mean batch size.',
        s.batches,
      ) +
      total('gguf_embed_engine_aborted_total', 'Requests cancelled (clients that disconnected).', s.aborted) +
      total('gguf_embed_engine_rejected_total', 'Requests refused with QUEUE_FULL (answered 429).', s.rejected) +
      gauge('gguf_embed_queue_depth', 'Requests waiting for the inference thread.', s.queueDepth) +
      gauge('gguf_embed_inference_in_flight', 'Requests the inference thread is working on.', s.inFlight) +
      gauge(
        'gguf_embed_mapped_bytes',
        'Size of the model file, mapped read-only (page cache shared between processes).',
        s.mappedBytes,
      ) +
      gauge(
        'gguf_embed_memory_used_bytes',
        'Native working memory now: context, batch buffers, queued inputs.',
        s.memoryUsed,
      ) +
      gauge('gguf_embed_memory_peak_bytes', 'The most native working memory has been.', s.memoryPeak) +
      gauge('gguf_embed_memory_budget_bytes', 'The memory budget, when one is set.', s.memoryBudget) +
      gauge(
        'gguf_embed_context_bytes',
        "llama.cpp's own accounting of the context (compute buffers, output buffer).",
        s.contextBytes,
      )
  }
  const n = nativeMemory()
  const m = process.memoryUsage()
  out +=
    gauge('gguf_embed_native_models', 'llama.cpp models loaded in this process.', n.models) +
    gauge('gguf_embed_native_contexts', 'llama.cpp contexts alive in this process.', n.contexts) +
    gauge('gguf_embed_native_context_bytes', 'Bytes llama.cpp allocated for those contexts.', n.contextBytes) +
    gauge('process_resident_memory_bytes', 'Resident set size of the process.', m.rss) +
    gauge('nodejs_heap_used_bytes', 'V8 heap in use.', m.heapUsed) +
    gauge(
      'nodejs_external_memory_bytes',
      'Memory of JS objects backed by native memory (vectors included).',
      m.external,
    )
  return out
}

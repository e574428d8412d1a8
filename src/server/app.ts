/**
 * The embedding server: routing, the handlers, and its lifecycle (loading -> ready -> draining ->
 * closed). Every client's request goes through the one Embedder, whose queue packs them into
 * shared batches; a client that disconnects aborts its queued work.
 */
import { createServer as createHttpServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { basename } from 'node:path'
import { performance } from 'node:perf_hooks'

import type { Embedder, EmbedInput, Kind } from '../embedder'
import { bearerCheck } from './auth'
import { ClientGone, declaredTooLarge, readJson } from './body'
import { closeAfterAnswer, trackConnections } from './connections'
import { HttpError, fromEmbedError, unavailable } from './errors'
import type { InputRules } from './input'
import { resolveLimits, type ServerLimits } from './limits'
import { printable } from './log'
import { ServerMetrics, engineMetrics, gauge } from './metrics'
import * as openai from './openai'
import * as tei from './tei'
import { invalidArgument } from '../errors'

export interface ServerOptions {
  /** Require `Authorization: Bearer <apiKey>` on the embedding routes (/health, /ready and /metrics stay open). */
  apiKey?: string
  limits?: Partial<ServerLimits>
  /** The `model` named in responses. @default the model file's name without `.gguf` */
  modelName?: string
  /** Dispose the Embedder when the server closes. @default false: the caller keeps it */
  ownsEmbedder?: boolean
  /**
   * Accept token arrays (number[], number[][]) as input. false refuses them with 400 (code
   * `token_input_disabled`), for deployments whose clients should only ever send text.
   * @default true
   */
  tokenInput?: boolean
}

export type ServerState = 'loading' | 'ready' | 'draining' | 'closed' | 'failed'

type Route = '/v1/embeddings' | '/embed' | '/v1/models' | '/health' | '/ready' | '/metrics'

/**
 * Path -> route and the methods it answers. `/embeddings` is where a client with a base URL lacking
 * /v1 posts. TEI answers /embed on `/` and `/invocations` (SageMaker's path) too, and Hugging
 * Face's clients (InferenceClient, @huggingface/inference) post to the bare endpoint URL.
 */
const ROUTES: Record<string, { route: Route; methods: string[] }> = {
  '/v1/embeddings': { route: '/v1/embeddings', methods: ['POST'] },
  '/embeddings': { route: '/v1/embeddings', methods: ['POST'] },
  '/embed': { route: '/embed', methods: ['POST'] },
  '/': { route: '/embed', methods: ['POST'] },
  '/invocations': { route: '/embed', methods: ['POST'] },
  '/v1/models': { route: '/v1/models', methods: ['GET', 'HEAD'] },
  '/health': { route: '/health', methods: ['GET', 'HEAD'] },
  '/ready': { route: '/ready', methods: ['GET', 'HEAD'] },
  '/metrics': { route: '/metrics', methods: ['GET', 'HEAD'] },
}

/** One embedding call, whichever route it came in on. */
interface Job {
  inputs: EmbedInput[]
  kind?: Kind
  dimensions?: number
}

export class EmbeddingServer {
  /** The underlying Node server (timeouts are set on it; do not call its listen/close directly). */
  readonly http: Server
  readonly limits: ServerLimits
  /** Settles when the model is loaded (or failed to load). */
  readonly loaded: Promise<Embedder>
  readonly metrics = new ServerMetrics()
  #embedder: Embedder | undefined
  #state: ServerState = 'loading'
  #modelName: string | undefined
  readonly #owns: boolean
  readonly #authorize: (header: string | undefined) => void
  readonly #rules: InputRules
  #closing: Promise<void> | undefined

  constructor(embedder: Embedder | Promise<Embedder>, options: ServerOptions = {}) {
    if (options === null || typeof options !== 'object') throw new TypeError('options must be an object')
    this.limits = resolveLimits(options.limits)
    this.#authorize = bearerCheck(options.apiKey)
    this.#modelName = options.modelName
    this.#owns = options.ownsEmbedder ?? false
    if (options.tokenInput !== undefined && typeof options.tokenInput !== 'boolean')
      throw invalidArgument('tokenInput must be a boolean')
    this.#rules = { maxInputs: this.limits.maxInputs, tokenInput: options.tokenInput ?? true }
    this.http = createHttpServer({
      headersTimeout: this.limits.headersTimeout,
      requestTimeout: this.limits.requestTimeout,
      keepAliveTimeout: this.limits.keepAliveTimeout,
      // How often Node looks for connections past headersTimeout/requestTimeout (30 s by default,
      // which would let a slowloris client hold a socket well past the limit). Node counts
      // headersTimeout from the connection's start, so this also closes sockets that never send.
      connectionsCheckingInterval: Math.min(1000, this.limits.headersTimeout),
      noDelay: true,
    })
    this.http.on('request', (req, res) => this.#handle(req, res))
    // Expect: 100-continue: a body declared over the limit is refused before the client sends it.
    this.http.on('checkContinue', (req, res) => {
      if (!declaredTooLarge(req, this.limits.maxBodyBytes)) res.writeContinue()
      this.#handle(req, res)
    })
    trackConnections(this.http, this.limits.maxConnections, this.metrics)
    // Malformed requests and slow clients (headersTimeout, requestTimeout) are answered by Node
    // itself: 400, 431 or 408, then the connection is closed.
    this.loaded = Promise.resolve(embedder).then(
      (e) => {
        this.#embedder = e
        this.#modelName ??= basename(e.info.path).replace(/\.gguf$/i, '')
        if (this.#state === 'loading') this.#state = 'ready'
        return e
      },
      (err) => {
        if (this.#state === 'loading') this.#state = 'failed'
        throw err
      },
    )
    // The caller sees a load failure through `loaded`; this keeps it from being "unhandled" meanwhile.
    this.loaded.catch(() => {})
  }

  get state(): ServerState {
    return this.#state
  }

  /** The Embedder, once loaded. */
  get embedder(): Embedder | undefined {
    return this.#embedder
  }

  /** Binds to the port (0: any free one) and host (loopback unless told otherwise). */
  listen(port = 8080, host = '127.0.0.1'): Promise<AddressInfo> {
    return new Promise((resolve, reject) => {
      this.http.once('error', reject)
      // A backlog above Node's 511 so a burst of new connections is queued, not refused (the
      // kernel caps it at net.core.somaxconn).
      this.http.listen({ port, host, backlog: 4096 }, () => {
        this.http.off('error', reject)
        resolve(this.http.address() as AddressInfo)
      })
    })
  }

  /**
   * Stops accepting connections, answers the requests already in flight (new requests on open
   * connections get 503 and `Connection: close`), waits at most `limits.drainTimeout` for them,
   * then disposes the Embedder if the server owns it. Idempotent.
   */
  close(): Promise<void> {
    this.#closing ??= this.#drain()
    return this.#closing
  }

  async #drain(): Promise<void> {
    if (this.#state !== 'failed') this.#state = 'draining'
    if (this.http.listening) {
      await new Promise<void>((resolve) => {
        const cut = setTimeout(() => this.http.closeAllConnections(), this.limits.drainTimeout)
        this.http.close(() => {
          clearTimeout(cut)
          resolve()
        })
        this.http.closeIdleConnections()
      })
    }
    const embedder = await this.loaded.catch(() => undefined)
    this.#state = 'closed'
    if (this.#owns) await embedder?.dispose()
  }

  #handle(req: IncomingMessage, res: ServerResponse): void {
    const started = performance.now()
    const path = (req.url ?? '/').split('?', 1)[0]
    const entry = ROUTES[path]
    const route = entry?.route ?? 'other'
    // A client that disconnects before its answer cancels its work: 'close' on the response
    // before it has finished means the connection went away.
    const controller = new AbortController()
    this.metrics.inFlight++
    res.once('close', () => {
      this.metrics.inFlight--
      if (!res.writableFinished) controller.abort()
      this.metrics.requests.inc({ route, status: String(res.writableFinished ? res.statusCode : 499) })
      this.metrics.duration.observe({ route }, (performance.now() - started) / 1000)
    })
    if (this.#state === 'draining' || this.#state === 'closed') res.setHeader('Connection', 'close')

    const respond = async () => {
      if (!entry) throw new HttpError(404, 'not_found_error', 'not_found', `no route ${path}`)
      if (!entry.methods.includes(req.method ?? '')) {
        res.setHeader('Allow', entry.methods.join(', '))
        throw new HttpError(
          405,
          'invalid_request_error',
          'method_not_allowed',
          `${path} answers ${entry.methods.join(' and ')}, not ${req.method}`,
        )
      }
      switch (entry.route) {
        case '/health':
          return this.#json(res, 200, JSON.stringify({ status: 'ok' }))
        case '/ready':
          return this.#json(res, this.#state === 'ready' ? 200 : 503, JSON.stringify({ status: this.#state }))
        case '/metrics':
          return this.#send(res, 200, this.#scrape(), 'text/plain; version=0.0.4; charset=utf-8')
        case '/v1/models':
          this.#authorize(req.headers.authorization)
          return this.#json(res, 200, JSON.stringify({ object: 'list', data: [this.#modelObject()] }))
        case '/v1/embeddings':
          return this.#embeddings(req, res, controller.signal)
        case '/embed':
          return this.#tei(req, res, controller.signal)
      }
    }
    respond().catch((err: unknown) => {
      if (err instanceof ClientGone || res.destroyed) return
      const error = fromEmbedError(err)
      // Escaped: an error's message may quote the request.
      if (error.status >= 500 && error.status !== 503)
        console.error(`gguf-embed serve: internal error: ${printable(String((err as Error)?.stack ?? err))}`)
      if (!req.complete && !res.headersSent) closeAfterAnswer(req, res, this.limits.maxBodyBytes)
      if (error.retryAfter !== undefined) res.setHeader('Retry-After', String(error.retryAfter))
      if (error.status === 401) res.setHeader('WWW-Authenticate', 'Bearer')
      const body =
        route === '/embed'
          ? tei.errorBody(error)
          : JSON.stringify({
              error: { message: error.message, type: error.type, param: error.param, code: error.code },
            })
      this.#json(res, error.status, body)
    })
  }

  /** The embedder, or 503 while loading, draining or closed. */
  #ready(): Embedder {
    if (this.#state === 'ready' && this.#embedder) return this.#embedder
    if (this.#state === 'loading') throw unavailable('the model is still loading', 'loading')
    if (this.#state === 'failed') throw unavailable('the model failed to load', 'load_failed')
    throw unavailable('the server is shutting down', 'shutting_down')
  }

  async #embeddings(req: IncomingMessage, res: ServerResponse, signal: AbortSignal): Promise<void> {
    this.#authorize(req.headers.authorization)
    this.#ready()
    const request = openai.parseRequest(await readJson(req, this.limits.maxBodyBytes), this.#rules)
    const { vectors, tokens } = await this.#run('/v1/embeddings', request, signal)
    this.#json(res, 200, openai.responseBody(vectors, tokens, request.encoding, this.#modelName!))
  }

  async #tei(req: IncomingMessage, res: ServerResponse, signal: AbortSignal): Promise<void> {
    this.#authorize(req.headers.authorization)
    const embedder = this.#ready()
    const request = tei.parseRequest(await readJson(req, this.limits.maxBodyBytes), this.#rules, embedder.info)
    const { vectors } = await this.#run('/embed', request, signal)
    this.#json(res, 200, tei.responseBody(vectors))
  }

  async #run(route: Route, job: Job, signal: AbortSignal): Promise<{ vectors: Float32Array[]; tokens: number[] }> {
    // Checked again after the body is read: the server may have begun draining meanwhile.
    const embedder = this.#ready()
    this.metrics.inputs.observe({ route }, job.inputs.length)
    const result = await embedder.embedWithUsage(job.inputs, { kind: job.kind, dimensions: job.dimensions, signal })
    this.metrics.promptTokens.inc(
      { route },
      result.tokens.reduce((a, b) => a + b, 0),
    )
    return result
  }

  #modelObject() {
    return { id: this.#modelName ?? 'loading', object: 'model', created: 0, owned_by: 'gguf-embed' }
  }

  #scrape(): string {
    const ready = gauge(
      'gguf_embed_ready',
      'Whether the model is loaded and the server is not draining (1) or not (0).',
      this.#state === 'ready' ? 1 : 0,
    )
    return this.metrics.render() + ready + engineMetrics(this.#state === 'closed' ? undefined : this.#embedder)
  }

  #json(res: ServerResponse, status: number, body: string): void {
    this.#send(res, status, body, 'application/json')
  }

  /** Answers once: a response already started (or a connection already gone) is left alone. */
  #send(res: ServerResponse, status: number, body: string, contentType: string): void {
    if (res.headersSent || res.destroyed) return
    res.statusCode = status
    res.setHeader('Content-Type', contentType)
    res.setHeader('Content-Length', Buffer.byteLength(body))
    res.setHeader('X-Content-Type-Options', 'nosniff')
    if (this.#state === 'draining' || this.#state === 'closed') res.setHeader('Connection', 'close')
    res.end(body)
  }
}

/** An embedding server over an Embedder (or one being loaded: routes answer 503 until it is). Call `listen()`. */
export function createServer(embedder: Embedder | Promise<Embedder>, options: ServerOptions = {}): EmbeddingServer {
  return new EmbeddingServer(embedder, options)
}

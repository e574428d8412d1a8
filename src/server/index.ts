/**
 * gguf-embed/server: an HTTP server for embeddings with OpenAI's /v1/embeddings, TEI's /embed,
 * health, readiness and Prometheus metrics, over one shared Embedder.
 */
import { Embedder, type EmbedderOptions } from '../embedder'
import { invalidArgument } from '../errors'
import { createServer, EmbeddingServer, type ServerOptions } from './app'
import { isLoopback } from './auth'

export { createServer, EmbeddingServer } from './app'
export type { ServerOptions, ServerState } from './app'
export { DEFAULT_LIMITS } from './limits'
export type { ServerLimits } from './limits'
export { HttpError } from './errors'

export interface ServeOptions extends Omit<ServerOptions, 'ownsEmbedder'> {
  /** 0 picks a free port (read it from `server.http.address()`). @default 8080 */
  port?: number
  /**
   * Any other address than loopback (127.0.0.0/8, ::1, localhost) needs an `apiKey`, or
   * `insecureNoAuth: true`. @default '127.0.0.1': reachable from this machine only
   */
  host?: string
  /** Serve beyond loopback without an API key. @default false */
  insecureNoAuth?: boolean
  /**
   * Options of `Embedder.load`: threads, contextSize (the most tokens one input may have),
   * maxQueue, memoryBudget, pull... `truncate` defaults to 'error' here, so an over-long input is
   * refused with 400 as OpenAI does rather than cut.
   */
  embedder?: Omit<EmbedderOptions, 'signal'>
}

/**
 * Loads the model (a path or an `hf:` URI) and serves it. The server listens while the model
 * loads (/health answers, /ready says 503); the promise resolves once it is ready, or rejects
 * (the server closed) when the model cannot be loaded. `close()` drains and disposes the model.
 */
export async function serve(model: string, options: ServeOptions = {}): Promise<EmbeddingServer> {
  const { port = 8080, host = '127.0.0.1', insecureNoAuth = false, embedder: loadOptions, ...serverOptions } = options
  if (serverOptions.apiKey === undefined && !insecureNoAuth && !isLoopback(host)) {
    throw invalidArgument(
      `host ${host} is reachable from other machines: set apiKey, or insecureNoAuth: true to serve without one`,
    )
  }
  const controller = new AbortController()
  const server = createServer(Embedder.load(model, { truncate: 'error', ...loadOptions, signal: controller.signal }), {
    ...serverOptions,
    ownsEmbedder: true,
  })
  // Closing while the model is still loading (or downloading) stops the load.
  server.http.once('close', () => controller.abort())
  try {
    await server.listen(port, host)
    await server.loaded
  } catch (err) {
    controller.abort()
    await server.close()
    throw err
  }
  return server
}

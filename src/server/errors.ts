/**
 * HTTP errors of the embedding server, and the one mapping from the library's EmbedError codes to
 * HTTP statuses. Routes render them in their own wire shape (OpenAI's or TEI's); the status and the
 * retry hint are decided here only.
 */
import { EmbedError } from '../errors'

/** OpenAI's `error.type` values that clients branch on. */
export type ErrorType = 'invalid_request_error' | 'rate_limit_error' | 'server_error' | 'not_found_error'

export class HttpError extends Error {
  readonly status: number
  readonly type: ErrorType
  /** A stable machine-readable code (OpenAI's `error.code`), e.g. `context_length_exceeded`. */
  readonly code: string
  /** The request field at fault, e.g. `input` or `dimensions`. */
  readonly param: string | null
  /** Seconds a client should wait before retrying (sent as Retry-After). */
  readonly retryAfter?: number

  constructor(
    status: number,
    type: ErrorType,
    code: string,
    message: string,
    param: string | null = null,
    retryAfter?: number,
  ) {
    super(message)
    this.name = 'HttpError'
    this.status = status
    this.type = type
    this.code = code
    this.param = param
    if (retryAfter !== undefined) this.retryAfter = retryAfter
  }
}

export const badRequest = (message: string, param: string | null = null, code = 'invalid_request') =>
  new HttpError(400, 'invalid_request_error', code, message, param)

export const unavailable = (message: string, code = 'unavailable') =>
  new HttpError(503, 'server_error', code, message, null, 1)

/**
 * The library's typed errors as HTTP: the caller's fault is 4xx, a full queue is a retryable 429,
 * a server that is shutting down is 503. Only a bug (INTERNAL, or something not an EmbedError) is 500.
 */
export function fromEmbedError(err: unknown): HttpError {
  if (err instanceof HttpError) return err
  if (!(err instanceof EmbedError)) {
    return new HttpError(500, 'server_error', 'internal_error', 'internal error')
  }
  switch (err.code) {
    case 'INVALID_ARGUMENT':
      // The library's per-call parameters are OpenAI's: `dimensions`, or the input itself.
      return badRequest(err.message, err.param === 'dimensions' ? 'dimensions' : 'input')
    case 'INPUT_TOO_LONG':
      return badRequest(err.message, 'input', 'context_length_exceeded')
    case 'QUEUE_FULL':
      // Either the queue or the memory budget is momentarily full: both clear as work completes.
      return new HttpError(429, 'rate_limit_error', 'queue_full', `the server is busy: ${err.message}`, null, 1)
    case 'MEMORY_BUDGET':
      // At call time this means the request alone can never fit the budget: retrying cannot help.
      return new HttpError(413, 'invalid_request_error', 'request_too_large', err.message, 'input')
    case 'DISPOSED':
      return unavailable('the model has been unloaded (the server is shutting down)', 'shutting_down')
    case 'ABORTED':
      return unavailable('the request was cancelled', 'cancelled')
    default:
      return new HttpError(500, 'server_error', 'internal_error', `${err.code}: ${err.message}`)
  }
}

/**
 * Every limit the server enforces, with its default, in one place. Token limits are not here: the
 * most tokens one input may have is the Embedder's `contextSize` (with `truncate: 'error'` an
 * over-long input is refused with 400 rather than cut), so the engine counts them where it tokenizes.
 */
import { invalidArgument } from '../errors'

export interface ServerLimits {
  /** Bytes of one request body. A larger body is answered 413 and not read any further. @default 4 MiB */
  maxBodyBytes: number
  /** Inputs in one request (OpenAI's own limit is 2048). @default 2048 */
  maxInputs: number
  /** Milliseconds to receive a request's headers (slowloris). @default 10000 */
  headersTimeout: number
  /** Milliseconds to receive a whole request, body included. @default 30000 */
  requestTimeout: number
  /** Milliseconds an idle keep-alive connection stays open. @default 5000 */
  keepAliveTimeout: number
  /** Milliseconds `close()` waits for in-flight requests before it cuts their connections. @default 30000 */
  drainTimeout: number
}

export const DEFAULT_LIMITS: Readonly<ServerLimits> = Object.freeze({
  maxBodyBytes: 4 * 1024 * 1024,
  maxInputs: 2048,
  headersTimeout: 10_000,
  requestTimeout: 30_000,
  keepAliveTimeout: 5_000,
  drainTimeout: 30_000,
})

/** Fills in defaults and refuses what is not a positive integer (a typo must not mean "no limit"). */
export function resolveLimits(given: Partial<ServerLimits> = {}): ServerLimits {
  if (given === null || typeof given !== 'object') throw invalidArgument('limits must be an object')
  const limits = { ...DEFAULT_LIMITS }
  for (const key of Object.keys(DEFAULT_LIMITS) as Array<keyof ServerLimits>) {
    const v = given[key]
    if (v === undefined) continue
    if (typeof v !== 'number' || !Number.isInteger(v) || v < 1 || v > 2 ** 31 - 1) {
      throw invalidArgument(`limits.${key} must be a positive integer, got ${String(v)}`)
    }
    limits[key] = v
  }
  for (const key of Object.keys(given)) {
    if (!(key in DEFAULT_LIMITS)) throw invalidArgument(`unknown limit "${key}"`)
  }
  // Node refuses a headersTimeout above requestTimeout; say so in our terms.
  if (limits.headersTimeout > limits.requestTimeout) {
    throw invalidArgument(`limits.headersTimeout (${limits.headersTimeout}) must not exceed limits.requestTimeout (${limits.requestTimeout})`)
  }
  return limits
}

/**
 * Every limit the server enforces, with its default, in one place. Token limits are not here: the
 * most tokens one input may have is the Embedder's `contextSize` (with `truncate: 'error'` an
 * over-long input is refused with 400 rather than cut), so the engine counts them where it tokenizes.
 */
import { readFileSync } from 'node:fs'

import { invalidArgument } from '../errors'

export interface ServerLimits {
  /** Bytes of one request body. A larger body is answered 413 and not read any further. @default 4 MiB */
  maxBodyBytes: number
  /** Inputs in one request (OpenAI's own limit is 2048). @default 2048 */
  maxInputs: number
  /**
   * Milliseconds to receive a request's headers (slowloris), counted from the connection's start:
   * a client that connects and sends nothing is answered 408 and closed then too. @default 10000
   */
  headersTimeout: number
  /** Milliseconds to receive a whole request, body included. @default 30000 */
  requestTimeout: number
  /** Milliseconds an idle keep-alive connection stays open. @default 5000 */
  keepAliveTimeout: number
  /** Milliseconds `close()` waits for in-flight requests before it cuts their connections. @default 30000 */
  drainTimeout: number
  /**
   * Client connections open at once; one more is closed as it arrives. Each holds a file
   * descriptor, so the default stays below the process's limit on open files.
   * @default 4096, or three quarters of the open-file limit when that is lower (Linux)
   */
  maxConnections: number
}

export const DEFAULT_LIMITS: Readonly<ServerLimits> = Object.freeze({
  maxBodyBytes: 4 * 1024 * 1024,
  maxInputs: 2048,
  headersTimeout: 10_000,
  requestTimeout: 30_000,
  keepAliveTimeout: 5_000,
  drainTimeout: 30_000,
  maxConnections: 4096,
})

/** The most files this process may open, where the system says (Linux), else undefined. */
function openFileLimit(): number | undefined {
  try {
    // Node raises the soft limit to the hard one at start: the first figure is what applies.
    const m = /^Max open files\s+(\d+)/m.exec(readFileSync('/proc/self/limits', 'utf8'))
    return m ? Number(m[1]) : undefined
  } catch {
    return undefined
  }
}

/**
 * The default connection cap: a quarter of the descriptors stay for the model file, stdio and the
 * runtime, so a flood of connections cannot leave the server unable to open anything else.
 */
function defaultMaxConnections(): number {
  const files = openFileLimit()
  return files === undefined
    ? DEFAULT_LIMITS.maxConnections
    : Math.max(1, Math.min(DEFAULT_LIMITS.maxConnections, Math.floor(files * 0.75)))
}

/** Fills in defaults and refuses what is not a positive integer (a typo must not mean "no limit"). */
export function resolveLimits(given: Partial<ServerLimits> = {}): ServerLimits {
  if (given === null || typeof given !== 'object') throw invalidArgument('limits must be an object')
  const limits = { ...DEFAULT_LIMITS, maxConnections: defaultMaxConnections() }
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
    throw invalidArgument(
      `limits.headersTimeout (${limits.headersTimeout}) must not exceed limits.requestTimeout (${limits.requestTimeout})`,
    )
  }
  return limits
}

/** Stable error codes: part of the public contract. */
export type EmbedErrorCode =
  | 'GGUF_INVALID'
  | 'GGUF_UNSUPPORTED'
  | 'MODEL_LOAD_FAILED'
  | 'INPUT_TOO_LONG'
  | 'INVALID_ARGUMENT'
  | 'QUEUE_FULL'
  | 'MEMORY_BUDGET'
  | 'ABORTED'
  | 'DISPOSED'
  | 'IO'
  /** A model download failed: `kind` is NotFound, Unauthorized, Http, Network, Interrupted, SizeMismatch or ChecksumMismatch. */
  | 'DOWNLOAD_FAILED'
  /** No prebuilt addon loads on this platform (the message names the platform and the package it needs). */
  | 'NATIVE_UNAVAILABLE'
  /** The model produced no usable vector for an input (NaN, infinite or all-zero values: broken weights), or llama.cpp failed while embedding. `kind` is BadVector or Llama. */
  | 'INFERENCE'
  /** A file given as a code index is not one (`kind` NotAnIndex), is damaged (Corrupt) or was written by a newer gguf-embed (Version). */
  | 'INDEX_INVALID'
  /** Another process held the code index's write lock past the busy timeout (10 s); retry. */
  | 'INDEX_LOCKED'
  /** The code index was closed. */
  | 'CLOSED'
  /** A bug in gguf-embed (a caught panic); please report it. `kind: 'Failed'` when the Embedder stopped after one and takes no more work. */
  | 'INTERNAL'

export interface EmbedErrorDetails {
  /** The engine's name for what went wrong, e.g. `Truncated`, `DuplicateKey`, `MemoryBusy`. */
  kind?: string
  /** Byte offset in the file the error points at. */
  offset?: number
  /** The file involved. */
  path?: string
  /** The argument at fault, as the API names it (`dimensions`, `contextSize`, `input`, `limits.maxKvCount`). */
  param?: string
  /** The input the error is about, as an index into the caller's batch. */
  index?: number
  /** The tensor the error is about (convert). */
  tensor?: string
  /** Tokens an over-long input has (INPUT_TOO_LONG). */
  tokens?: number
  /** The limit that was passed: tokens (INPUT_TOO_LONG), requests (QUEUE_FULL), bytes (MEMORY_BUDGET). */
  limit?: number
  /** Bytes of native memory needed (MEMORY_BUDGET, QUEUE_FULL with kind MemoryBusy). */
  need?: number
  /** Bytes of native memory available for it. */
  available?: number
  /** The largest contextSize that would fit the memoryBudget (MEMORY_BUDGET, kind Context). */
  fitsContextSize?: number
  cause?: unknown
}

/** The fields an EmbedError may carry beside its code, message and cause. */
const FIELDS = [
  'kind',
  'offset',
  'path',
  'param',
  'index',
  'tensor',
  'tokens',
  'limit',
  'need',
  'available',
  'fitsContextSize',
] as const

/** Every error gguf-embed throws or rejects with. Check `code`, never the message text. */
export class EmbedError extends Error {
  readonly code: EmbedErrorCode
  readonly kind?: string
  readonly offset?: number
  readonly path?: string
  readonly param?: string
  readonly index?: number
  readonly tensor?: string
  readonly tokens?: number
  readonly limit?: number
  readonly need?: number
  readonly available?: number
  readonly fitsContextSize?: number

  constructor(code: EmbedErrorCode, message: string, details: EmbedErrorDetails = {}) {
    super(message, details.cause === undefined ? undefined : { cause: details.cause })
    this.name = 'EmbedError'
    this.code = code
    for (const field of FIELDS) {
      if (details[field] !== undefined) (this as Record<string, unknown>)[field] = details[field]
    }
  }
}

const CODES = new Set<string>([
  'GGUF_INVALID',
  'GGUF_UNSUPPORTED',
  'MODEL_LOAD_FAILED',
  'INPUT_TOO_LONG',
  'INVALID_ARGUMENT',
  'QUEUE_FULL',
  'MEMORY_BUDGET',
  'ABORTED',
  'DISPOSED',
  'IO',
  'DOWNLOAD_FAILED',
  'INFERENCE',
  'INDEX_INVALID',
  'INDEX_LOCKED',
  'CLOSED',
  'INTERNAL',
])

/**
 * Turns whatever the native binding rejected with into an EmbedError. The binding builds its errors
 * as objects with a `code` and fields (crates/node/src/error.rs): they are copied, never parsed.
 */
export function fromNative(err: unknown, path?: string): EmbedError {
  if (err instanceof EmbedError) return err
  if (err instanceof Error) {
    const fields = err as Error & Record<string, unknown>
    if (typeof fields.code === 'string' && CODES.has(fields.code)) {
      const details: EmbedErrorDetails = { cause: err }
      for (const field of FIELDS) {
        if (fields[field] !== undefined) (details as Record<string, unknown>)[field] = fields[field]
      }
      details.path ??= path
      return new EmbedError(fields.code as EmbedErrorCode, err.message, details)
    }
    // napi-rs rejects a task cancelled through its AbortSignal before it ran with an AbortError.
    if (err.name === 'AbortError') return new EmbedError('ABORTED', 'the operation was aborted', { path, cause: err })
  }
  return new EmbedError('INTERNAL', err instanceof Error ? err.message : String(err), { path, cause: err })
}

/** A caller's mistake, naming the argument at fault (`param`) as the API does. */
export function invalidArgument(message: string, param?: string): EmbedError {
  return new EmbedError('INVALID_ARGUMENT', message, { param })
}

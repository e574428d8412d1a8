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
  /** A bug in gguf-embed (a caught panic); please report it. `kind: 'Failed'` when the Embedder stopped after one and takes no more work. */
  | 'INTERNAL'

export interface EmbedErrorDetails {
  /** The engine's name for what went wrong, e.g. `Truncated`, `DuplicateKey`. */
  kind?: string
  /** Byte offset in the file the error points at. */
  offset?: number
  /** The file involved. */
  path?: string
  cause?: unknown
}

/** Every error gguf-embed throws or rejects with. Check `code`, never the message text. */
export class EmbedError extends Error {
  readonly code: EmbedErrorCode
  readonly kind?: string
  readonly offset?: number
  readonly path?: string

  constructor(code: EmbedErrorCode, message: string, details: EmbedErrorDetails = {}) {
    super(message, details.cause === undefined ? undefined : { cause: details.cause })
    this.name = 'EmbedError'
    this.code = code
    if (details.kind !== undefined) this.kind = details.kind
    if (details.offset !== undefined) this.offset = details.offset
    if (details.path !== undefined) this.path = details.path
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
  'INTERNAL',
])

/** The binding's message prefix: `[CODE kind @offset] message` (see crates/node/src/error.rs). */
const PREFIX = /^\[([A-Z_]+)(?: ([A-Za-z0-9]+))?(?: @(\d+))?\] ([\s\S]*)$/

/** Turns whatever the native binding rejected with into an EmbedError. */
export function fromNative(err: unknown, path?: string): EmbedError {
  if (err instanceof EmbedError) return err
  const message = err instanceof Error ? err.message : String(err)
  const match = PREFIX.exec(message)
  if (match && CODES.has(match[1])) {
    return new EmbedError(match[1] as EmbedErrorCode, match[4], {
      kind: match[2],
      offset: match[3] === undefined ? undefined : Number(match[3]),
      path,
      cause: err,
    })
  }
  // napi-rs rejects a task cancelled through its AbortSignal with an AbortError.
  if (err instanceof Error && (err.name === 'AbortError' || /abort/i.test(message))) {
    return new EmbedError('ABORTED', 'the operation was aborted', { path, cause: err })
  }
  return new EmbedError('INTERNAL', message, { path, cause: err })
}

export function invalidArgument(message: string): EmbedError {
  return new EmbedError('INVALID_ARGUMENT', message)
}

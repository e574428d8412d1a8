import * as native from './native'
import { EmbedError, fromNative } from './errors'
import { isModelUri, pull, type PullOptions } from './download'
import {
  Callback,
  checkInputs,
  checkOptions,
  checkPath,
  checkText,
  checkTexts,
  throwIfAborted,
  SCHEMAS,
} from './validate'

// The AI SDK adapter imports it from here.
export { positiveInt } from './validate'

export type Pooling = native.Pooling
export type Kind = native.Kind

export interface EmbedderOptions {
  /** CPU threads for inference. @default all cores */
  threads?: number
  /** Most tokens one input may have, prefix and special tokens included. @default min(model context, 2048) */
  contextSize?: number
  /** Tokens per llama.cpp batch; at least contextSize. @default max(contextSize, 512) */
  batchTokens?: number
  /** @default 'model': the GGUF metadata and the model profile decide */
  pooling?: Pooling
  /** L2-normalise vectors. @default true */
  normalize?: boolean
  /** What an over-long input gets: 'end' cuts it, 'error' rejects with INPUT_TOO_LONG. @default 'end' */
  truncate?: native.Truncate
  /** Override the model profile's prefixes. */
  prefixes?: { query?: string; document?: string }
  /** Pending requests before calls reject with QUEUE_FULL. @default 65536 */
  maxQueue?: number
  /**
   * Bytes of native working memory not to exceed: the llama.cpp context, batch buffers and queued
   * inputs (the mapped weights are reported apart, as `stats().mappedBytes`). The batch size adapts
   * to it; `load` rejects with MEMORY_BUDGET when even one full-length input cannot fit, and a call
   * that would pass it rejects with QUEUE_FULL (retry later). @default no limit
   */
  memoryBudget?: number
  /** For an `hf:OWNER/REPO/FILE.gguf` path: where and how to download it (cache folder, mirror, progress). */
  pull?: PullOptions
  signal?: AbortSignal
}

export interface EmbedOptions {
  /** Which prefix of the model profile to add. @default 'document' */
  kind?: Kind
  /** Keep the first N dimensions (Matryoshka), then re-normalise. @default the model's */
  dimensions?: number
  signal?: AbortSignal
}

export interface EmbedBatchOptions extends EmbedOptions {
  /**
   * Called after each chunk of inputs is embedded. If it throws, it is not called again and the
   * call rejects with INVALID_ARGUMENT (its exception as `cause`), its remaining work cancelled.
   */
  onProgress?: (progress: { done: number; total: number }) => void
}

/** What `embedWithUsage` returns: a vector per input, and the tokens each was embedded from. */
export interface EmbedWithUsageResult {
  vectors: Float32Array[]
  /** Tokens per input as the model saw them: prefix and special tokens included, after truncation. */
  tokens: number[]
}

/** A text, or token ids as `tokenize()` returns them (embedded as given: no prefix, no special tokens added). */
export type EmbedInput = string | Int32Array | number[]

export type EmbedderInfo = native.EmbedderInfo
export type EmbedderStats = native.EmbedderStats

/** Inputs per native request in embedBatch: small enough that other callers interleave and progress is reported, large enough to pack well. */
const CHUNK = 256
/** Chunks of one embedBatch call queued at once. */
const WINDOW = 4

/**
 * Runs a native request with an AbortSignal: an abort rejects at once with ABORTED and sets the
 * cancel token, so the engine skips the request (queued) or drops its result (in flight).
 */
function cancellable<T>(signal: AbortSignal | undefined, run: (token: native.CancelToken) => Promise<T>): Promise<T> {
  const token = new native.CancelToken()
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => {
      token.cancel()
      reject(new EmbedError('ABORTED', 'the operation was aborted'))
    }
    signal?.addEventListener('abort', onAbort, { once: true })
    let pending: Promise<T>
    try {
      pending = run(token)
    } catch (err) {
      pending = Promise.reject(err)
    }
    pending
      .then(resolve, (err) => {
        token.cancel()
        reject(fromNative(err))
      })
      .finally(() => signal?.removeEventListener('abort', onAbort))
  })
}

/** [start, end) ranges of at most CHUNK inputs, each all texts or all token arrays (one native call each). */
function chunksOf(inputs: EmbedInput[]): Array<[number, number]> {
  const chunks: Array<[number, number]> = []
  let start = 0
  while (start < inputs.length) {
    const text = typeof inputs[start] === 'string'
    let end = start + 1
    while (end < inputs.length && end - start < CHUNK && (typeof inputs[end] === 'string') === text) end++
    chunks.push([start, end])
    start = end
  }
  return chunks
}

/** Turns GGUF models into embeddings with llama.cpp. Weights stay in the mapped file, vectors in native memory. */
export class Embedder {
  #native: native.NativeEmbedder
  #disposed = false

  private constructor(handle: native.NativeEmbedder) {
    this.#native = handle
  }

  /** Maps the model, validates it, and starts its inference thread. */
  static async load(path: string, options: EmbedderOptions = {}): Promise<Embedder> {
    checkPath('path', path)
    checkOptions(options, SCHEMAS.load)
    throwIfAborted(options.signal)
    const { signal, pull: pullOptions, ...rest } = options
    if (isModelUri(path)) path = await pull(path, { signal, ...pullOptions })
    try {
      return new Embedder(await native.loadEmbedder(path, rest, signal))
    } catch (err) {
      throw fromNative(err, path)
    }
  }

  /** Length of the vectors this model returns. */
  get dimensions(): number {
    return this.#native.info.dimensions
  }

  /** How the model was loaded: profile, pooling, prefixes, limits. */
  get info(): EmbedderInfo {
    return this.#native.info
  }

  stats(): EmbedderStats {
    return this.#native.stats()
  }

  #check(): void {
    if (this.#disposed) throw new EmbedError('DISPOSED', 'the embedder has been disposed')
  }

  async embed(text: string, options: EmbedOptions = {}): Promise<Float32Array> {
    this.#check()
    checkText('text', text)
    checkOptions(options, SCHEMAS.embed)
    throwIfAborted(options.signal)
    const { signal, ...rest } = options
    const { vectors } = await cancellable(signal, (token) => this.#native.embedBatch([text], rest, token))
    return vectors[0]
  }

  async embedBatch(texts: string[], options: EmbedBatchOptions = {}): Promise<Float32Array[]> {
    this.#check()
    checkTexts('texts', texts)
    checkOptions(options, SCHEMAS.embedBatch)
    throwIfAborted(options.signal)
    return (await this.#run(texts, options)).vectors
  }

  /**
   * `embedBatch` that also takes token arrays and says how many tokens each input was embedded
   * from (what an API bills as usage). Texts get the kind's prefix and the special tokens; token
   * arrays are embedded as given, so pass ids as `tokenize()` returns them.
   */
  async embedWithUsage(inputs: EmbedInput[], options: EmbedBatchOptions = {}): Promise<EmbedWithUsageResult> {
    this.#check()
    const checked = checkInputs('inputs', inputs)
    checkOptions(options, SCHEMAS.embedBatch)
    throwIfAborted(options.signal)
    return this.#run(checked, options)
  }

  async #run(inputs: EmbedInput[], options: EmbedBatchOptions): Promise<EmbedWithUsageResult> {
    const { signal, onProgress, ...rest } = options
    const progress = new Callback('onProgress', onProgress)
    const vectors: Float32Array[] = new Array(inputs.length)
    const tokens: number[] = new Array(inputs.length)
    let done = 0
    await cancellable(signal, async (cancel) => {
      // A window of chunks is queued at a time: enough for the engine to pack full batches (and
      // with other callers' requests), little enough that a huge batch neither floods the queue nor
      // holds the memory budget. A chunk refused with QUEUE_FULL while others of this call are in
      // flight is sent again when one of them finishes.
      const chunks = chunksOf(inputs)
      const inFlight = new Set<Promise<void>>()
      const send = ([start, end]: [number, number]) => {
        const options = { ...rest, firstIndex: start }
        const call: Promise<void> = (
          typeof inputs[start] === 'string'
            ? this.#native.embedBatch(inputs.slice(start, end) as string[], options, cancel)
            : this.#native.embedTokens(inputs.slice(start, end) as Int32Array[], options, cancel)
        )
          .then(
            (result) => {
              for (let i = 0; i < result.vectors.length; i++) {
                vectors[start + i] = result.vectors[i]
                tokens[start + i] = result.tokens[i]
              }
              done += result.vectors.length
              progress.call({ done, total: inputs.length })
              progress.check()
            },
            (err) => {
              const e = fromNative(err)
              if (e.code === 'QUEUE_FULL' && inFlight.size > 1) chunks.unshift([start, end])
              else throw e
            },
          )
          .finally(() => inFlight.delete(call))
        inFlight.add(call)
      }
      while (chunks.length > 0 || inFlight.size > 0) {
        while (chunks.length > 0 && inFlight.size < WINDOW) send(chunks.shift()!)
        await Promise.race(inFlight)
      }
    })
    return { vectors, tokens }
  }

  /** Tokens the model sees for this text, special tokens included (no prefix). */
  async countTokens(text: string): Promise<number> {
    this.#check()
    checkText('text', text)
    try {
      return await this.#native.countTokens(text)
    } catch (err) {
      throw fromNative(err)
    }
  }

  /** Token ids the model sees for this text, special tokens included (no prefix). */
  async tokenize(text: string): Promise<Int32Array> {
    this.#check()
    checkText('text', text)
    try {
      return await this.#native.tokenize(text)
    } catch (err) {
      throw fromNative(err)
    }
  }

  /**
   * Rejects queued requests with DISPOSED, lets the batch in flight finish, then frees the context.
   * Idempotent; later calls reject with DISPOSED.
   */
  async dispose(): Promise<void> {
    if (this.#disposed) return
    this.#disposed = true
    await this.#native.dispose()
  }
}

import * as native from './native'
import { EmbedError, fromNative } from './errors'
import type { Kind } from './embedder'
import { isModelUri, pull, type PullOptions } from './download'
import { Callback, checkOptions, checkPath, checkText, checkTexts, throwIfAborted, SCHEMAS } from './validate'

export interface StaticEmbedderOptions {
  /** Tokens of one input looked up; the rest is not tokenised. @default 512 */
  maxTokens?: number
  /** For an `hf:` path: where and how to download it. */
  pull?: PullOptions
  /** Cancels the load (and an `hf:` download) if aborted before it completes. */
  signal?: AbortSignal
}

export interface StaticEmbedOptions {
  /** Which prefix (from the source model's profile) to add. @default 'document' */
  kind?: Kind
  /** Keep the first N dimensions (the table's are PCA components, by variance), re-normalised. */
  dimensions?: number
  /** Checked before the call (a lookup is too short to interrupt): an aborted signal rejects with ABORTED. */
  signal?: AbortSignal
}

export type StaticInfo = native.StaticInfo

/**
 * The static tier: a quantized token table made by `distill`. Tokenises, looks rows up in the
 * mapped table, averages, normalises: no llama.cpp context, memory bounded by the table.
 * Same surface as `Embedder`.
 */
export class StaticEmbedder {
  #native: native.NativeStaticEmbedder
  #disposed = false

  private constructor(handle: native.NativeStaticEmbedder) {
    this.#native = handle
  }

  static async load(path: string, options: StaticEmbedderOptions = {}): Promise<StaticEmbedder> {
    checkPath('path', path)
    checkOptions(options, SCHEMAS.staticLoad)
    throwIfAborted(options.signal)
    if (isModelUri(path)) path = await pull(path, { ...options.pull, signal: options.pull?.signal ?? options.signal })
    try {
      return new StaticEmbedder(await native.loadStaticEmbedder(path, { maxTokens: options.maxTokens }, options.signal))
    } catch (err) {
      throw fromNative(err, path)
    }
  }

  get dimensions(): number {
    return this.#native.info.dimensions
  }

  get info(): StaticInfo {
    return this.#native.info
  }

  #check(): void {
    if (this.#disposed) throw new EmbedError('DISPOSED', 'the embedder has been disposed')
  }

  async embed(text: string, options: StaticEmbedOptions = {}): Promise<Float32Array> {
    this.#check()
    checkText('text', text)
    const [v] = await this.embedBatch([text], options)
    return v
  }

  async embedBatch(texts: string[], options: StaticEmbedOptions = {}): Promise<Float32Array[]> {
    this.#check()
    checkTexts('texts', texts)
    checkOptions(options, SCHEMAS.embed)
    throwIfAborted(options.signal)
    const { kind, dimensions } = options
    try {
      return await this.#native.embedBatch(texts, { kind, dimensions })
    } catch (err) {
      throw fromNative(err)
    }
  }

  async tokenize(text: string): Promise<Int32Array> {
    this.#check()
    checkText('text', text)
    try {
      return await this.#native.tokenize(text)
    } catch (err) {
      throw fromNative(err)
    }
  }

  async dispose(): Promise<void> {
    this.#disposed = true
    this.#native.dispose()
  }
}

export type DistillPhase = 'vocabulary' | 'corpus' | 'fit'

export interface DistillOptions {
  /** Dimensions kept by PCA. @default min(256, the model's) */
  dimensions?: number
  /** Bits per value (one scale per row). @default 8 */
  bits?: 8 | 4
  /**
   * 'token-embd': the model's input embedding rows (F32/F16 models); 'transformer': each vocabulary
   * token through the model; 'auto': token-embd where stored at F32/F16, else transformer (token-embd
   * measured slightly better on MiniLM, BENCHMARKS.md). @default 'auto'
   */
  from?: native.TableSource
  threads?: number
  /**
   * 'identifiers': split camelCase, snake_case and letter/digit runs before the tokenizer
   * (`parseHttpHeader` -> `parse Http Header`), recorded in the table so every caller of it, for
   * documents and queries alike, gets the same treatment; 'none': text as it is. @default 'identifiers'
   */
  pretokenize?: native.PretokenizeRule
  /**
   * A training corpus: JSON Lines of `{"text": "...", "kind"?: "query" | "document"}`. With it the
   * tokens are weighted by their frequency in it, and the rows fitted so each text's mean of rows
   * predicts the model's own vector of that text (model2vec's tokenlearn idea, solved by least
   * squares). Keep it disjoint from whatever you evaluate on.
   */
  corpus?: string
  /** 'corpus' (SIF from the corpus's token counts) or 'zipf' (by vocabulary order). @default 'corpus' with a corpus */
  weighting?: native.TokenWeighting
  /** Fit the rows to the model's vectors of the corpus. @default true */
  fit?: boolean
  /** How strongly the fit keeps rows near the distilled ones (relative to the corpus's token weights). @default 0.1 */
  regularization?: number
  /**
   * Polled while distill works: `phase` is 'vocabulary' (tokens through the model), 'corpus' (corpus
   * texts through the model) or 'fit' (iterations). If it throws, it is not called again and distill
   * stops, as if aborted, rejecting with INVALID_ARGUMENT (its exception as `cause`).
   */
  onProgress?: (progress: { phase: DistillPhase; done: number; total: number }) => void
  /** Stops distill between batches and fit iterations: ABORTED, nothing written. */
  signal?: AbortSignal
}

/** Builds a static table from a GGUF embedding model (model2vec's recipe), written with its tokenizer. */
export async function distill(
  model: string,
  output: string,
  options: DistillOptions = {},
): Promise<native.DistillResult> {
  checkPath('model', model)
  checkPath('output', output)
  checkOptions(options, SCHEMAS.distill)
  const { onProgress, signal, ...rest } = options
  throwIfAborted(signal)
  const callback = new Callback('onProgress', onProgress)
  const progress = new native.DistillProgress()
  const cancel = new native.CancelToken()
  const report = () => {
    callback.call({ phase: progress.phase as DistillPhase, done: progress.done, total: progress.total })
    if (callback.error) cancel.cancel()
  }
  const timer = onProgress ? setInterval(() => progress.total && report(), 200) : undefined
  const onAbort = () => cancel.cancel()
  signal?.addEventListener('abort', onAbort, { once: true })
  let result: native.DistillResult
  try {
    result = await native.distill(model, output, rest, progress, cancel, signal)
  } catch (err) {
    callback.check()
    throw fromNative(err, model)
  } finally {
    clearInterval(timer)
    signal?.removeEventListener('abort', onAbort)
  }
  report()
  callback.check()
  return result
}

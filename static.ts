import * as native from './native'
import { EmbedError, fromNative, invalidArgument } from './errors'
import { checkEmbedOptions, checkTexts, positiveInt, type Kind } from './embedder'
import { isModelUri, pull, type PullOptions } from './download'

export interface StaticEmbedderOptions {
  /** Tokens of one input looked up; the rest is not tokenised. @default 512 */
  maxTokens?: number
  /** For an `hf:` path: where and how to download it. */
  pull?: PullOptions
}

export interface StaticEmbedOptions {
  /** Which prefix (from the source model's profile) to add. @default 'document' */
  kind?: Kind
  /** Keep the first N dimensions (the table's are PCA components, by variance), re-normalised. */
  dimensions?: number
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
    if (typeof path !== 'string' || path.length === 0) throw invalidArgument('path must be a non-empty string')
    positiveInt('maxTokens', options.maxTokens)
    if (isModelUri(path)) path = await pull(path, options.pull)
    try {
      return new StaticEmbedder(await native.loadStaticEmbedder(path, { maxTokens: options.maxTokens }))
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

  #check(options: StaticEmbedOptions): void {
    if (this.#disposed) throw new EmbedError('DISPOSED', 'the embedder has been disposed')
    checkEmbedOptions(options)
  }

  async embed(text: string, options: StaticEmbedOptions = {}): Promise<Float32Array> {
    if (typeof text !== 'string') throw invalidArgument(`text must be a string, got ${typeof text}`)
    const [v] = await this.embedBatch([text], options)
    return v
  }

  async embedBatch(texts: string[], options: StaticEmbedOptions = {}): Promise<Float32Array[]> {
    this.#check(options)
    checkTexts(texts)
    const { kind, dimensions } = options
    try {
      return await this.#native.embedBatch(texts, { kind, dimensions })
    } catch (err) {
      throw fromNative(err)
    }
  }

  async tokenize(text: string): Promise<Int32Array> {
    this.#check({})
    return this.#native.tokenize(text)
  }

  async dispose(): Promise<void> {
    this.#disposed = true
    this.#native.dispose()
  }
}

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
  from?: 'auto' | 'transformer' | 'token-embd'
  threads?: number
  onProgress?: (progress: { done: number; total: number }) => void
}

/** Builds a static table from a GGUF embedding model (model2vec's recipe), written with its tokenizer. */
export async function distill(model: string, output: string, options: DistillOptions = {}): Promise<native.DistillResult> {
  const { onProgress, ...rest } = options
  if (rest.bits !== undefined && rest.bits !== 8 && rest.bits !== 4) throw invalidArgument(`bits must be 8 or 4, got ${String(rest.bits)}`)
  const progress = new native.DistillProgress()
  const timer = onProgress ? setInterval(() => progress.total && onProgress({ done: progress.done, total: progress.total }), 200) : undefined
  try {
    const result = await native.distill(model, output, rest, progress)
    onProgress?.({ done: progress.done, total: progress.total })
    return result
  } catch (err) {
    throw fromNative(err, model)
  } finally {
    clearInterval(timer)
  }
}

import { Embeddings, type EmbeddingsParams } from '@langchain/core/embeddings'

import { Embedder, type EmbedderOptions } from './embedder'
import { invalidArgument } from './errors'

export interface GgufEmbeddingsParams extends EmbeddingsParams {
  /** A loaded Embedder (shared with other users), or a model path / `hf:` URI to load. */
  embedder?: Embedder
  model?: string
  /** Options for loading `model`. */
  loadOptions?: EmbedderOptions
  /** Keep the first N dimensions (Matryoshka), re-normalised. */
  dimensions?: number
}

/**
 * LangChain.js `Embeddings` over gguf-embed: `embedQuery` embeds with the model's query prefix,
 * `embedDocuments` with its document prefix, as one `embedBatch` (the engine packs it, and other
 * callers' requests, into shared llama.cpp batches). Vectors are returned as number arrays, as
 * LangChain's vector stores expect; they are never token ids.
 */
export class GgufEmbeddings extends Embeddings {
  #embedder: Promise<Embedder>
  readonly #dimensions?: number

  constructor(params: GgufEmbeddingsParams) {
    super(params)
    if (!params.embedder && !params.model) throw invalidArgument('GgufEmbeddings needs an embedder or a model path')
    this.#embedder = params.embedder ? Promise.resolve(params.embedder) : Embedder.load(params.model!, params.loadOptions)
    this.#dimensions = params.dimensions
  }

  async embedDocuments(documents: string[]): Promise<number[][]> {
    const e = await this.#embedder
    const vectors = await e.embedBatch(documents, { kind: 'document', dimensions: this.#dimensions })
    return vectors.map((v) => Array.from(v))
  }

  async embedQuery(query: string): Promise<number[]> {
    const e = await this.#embedder
    return Array.from(await e.embed(query, { kind: 'query', dimensions: this.#dimensions }))
  }

  /** Frees the model's context if this instance loaded it. */
  async dispose(): Promise<void> {
    await (await this.#embedder).dispose()
  }
}

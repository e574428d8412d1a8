// The class is defined over the Embeddings base that the entry point loaded: langchain.ts passes
// the CommonJS build of @langchain/core, langchain.mts the ESM one. A single CommonJS file would
// load the CommonJS copy into ESM applications too, where `instanceof Embeddings` against their own
// (ESM) copy is false. This file imports only types from the framework.
import type { Embeddings, EmbeddingsParams } from '@langchain/core/embeddings'

import type { Embedder } from '../embedder'
import { embedderFrom, type EmbedderSource } from './source'
import { toNumbers } from './vectors'

export interface GgufEmbeddingsParams extends EmbeddingsParams, EmbedderSource {
  /** Keep the first N dimensions (Matryoshka), re-normalised. */
  dimensions?: number
}

/**
 * LangChain.js `Embeddings` over gguf-embed: `embedQuery` embeds with the model's query prefix,
 * `embedDocuments` with its document prefix, as one `embedBatch` (the engine packs it, and other
 * callers' requests, into shared llama.cpp batches). Vectors are returned as number arrays, as
 * LangChain's vector stores expect; they are never token ids.
 */
export interface GgufEmbeddingsMembers {
  embedDocuments(documents: string[]): Promise<number[][]>
  embedQuery(query: string): Promise<number[]>
  /** Frees the model's context if this instance loaded it; a shared Embedder is its owner's to dispose. */
  dispose(): Promise<void>
}

/**
 * `Base` is the Embeddings class of the copy of @langchain/core the entry point loaded. Its type is
 * left generic so that each entry's declarations name its own copy's types (the CommonJS and ESM
 * declarations of @langchain/core are distinct types to TypeScript: protected members).
 */
export interface GgufEmbeddingsConstructor<Base extends object> {
  new (params: GgufEmbeddingsParams): Base & GgufEmbeddingsMembers
  readonly prototype: Base & GgufEmbeddingsMembers
}

export function defineGgufEmbeddings<Base extends object>(base: {
  readonly prototype: Base
}): GgufEmbeddingsConstructor<Base> {
  const Base = base as unknown as typeof Embeddings
  const GgufEmbeddings = class GgufEmbeddings extends Base {
    #embedder: Promise<Embedder>
    readonly #dimensions?: number
    readonly #owned: boolean

    constructor(params: GgufEmbeddingsParams) {
      super(params)
      const { embedder, owned } = embedderFrom(params, 'GgufEmbeddings')
      this.#embedder = embedder
      this.#owned = owned
      this.#dimensions = params.dimensions
    }

    async embedDocuments(documents: string[]): Promise<number[][]> {
      const e = await this.#embedder
      const vectors = await e.embedBatch(documents, { kind: 'document', dimensions: this.#dimensions })
      return vectors.map(toNumbers)
    }

    async embedQuery(query: string): Promise<number[]> {
      const e = await this.#embedder
      return toNumbers(await e.embed(query, { kind: 'query', dimensions: this.#dimensions }))
    }

    async dispose(): Promise<void> {
      if (this.#owned) await (await this.#embedder).dispose()
    }
  }
  return GgufEmbeddings as unknown as GgufEmbeddingsConstructor<Base>
}

// The class is defined over the BaseEmbedding that the entry point loaded: llamaindex.ts passes the
// CommonJS build of @llamaindex/core, llamaindex.mts the ESM one. A single CommonJS file would load
// the CommonJS copy into ESM applications too, where LlamaIndex reports "llamaindex was already
// imported. This breaks constructor checks" and `instanceof BaseEmbedding` is false. This file
// imports only types from the framework.
import type { BaseEmbedding, BaseEmbeddingOptions } from '@llamaindex/core/embeddings'
import type { MessageContentDetail } from '@llamaindex/core/llms'

import type { Embedder } from '../embedder'
import { embedderFrom, type EmbedderSource } from './source'
import { toNumbers } from './vectors'

export interface GgufEmbeddingParams extends EmbedderSource {
  /** Keep the first N dimensions (Matryoshka), re-normalised. */
  dimensions?: number
}

/**
 * LlamaIndex.TS `BaseEmbedding` over gguf-embed. Nodes and texts are embedded with the model's
 * document prefix, `getQueryEmbedding` with its query prefix.
 *
 * LlamaIndex's pipelines (the transform a `BaseEmbedding` is, used by ingestion and
 * `VectorStoreIndex`) call `getTextEmbeddingsBatch`, whose default cuts the texts into groups of
 * `embedBatchSize` (10) and awaits them one after another, each through `getTextEmbeddings`, whose
 * default embeds one text at a time. Both go through one `embedBatch` over all the texts here: the
 * engine does its own packing, and it needs many inputs in flight to pack well.
 */
export interface GgufEmbeddingMembers {
  getTextEmbedding(text: string): Promise<number[]>
  /** The query side: a text part gets the model's query prefix; other parts (images) have no embedding here. */
  getQueryEmbedding(query: MessageContentDetail): Promise<number[] | null>
  getTextEmbeddingsBatch(texts: string[], options?: BaseEmbeddingOptions): Promise<number[][]>
  /** Frees the model's context if this instance loaded it; a shared Embedder is its owner's to dispose. */
  dispose(): Promise<void>
}

/**
 * `Base` is the BaseEmbedding class of the copy of @llamaindex/core the entry point loaded. Its
 * type is left generic so that each entry's declarations name its own copy's types.
 */
export interface GgufEmbeddingConstructor<Base extends object> {
  new (params: GgufEmbeddingParams): Base & GgufEmbeddingMembers
  readonly prototype: Base & GgufEmbeddingMembers
}

export function defineGgufEmbedding<Base extends object>(base: {
  readonly prototype: Base
}): GgufEmbeddingConstructor<Base> {
  const Base = base as unknown as typeof BaseEmbedding
  const GgufEmbedding = class GgufEmbedding extends Base {
    #embedder: Promise<Embedder>
    readonly #dimensions?: number
    readonly #owned: boolean

    constructor(params: GgufEmbeddingParams) {
      super()
      const { embedder, owned } = embedderFrom(params, 'GgufEmbedding')
      this.#embedder = embedder
      this.#owned = owned
      this.#dimensions = params.dimensions
      // BaseEmbedding's constructor assigns getTextEmbeddings as an instance property (a loop over
      // getTextEmbedding), which would shadow a method declared here: replace it after super().
      this.getTextEmbeddings = (texts: string[]) => this.#embed(texts, 'document')
      if (params.embedder) this.embedInfo = { dimensions: this.#dimensions ?? params.embedder.dimensions }
      // (A failed load surfaces at the first call, not here.)
      else
        this.#embedder.then(
          (e) => (this.embedInfo = { dimensions: this.#dimensions ?? e.dimensions }),
          () => {},
        )
    }

    async #embed(texts: string[], kind: 'query' | 'document', options?: BaseEmbeddingOptions): Promise<number[][]> {
      const e = await this.#embedder
      const progress = options?.progressCallback
      const logger = options?.logger ?? (options?.logProgress ? console : undefined)
      const vectors = await e.embedBatch(texts, {
        kind,
        dimensions: this.#dimensions,
        onProgress:
          progress || logger
            ? ({ done, total }) => {
                progress?.(done, total)
                logger?.log(`getting embedding progress: ${done} / ${total}`)
              }
            : undefined,
      })
      // LlamaIndex stores and compares embeddings as number[].
      return vectors.map(toNumbers)
    }

    async getTextEmbedding(text: string): Promise<number[]> {
      return (await this.#embed([text], 'document'))[0]
    }

    async getQueryEmbedding(query: MessageContentDetail): Promise<number[] | null> {
      if (query?.type !== 'text') return null
      return (await this.#embed([query.text], 'query'))[0]
    }

    async getTextEmbeddingsBatch(texts: string[], options?: BaseEmbeddingOptions): Promise<number[][]> {
      return this.#embed(texts, 'document', options)
    }

    async dispose(): Promise<void> {
      if (this.#owned) await (await this.#embedder).dispose()
    }
  }
  return GgufEmbedding as unknown as GgufEmbeddingConstructor<Base>
}

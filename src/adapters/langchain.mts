// gguf-embed/langchain for ESM (import): the class over the ESM build of @langchain/core, the copy
// an ESM application's own imports get.
import { Embeddings } from '@langchain/core/embeddings'

import { defineGgufEmbeddings, type GgufEmbeddingsMembers } from './langchain-class.js'

export type { GgufEmbeddingsParams, GgufEmbeddingsMembers, GgufEmbeddingsConstructor } from './langchain-class.js'
export type GgufEmbeddings = Embeddings & GgufEmbeddingsMembers
export const GgufEmbeddings = defineGgufEmbeddings<Embeddings>(Embeddings)

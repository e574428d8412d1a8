// gguf-embed/langchain for CommonJS (require): the class over the CommonJS build of @langchain/core.
import { Embeddings } from '@langchain/core/embeddings'

import { defineGgufEmbeddings, type GgufEmbeddingsMembers } from './langchain-class'

export type { GgufEmbeddingsParams, GgufEmbeddingsMembers, GgufEmbeddingsConstructor } from './langchain-class'
export type GgufEmbeddings = Embeddings & GgufEmbeddingsMembers
export const GgufEmbeddings = defineGgufEmbeddings<Embeddings>(Embeddings)

// gguf-embed/llamaindex for ESM (import): the class over the ESM build of @llamaindex/core, the copy
// an ESM application's own imports get.
import { BaseEmbedding } from '@llamaindex/core/embeddings'

import { defineGgufEmbedding, type GgufEmbeddingMembers } from './llamaindex-class.js'

export type { GgufEmbeddingParams, GgufEmbeddingMembers, GgufEmbeddingConstructor } from './llamaindex-class.js'
export type GgufEmbedding = BaseEmbedding & GgufEmbeddingMembers
export const GgufEmbedding = defineGgufEmbedding(BaseEmbedding)

// gguf-embed/llamaindex for CommonJS (require): the class over the CommonJS build of @llamaindex/core.
import { BaseEmbedding } from '@llamaindex/core/embeddings'

import { defineGgufEmbedding, type GgufEmbeddingMembers } from './llamaindex-class'

export type { GgufEmbeddingParams, GgufEmbeddingMembers, GgufEmbeddingConstructor } from './llamaindex-class'
export type GgufEmbedding = BaseEmbedding & GgufEmbeddingMembers
export const GgufEmbedding = defineGgufEmbedding(BaseEmbedding)

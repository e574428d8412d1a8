/**
 * gguf-embed: embeddings for Node.js from GGUF models, computed by llama.cpp in a Rust core.
 * The package's entry point: it only re-exports the public API of the TypeScript facade in src/
 * (argument checks, defaults, AbortSignal wiring and error conversion over the native binding).
 */
export { EmbedError } from './src/errors'
export type { EmbedErrorCode, EmbedErrorDetails } from './src/errors'
export { Embedder } from './src/embedder'
export type {
  EmbedderOptions,
  EmbedOptions,
  EmbedBatchOptions,
  EmbedderInfo,
  EmbedderStats,
  Pooling,
  Kind,
  EmbedInput,
  EmbedWithUsageResult,
} from './src/embedder'
export { StaticEmbedder, distill } from './src/static'
export type { StaticEmbedderOptions, StaticEmbedOptions, StaticInfo, DistillOptions, DistillPhase } from './src/static'
export type { DistillResult } from './src/native'
export { pull, parseModelUri, cachedPath, isModelUri } from './src/download'
export type { PullOptions, ModelUri } from './src/download'
export { inspect } from './src/inspect'
export type { InspectOptions, ModelInfo, MetadataEntry, TensorSummary, TypeBytes, ReaderLimits } from './src/inspect'
export { convert, quantize } from './src/convert'
export type { ConvertType, QuantizeType, ConvertResult } from './src/convert'
export { CodeIndex, MAX_QUERY_BYTES, isPostgres } from './src/code-index'
export type {
  CodeIndexOptions,
  CascadeOptions,
  UpdateOptions as CodeIndexUpdateOptions,
  UpdateReport as CodeIndexUpdateReport,
  UpdatePhase,
  SearchOptions,
  SearchMode,
  SearchHit,
  SearchReport,
  Retriever,
} from './src/code-index'
export type { TierSource } from './src/code-index/tier'
export { systemInfo, nativeMemory } from './src/system'
export type { NativeMemory, SystemInfo } from './src/system'

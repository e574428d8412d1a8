// Type-only imports: the compiled adapter requires nothing from the AI SDK at run time, so it loads
// from CommonJS and ESM alike and cannot pick up a second copy of the SDK's classes.
import type {
  EmbeddingModelV3,
  EmbeddingModelV3CallOptions,
  EmbeddingModelV3Result,
  ProviderV3,
  SharedV3Warning,
} from '@ai-sdk/provider'

import { Embedder, positiveInt, type EmbedderOptions, type Kind } from '../embedder'
import { invalidArgument } from '../errors'
import { toNumbers } from './vectors'

/** The provider name, and the key of this provider's entry in `providerOptions`. */
export const PROVIDER = 'gguf-embed'

/** Per-model defaults; a call's `providerOptions['gguf-embed']` overrides them. */
export interface GgufEmbeddingSettings {
  /** Which prefix of the model profile to add. @default 'document' */
  kind?: Kind
  /** Keep the first N dimensions (Matryoshka), re-normalised. @default the model's */
  dimensions?: number
}

/** What `providerOptions['gguf-embed']` may hold in an `embed` / `embedMany` call. */
export type GgufEmbedProviderOptions = GgufEmbeddingSettings

/**
 * An AI SDK embedding model (specification v3) over one gguf-embed `Embedder`.
 *
 * `maxEmbeddingsPerCall` is `Infinity`: `embedBatch` takes any number of inputs and packs them,
 * together with other callers' requests, into llama.cpp batches itself, so `embedMany` should hand
 * over everything in one call rather than slice it. For the same reason parallel calls are
 * supported: the engine's queue interleaves them.
 */
export class GgufEmbeddingModel implements EmbeddingModelV3 {
  readonly specificationVersion = 'v3'
  readonly provider = PROVIDER
  readonly modelId: string
  readonly maxEmbeddingsPerCall = Infinity
  readonly supportsParallelCalls = true
  readonly #embedder: () => Promise<Embedder>
  readonly #settings: GgufEmbeddingSettings

  /**
   * @param embedder a loaded Embedder, or a function that loads it on first use (what a provider
   *   passes, so that building a model stays synchronous as the AI SDK expects)
   */
  constructor(embedder: Embedder | (() => Promise<Embedder>), modelId: string, settings: GgufEmbeddingSettings = {}) {
    checkSettings(settings, 'settings')
    this.#embedder = embedder instanceof Embedder ? () => Promise.resolve(embedder) : embedder
    this.modelId = modelId
    this.#settings = { ...settings }
  }

  async doEmbed(options: EmbeddingModelV3CallOptions): Promise<EmbeddingModelV3Result> {
    const warnings: SharedV3Warning[] = []
    const own = (options.providerOptions?.[PROVIDER] ?? {}) as Record<string, unknown>
    checkSettings(own, `providerOptions['${PROVIDER}']`)
    for (const key of Object.keys(own)) {
      if (key !== 'kind' && key !== 'dimensions') {
        warnings.push({
          type: 'unsupported',
          feature: `providerOptions['${PROVIDER}'].${key}`,
          details: 'gguf-embed reads kind and dimensions',
        })
      }
    }
    // The next specification (v4) carries `dimensions` at the top level of the call; take it when
    // present, and refuse a call that asks for two different sizes rather than pick one silently.
    const topLevel = (options as { dimensions?: unknown }).dimensions
    if (topLevel !== undefined) positiveInt('dimensions', topLevel)
    const asked = own.dimensions as number | undefined
    if (typeof topLevel === 'number' && asked !== undefined && asked !== topLevel) {
      throw invalidArgument(`dimensions ${topLevel} and providerOptions['${PROVIDER}'].dimensions ${asked} disagree`)
    }
    const embedder = await this.#embedder()
    const { vectors, tokens } = await embedder.embedWithUsage(options.values, {
      kind: (own.kind as Kind | undefined) ?? this.#settings.kind,
      dimensions: (topLevel as number | undefined) ?? asked ?? this.#settings.dimensions,
      signal: options.abortSignal,
    })
    let total = 0
    for (const n of tokens) total += n
    // The specification's embedding type is number[]; the copy out of native memory happens here.
    return { embeddings: vectors.map(toNumbers), usage: { tokens: total }, warnings }
  }
}

function checkSettings(s: unknown, where: string): void {
  if (s === null || typeof s !== 'object' || Array.isArray(s)) throw invalidArgument(`${where} must be an object`)
  const { kind, dimensions } = s as Record<string, unknown>
  if (kind !== undefined && kind !== 'query' && kind !== 'document') {
    throw invalidArgument(`${where}.kind must be 'query' or 'document', got ${String(kind)}`)
  }
  positiveInt(`${where}.dimensions`, dimensions)
}

/** An AI SDK embedding model over an Embedder you loaded (and dispose of) yourself. */
export function ggufEmbedding(embedder: Embedder, settings: GgufEmbeddingSettings = {}): GgufEmbeddingModel {
  if (!(embedder instanceof Embedder)) throw invalidArgument('ggufEmbedding needs a loaded Embedder')
  return new GgufEmbeddingModel(embedder, embedder.info.path, settings)
}

export interface GgufEmbedProviderSettings {
  /** Options for every model this provider loads. */
  loadOptions?: EmbedderOptions
}

/**
 * An AI SDK provider: model ids are GGUF paths or `hf:OWNER/REPO/FILE.gguf` URIs. Each model is
 * loaded on its first call and shared by every model object made for the same id.
 */
export interface GgufEmbedProvider extends ProviderV3 {
  (modelId: string, settings?: GgufEmbeddingSettings): GgufEmbeddingModel
  embeddingModel(modelId: string, settings?: GgufEmbeddingSettings): GgufEmbeddingModel
  /** The short name other providers use (`openai.embedding(...)`). */
  embedding(modelId: string, settings?: GgufEmbeddingSettings): GgufEmbeddingModel
  /** @deprecated the specification's older name; use `embeddingModel`. */
  textEmbeddingModel(modelId: string, settings?: GgufEmbeddingSettings): GgufEmbeddingModel
  /** gguf-embed has embedding models only: throws INVALID_ARGUMENT. */
  languageModel(modelId: string): never
  /** gguf-embed has embedding models only: throws INVALID_ARGUMENT. */
  imageModel(modelId: string): never
  /** Disposes of every model this provider loaded; a later call loads it again. */
  dispose(): Promise<void>
}

export function createGgufEmbed(options: GgufEmbedProviderSettings = {}): GgufEmbedProvider {
  if (options === null || typeof options !== 'object') throw invalidArgument('options must be an object')
  const loaded = new Map<string, Promise<Embedder>>()
  const load = (modelId: string) => () => {
    let embedder = loaded.get(modelId)
    if (!embedder) {
      embedder = Embedder.load(modelId, options.loadOptions)
      loaded.set(modelId, embedder)
      // A failed load is not cached: the next call tries again (the file may appear, a download retry).
      embedder.catch(() => loaded.get(modelId) === embedder && loaded.delete(modelId))
    }
    return embedder
  }
  const model = (modelId: string, settings?: GgufEmbeddingSettings) => {
    if (typeof modelId !== 'string' || modelId.length === 0)
      throw invalidArgument('the model id must be a GGUF path or hf: URI')
    return new GgufEmbeddingModel(load(modelId), modelId, settings)
  }
  const onlyEmbeddings =
    (kind: string) =>
    (modelId: string): never => {
      throw invalidArgument(`gguf-embed provides embedding models only, not the ${kind} ${modelId}`)
    }
  return Object.assign(model, {
    specificationVersion: 'v3' as const,
    embeddingModel: model,
    embedding: model,
    textEmbeddingModel: model,
    languageModel: onlyEmbeddings('language model'),
    imageModel: onlyEmbeddings('image model'),
    async dispose() {
      const all = [...loaded.values()]
      loaded.clear()
      const results = await Promise.allSettled(all)
      await Promise.all(results.map((r) => (r.status === 'fulfilled' ? r.value.dispose() : undefined)))
    },
  })
}

/** A provider with default load options: `ggufEmbed.embeddingModel('model.gguf')`. */
export const ggufEmbed: GgufEmbedProvider = createGgufEmbed()

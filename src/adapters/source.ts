import { Embedder, type EmbedderOptions } from '../embedder'
import { invalidArgument } from '../errors'

/** Where an adapter's Embedder comes from: one the caller loaded and shares, or a model to load. */
export interface EmbedderSource {
  /** A loaded Embedder (shared with other users), or `model`, a GGUF path or `hf:` URI to load. */
  embedder?: Embedder
  model?: string
  /** Options for loading `model`. */
  loadOptions?: EmbedderOptions
}

/**
 * The adapter's Embedder, and whether the adapter owns it (loaded it, so disposes of it). A failed
 * load is reported by the first call that awaits it; until then it must not count as an unhandled
 * rejection, which ends the process.
 */
export function embedderFrom(
  source: EmbedderSource | undefined,
  adapter: string,
): { embedder: Promise<Embedder>; owned: boolean } {
  if (!source || (!source.embedder && !source.model))
    throw invalidArgument(`${adapter} needs an embedder or a model path`)
  if (source.embedder) return { embedder: Promise.resolve(source.embedder), owned: false }
  const embedder = Embedder.load(source.model!, source.loadOptions)
  embedder.catch(() => {})
  return { embedder, owned: true }
}

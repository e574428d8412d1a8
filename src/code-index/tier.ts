/**
 * A tier of the code index: the model (or static table) that embeds chunks and queries, and the
 * key its vectors are stored under. A tier made from a path is owned (and disposed) by the index;
 * one passed as an instance stays the caller's.
 */
import { basename, join } from 'node:path'
import { Embedder } from '../embedder'
import { StaticEmbedder } from '../static'
import { inspect } from '../inspect'
import type * as native from '../native'

export type TierSource = string | Embedder | StaticEmbedder

export interface Tier {
  embedder: Embedder | StaticEmbedder
  model: native.IndexModel
  owned: boolean
  /** For stats and the CLI: the model's name and file. */
  name: string
}

/** The default fast tier when none is named: what `npm run models` makes first. */
export function defaultFast(modelsDir: string): string {
  return join(modelsDir, 'all-minilm-l6-v2.q8_0.gguf')
}

/** A static table carries `gguf-embed.static.*` metadata; anything else loads as a transformer. */
async function isStatic(path: string): Promise<boolean> {
  const info = await inspect(path)
  return info.metadata.some((m) => m.key.startsWith('gguf-embed.static.'))
}

export async function loadTier(source: TierSource, encoding: 'int8' | 'f16', signal?: AbortSignal): Promise<Tier> {
  const owned = typeof source === 'string'
  const embedder =
    typeof source !== 'string'
      ? source
      : (await isStatic(source))
        ? await StaticEmbedder.load(source, { signal })
        : await Embedder.load(source, { signal })
  const info = embedder.info
  // Name, file and size: two quantizations of one model, or one model re-converted, never share vectors.
  const key = `${info.name} | ${basename(info.path)} | ${info.fileSize}`
  return { embedder, owned, name: info.name, model: { key, dims: embedder.dimensions, encoding } }
}

/** `inspect`: a GGUF file described by the bounded reader, without loading weights. */
import * as native from './native'
import { fromNative } from './errors'
import { checkOptions, checkPath, throwIfAborted, SCHEMAS } from './validate'

export type { ModelInfo, MetadataEntry, TensorSummary, TypeBytes, ReaderLimits } from './native'

export interface InspectOptions {
  /** Also list every tensor (name, type, shape, bytes, offset). @default false */
  tensors?: boolean
  /** Bounds the reader enforces; a file that declares more is refused with GGUF_INVALID. */
  limits?: native.ReaderLimits
  signal?: AbortSignal
}

/**
 * Describes a GGUF file from its header, metadata and tensor infos with the bounded reader: it
 * never loads weights, and its heap does not grow with the file. Rejects with `EmbedError`:
 * `GGUF_INVALID` (malformed; the message names the byte offset), `GGUF_UNSUPPORTED` (GGUF v1,
 * big-endian, an unknown tensor type), `IO` (missing or unreadable file), `INVALID_ARGUMENT`.
 */
export async function inspect(path: string, options: InspectOptions = {}): Promise<native.ModelInfo> {
  const file = checkPath('path', path)
  checkOptions(options, SCHEMAS.inspect)
  throwIfAborted(options.signal)
  try {
    return await native.inspect(file, { tensors: options.tensors ?? false, limits: options.limits }, options.signal)
  } catch (err) {
    throw fromNative(err, file)
  }
}

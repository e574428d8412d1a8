/**
 * gguf-embed: embeddings for Node.js from GGUF models, computed by llama.cpp in a Rust core.
 * This file is a thin typed facade over the native binding: argument checks, defaults,
 * AbortSignal wiring and error conversion. No work happens on the JS thread.
 */
import * as native from './native'
import { fromNative } from './errors'
import { checkOptions, checkPath, throwIfAborted, SCHEMAS, type CONVERT_TYPES, type QUANTIZE_TYPES } from './validate'

export { EmbedError } from './errors'
export type { EmbedErrorCode, EmbedErrorDetails } from './errors'
export type { ModelInfo, MetadataEntry, TensorSummary, TypeBytes, ReaderLimits, ConvertResult } from './native'
export { Embedder } from './embedder'
export { StaticEmbedder, distill } from './static'
export { pull, parseModelUri, cachedPath, isModelUri } from './download'
export type { PullOptions, ModelUri } from './download'
export type { StaticEmbedderOptions, StaticEmbedOptions, StaticInfo, DistillOptions } from './static'
export type { DistillResult } from './native'
export type { NativeMemory, SystemInfo } from './native'

/** The CPU features the native kernels use, and those this machine offers. */
export function systemInfo(): native.SystemInfo {
  return native.systemInfo()
}

/** Native resources this process holds across every Embedder (and worker thread): models mapped, contexts alive and their bytes. */
export function nativeMemory(): native.NativeMemory {
  return native.nativeMemory()
}
export type { EmbedderOptions, EmbedOptions, EmbedBatchOptions, EmbedderInfo, EmbedderStats, Pooling, Kind, EmbedInput, EmbedWithUsageResult } from './embedder'

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

export type ConvertType = (typeof CONVERT_TYPES)[number]
export type QuantizeType = (typeof QUANTIZE_TYPES)[number]

/**
 * Converts a Hugging Face / sentence-transformers BERT checkpoint folder (config.json,
 * model.safetensors, tokenizer.json or vocab.txt, modules.json) to a GGUF file llama.cpp loads.
 */
export async function convert(dir: string, output: string, options: { type?: ConvertType; signal?: AbortSignal } = {}): Promise<native.ConvertResult> {
  checkPath('dir', dir)
  checkPath('output', output)
  checkOptions(options, SCHEMAS.convert)
  throwIfAborted(options.signal)
  try {
    // The signal cancels the conversion if it has not started yet (it runs in one go after that).
    return await native.convert(dir, output, options.type ?? 'f16', options.signal)
  } catch (err) {
    throw fromNative(err, dir)
  }
}

/** Quantizes a GGUF model with llama.cpp's own quantizer (k-quant mixes such as q4_k_m included). */
export async function quantize(input: string, output: string, options: { type: QuantizeType; threads?: number; signal?: AbortSignal }): Promise<void> {
  checkPath('input', input)
  checkPath('output', output)
  checkOptions(options, SCHEMAS.quantize)
  throwIfAborted(options.signal)
  try {
    // The signal cancels it if it has not started: llama.cpp's quantizer cannot be interrupted.
    await native.quantize(input, output, options.type, options.threads, options.signal)
  } catch (err) {
    throw fromNative(err, input)
  }
}

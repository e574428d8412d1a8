/** `convert` (a Hugging Face BERT checkpoint to GGUF) and `quantize` (llama.cpp's quantizer). */
import * as native from './native'
import { fromNative } from './errors'
import { checkOptions, checkPath, throwIfAborted, SCHEMAS } from './validate'

export type { ConvertResult } from './native'

export type ConvertType = native.ConvertType
export type QuantizeType = native.QuantizeType

/**
 * Converts a Hugging Face / sentence-transformers BERT checkpoint folder (config.json,
 * model.safetensors, tokenizer.json or vocab.txt, modules.json) to a GGUF file llama.cpp loads.
 */
export async function convert(
  dir: string,
  output: string,
  options: { type?: ConvertType; signal?: AbortSignal } = {},
): Promise<native.ConvertResult> {
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
export async function quantize(
  input: string,
  output: string,
  options: { type: QuantizeType; threads?: number; signal?: AbortSignal },
): Promise<void> {
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

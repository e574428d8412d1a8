/** `convert` (a Hugging Face BERT checkpoint to GGUF) and `quantize` (llama.cpp's quantizer). */
import * as native from './native'
import { fromNative } from './errors'
import { checkOptions, checkPath, throwIfAborted, SCHEMAS } from './validate'

export type { ConvertResult } from './native'

export type ConvertType = native.ConvertType
export type QuantizeType = native.QuantizeType

export interface ConvertOptions {
  /** Storage type of the weight matrices. @default 'f16' */
  type?: ConvertType
  /**
   * ONNX only: the model's tokenizer.json. @default the first of `<name>-tokenizer.json` and
   * `tokenizer.json` beside the model, then `../tokenizer.json` (the `onnx/` folder of
   * transformers.js and Optimum exports)
   */
  tokenizer?: string
  /**
   * ONNX only: the pooling the model was trained with (its model card says; an ONNX export does
   * not record it). 'model' reads a sentence-transformers modules.json beside the tokenizer.
   * @default 'model'
   */
  pooling?: native.Pooling
  /** ONNX only: the name stored in the file; prefixes are chosen from it. @default the file name without `.onnx` */
  name?: string
  signal?: AbortSignal
}

/**
 * Converts a BERT-family encoder to a GGUF file llama.cpp loads: a Hugging Face /
 * sentence-transformers checkpoint folder (config.json, model.safetensors, tokenizer.json or
 * vocab.txt, modules.json) or a float32/float16 ONNX export (Optimum, transformers.js,
 * langchain4j) with its tokenizer.json. Quantized ONNX exports are refused (QuantizedOnnx).
 */
export async function convert(
  input: string,
  output: string,
  options: ConvertOptions = {},
): Promise<native.ConvertResult> {
  checkPath('input', input)
  checkPath('output', output)
  checkOptions(options, SCHEMAS.convert)
  throwIfAborted(options.signal)
  const { tokenizer, pooling, name } = options
  const source =
    tokenizer === undefined && pooling === undefined && name === undefined ? undefined : { tokenizer, pooling, name }
  try {
    // The signal cancels the conversion if it has not started yet (it runs in one go after that).
    return await native.convert(input, output, options.type ?? 'f16', source, options.signal)
  } catch (err) {
    throw fromNative(err, input)
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

import { parseArgs } from 'node:util'

import { convert, quantize, type ConvertType, type QuantizeType } from '../index'
import { bytes, json } from './format'
import { step } from './progress'

const CONVERT_HELP = `usage: gguf-embed convert DIR -o FILE [--type f32|f16|q8_0] [--json]

Converts a Hugging Face / sentence-transformers BERT checkpoint folder (config.json,
model.safetensors, tokenizer.json or vocab.txt, modules.json) to GGUF.`

const QUANTIZE_HELP = `usage: gguf-embed quantize IN OUT --type q4_k_m|q4_0|q8_0|q5_k_m|q6_k|... [--threads N]

Quantizes a GGUF model with llama.cpp's quantizer.`

export async function convertCommand(args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      output: { type: 'string', short: 'o' },
      type: { type: 'string', default: 'f16' },
      json: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
  })
  if (values.help) return console.log(CONVERT_HELP), 0
  if (positionals.length !== 1 || !values.output) return console.error(CONVERT_HELP), 2
  const run = () => convert(positionals[0], values.output!, { type: values.type as ConvertType })
  const result = values.json ? await run() : await step(`converting ${positionals[0]} to ${values.type}`, run)
  console.log(values.json ? json(result) : `${result.output}: ${result.tensors} tensors, ${bytes(result.bytes)}, pooling ${result.pooling}`)
  return 0
}

export async function quantizeCommand(args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      type: { type: 'string' },
      threads: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  })
  if (values.help) return console.log(QUANTIZE_HELP), 0
  if (positionals.length !== 2 || !values.type) return console.error(QUANTIZE_HELP), 2
  const threads = values.threads === undefined ? undefined : Number(values.threads)
  await step(`quantizing ${positionals[0]} to ${values.type}`, () =>
    quantize(positionals[0], positionals[1], { type: values.type as QuantizeType, threads }),
  )
  return 0
}

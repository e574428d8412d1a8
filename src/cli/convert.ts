import { convert, quantize } from '../convert'
import { CONVERT_TYPES, QUANTIZE_TYPES, RANGES } from '../validate'

/** What --pooling takes: the model card's pooling ('model' is the default, not a flag value). */
const CONVERT_POOLINGS = ['cls', 'mean', 'last'] as const
import { parseFlags } from './args'
import { bytes, escapeForTerminal, json } from './format'
import { step } from './progress'

const CONVERT_HELP = `usage: gguf-embed convert DIR -o FILE [--type f32|f16|q8_0] [--json]
       gguf-embed convert MODEL.onnx -o FILE [--tokenizer tokenizer.json] [--pooling cls|mean|last]
                          [--name NAME] [--type f32|f16|q8_0] [--json]

Converts a BERT-family encoder to GGUF: a Hugging Face / sentence-transformers checkpoint folder
(config.json, model.safetensors, tokenizer.json or vocab.txt, modules.json), or a float32 ONNX
export (Optimum, transformers.js, langchain4j) with its tokenizer.json. An ONNX file does not
record its pooling: --pooling says what the model card says (without it, a modules.json beside the
tokenizer is read). --name is stored as general.name, from which prefixes are chosen (default: the
file name). Quantized ONNX exports (model_quantized.onnx) are refused: convert the float32 one.`

const QUANTIZE_HELP = `usage: gguf-embed quantize IN OUT --type q4_k_m|q4_0|q8_0|q5_k_m|q6_k|... [--threads N]

Quantizes a GGUF model with llama.cpp's quantizer. --type is one of ${QUANTIZE_TYPES.join(', ')}.`

export async function convertCommand(args: string[]): Promise<number> {
  const flags = parseFlags(args, CONVERT_HELP, {
    output: { type: 'string', short: 'o' },
    type: { type: 'string', default: 'f16' },
    tokenizer: { type: 'string' },
    pooling: { type: 'string' },
    name: { type: 'string' },
    json: { type: 'boolean' },
    help: { type: 'boolean', short: 'h' },
  })
  const { values, positionals } = flags
  if (values.help) return (console.log(CONVERT_HELP), 0)
  const type = flags.choice('type', CONVERT_TYPES)
  const pooling = flags.choice('pooling', CONVERT_POOLINGS)
  if (positionals.length !== 1 || !values.output) throw flags.usage('expected DIR or MODEL.onnx, and -o FILE')
  const { tokenizer, name } = values
  const run = () => convert(positionals[0], values.output!, { type, tokenizer, pooling, name })
  const result = values.json
    ? await run()
    : await step(`converting ${escapeForTerminal(positionals[0])} to ${type}`, run)
  console.log(
    values.json
      ? json(result)
      : `${escapeForTerminal(result.output)}: ${result.tensors} tensors, ${bytes(result.bytes)}, pooling ${result.pooling}`,
  )
  return 0
}

export async function quantizeCommand(args: string[]): Promise<number> {
  const flags = parseFlags(args, QUANTIZE_HELP, {
    type: { type: 'string' },
    threads: { type: 'string' },
    help: { type: 'boolean', short: 'h' },
  })
  const { values, positionals } = flags
  if (values.help) return (console.log(QUANTIZE_HELP), 0)
  const threads = flags.integer('threads', RANGES.threads)
  const type = flags.choice('type', QUANTIZE_TYPES)
  if (positionals.length !== 2 || type === undefined) throw flags.usage('expected IN, OUT and --type')
  await step(`quantizing ${escapeForTerminal(positionals[0])} to ${type}`, () =>
    quantize(positionals[0], positionals[1], { type, threads }),
  )
  return 0
}

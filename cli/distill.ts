import { parseArgs } from 'node:util'

import { distill } from '../index'
import { bytes, json } from './format'
import { Progress } from './progress'

const HELP = `usage: gguf-embed distill MODEL.gguf -o MODEL.static.gguf [--dims N] [--bits 8|4]
                         [--from auto|token-embd|transformer] [--threads N] [--json]

Builds the static tier: the model's token_embd rows (--from token-embd; the default where they are
stored at F32/F16) or every vocabulary token embedded on its own through the model (--from
transformer), PCA to --dims (default 256), Zipf/SIF token weights,
rows quantized to int8 or int4 with one scale each, written with the tokenizer as one GGUF that
StaticEmbedder loads.`

export async function distillCommand(args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      output: { type: 'string', short: 'o' },
      dims: { type: 'string' },
      bits: { type: 'string', default: '8' },
      from: { type: 'string', default: 'auto' },
      threads: { type: 'string' },
      json: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
  })
  if (values.help) return console.log(HELP), 0
  if (positionals.length !== 1 || !values.output) return console.error(HELP), 2
  const bar = new Progress('embedding the vocabulary', 0, !values.json && process.stderr.isTTY === true)
  const result = await distill(positionals[0], values.output, {
    dimensions: values.dims === undefined ? undefined : Number(values.dims),
    bits: Number(values.bits) as 8 | 4,
    from: values.from as 'auto' | 'transformer' | 'token-embd',
    threads: values.threads === undefined ? undefined : Number(values.threads),
    onProgress: ({ done, total }) => {
      bar.total = total
      bar.update(done)
    },
  })
  bar.done()
  console.log(
    values.json
      ? json(result)
      : `${values.output}: ${result.embedded} of ${result.vocab} tokens from ${result.from}, ${result.dimensions} dimensions at ${result.bits} bits (PCA keeps ${(result.explained * 100).toFixed(1)}% of the variance), table ${bytes(result.tableBytes)}, file ${bytes(result.fileBytes)}`,
  )
  return 0
}

import { distill } from '../static'
import { DISTILL_SOURCES, RANGES } from '../validate'
import { parseFlags } from './args'
import { bytes, escapeForTerminal, json } from './format'
import { Progress } from './progress'

const HELP = `usage: gguf-embed distill MODEL.gguf -o MODEL.static.gguf [--dims N] [--bits 8|4]
                         [--from auto|token-embd|transformer] [--threads N] [--json]

Builds the static tier: the model's token_embd rows (--from token-embd; the default where they are
stored at F32/F16) or every vocabulary token embedded on its own through the model (--from
transformer), PCA to --dims (default 256), Zipf/SIF token weights,
rows quantized to int8 or int4 with one scale each, written with the tokenizer as one GGUF that
StaticEmbedder loads.`

export async function distillCommand(args: string[]): Promise<number> {
  const flags = parseFlags(args, HELP, {
    output: { type: 'string', short: 'o' },
    dims: { type: 'string' },
    bits: { type: 'string', default: '8' },
    from: { type: 'string', default: 'auto' },
    threads: { type: 'string' },
    json: { type: 'boolean' },
    help: { type: 'boolean', short: 'h' },
  })
  const { values, positionals } = flags
  if (values.help) return (console.log(HELP), 0)
  const options = {
    dimensions: flags.integer('dims', RANGES.count),
    bits: flags.integer('bits', RANGES.bits) as 8 | 4,
    from: flags.choice('from', DISTILL_SOURCES),
    threads: flags.integer('threads', RANGES.threads),
  }
  if (positionals.length !== 1 || !values.output) throw flags.usage('expected MODEL and -o OUT')
  const bar = new Progress('embedding the vocabulary', 0, !values.json && process.stderr.isTTY === true)
  const result = await distill(positionals[0], values.output, {
    ...options,
    onProgress: ({ done, total }) => {
      bar.total = total
      bar.update(done)
    },
  })
  bar.done()
  console.log(
    values.json
      ? json(result)
      : `${escapeForTerminal(values.output)}: ${result.embedded} of ${result.vocab} tokens from ${result.from}, ${result.dimensions} dimensions at ${result.bits} bits (PCA keeps ${(result.explained * 100).toFixed(1)}% of the variance), table ${bytes(result.tableBytes)}, file ${bytes(result.fileBytes)}`,
  )
  return 0
}

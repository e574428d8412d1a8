import { distill } from '../static'
import { DISTILL_SOURCES, PRETOKENIZE_RULES, RANGES, TOKEN_WEIGHTINGS } from '../validate'
import { parseFlags } from './args'
import { bytes, escapeForTerminal, json } from './format'
import { phasedProgress } from './progress'

const HELP = `usage: gguf-embed distill MODEL.gguf -o MODEL.static.gguf [--dims N] [--bits 8|4]
                         [--from auto|token-embd|transformer] [--corpus FILE.jsonl]
                         [--pretokenize identifiers|none] [--weighting corpus|zipf] [--no-fit]
                         [--regularization X] [--threads N] [--json]

Builds the static tier: the model's token_embd rows (--from token-embd; the default where they are
stored at F32/F16) or every vocabulary token embedded on its own through the model (--from
transformer). With --corpus (JSON Lines of {"text": ..., "kind"?: "query"|"document"}) the tokens
are weighted by their frequency in it and the rows fitted so each text's mean of rows predicts the
model's own vector of it (--no-fit: weights only); without, a Zipf prior over the vocabulary order.
Then PCA to --dims (default 256) and rows quantized to int8 or int4 with one scale each, written with
the tokenizer as one GGUF that StaticEmbedder loads. --pretokenize identifiers (the default) splits
camelCase, snake_case and digits before the tokenizer, for every caller of the table.`

export async function distillCommand(args: string[]): Promise<number> {
  const flags = parseFlags(args, HELP, {
    output: { type: 'string', short: 'o' },
    dims: { type: 'string' },
    bits: { type: 'string', default: '8' },
    from: { type: 'string', default: 'auto' },
    threads: { type: 'string' },
    corpus: { type: 'string' },
    pretokenize: { type: 'string', default: 'identifiers' },
    weighting: { type: 'string' },
    'no-fit': { type: 'boolean' },
    regularization: { type: 'string' },
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
    corpus: values.corpus,
    pretokenize: flags.choice('pretokenize', PRETOKENIZE_RULES),
    weighting: values.weighting === undefined ? undefined : flags.choice('weighting', TOKEN_WEIGHTINGS),
    fit: values['no-fit'] ? false : undefined,
    regularization: values.regularization === undefined ? undefined : Number(values.regularization),
  }
  if (positionals.length !== 1 || !values.output) throw flags.usage('expected MODEL and -o OUT')
  const labels = { vocabulary: 'embedding the vocabulary', corpus: 'embedding the corpus', fit: 'fitting the rows' }
  const show = !values.json && process.stderr.isTTY === true
  const bars = phasedProgress(labels, show)
  const result = await distill(positionals[0], values.output, { ...options, onProgress: bars.onProgress })
  bars.done()
  console.log(
    values.json
      ? json(result)
      : `${escapeForTerminal(values.output)}: ${result.embedded} of ${result.vocab} tokens from ${result.from}, ${result.dimensions} dimensions at ${result.bits} bits (PCA keeps ${(result.explained * 100).toFixed(1)}% of the variance), pretokenize ${result.pretokenize}, ${result.weighting} weights${result.corpusTexts ? `, ${result.corpusTexts} corpus texts, ${result.fittedTokens} tokens fitted` : ''}, table ${bytes(result.tableBytes)}, file ${bytes(result.fileBytes)}`,
  )
  return 0
}

import { createInterface } from 'node:readline'

import { Embedder } from '../embedder'
import { KINDS, RANGES } from '../validate'
import { parseFlags } from './args'
import { escapeForTerminal } from './format'
import { Progress } from './progress'

const HELP = `usage: gguf-embed embed MODEL [TEXT...] [--stdin] [--kind query|document] [--dimensions N] [--json]

Embeds each TEXT (or each line of standard input with --stdin). Prints one vector per line:
JSON arrays with --json, otherwise "text<TAB>first values ... (N dims)".`

async function readLines(): Promise<string[]> {
  const lines: string[] = []
  for await (const line of createInterface({ input: process.stdin, crlfDelay: Infinity })) lines.push(line)
  return lines
}

export async function embedCommand(args: string[]): Promise<number> {
  const flags = parseFlags(args, HELP, {
    stdin: { type: 'boolean' },
    kind: { type: 'string', default: 'document' },
    dimensions: { type: 'string' },
    json: { type: 'boolean' },
    help: { type: 'boolean', short: 'h' },
  })
  const { values, positionals } = flags
  if (values.help) return (console.log(HELP), 0)
  const kind = flags.choice('kind', KINDS)
  const dimensions = flags.integer('dimensions', RANGES.count)
  const [model, ...texts] = positionals
  if (!model || (texts.length === 0 && !values.stdin)) throw flags.usage('expected MODEL and TEXT... or --stdin')
  if (values.stdin) texts.push(...(await readLines()))
  const embedder = await Embedder.load(model)
  try {
    const progress = new Progress('embedding', texts.length, process.stderr.isTTY === true && texts.length > 64)
    const vectors = await embedder.embedBatch(texts, {
      kind,
      dimensions,
      onProgress: ({ done }) => progress.update(done),
    })
    progress.done()
    for (let i = 0; i < texts.length; i++) {
      const v = vectors[i]
      if (values.json) {
        process.stdout.write(JSON.stringify(Array.from(v)) + '\n')
      } else {
        const head = Array.from(v.subarray(0, 4), (x) => x.toFixed(4)).join(' ')
        const label = texts[i].length > 40 ? `${texts[i].slice(0, 37)}...` : texts[i]
        process.stdout.write(`${escapeForTerminal(JSON.stringify(label))}\t${head} ... (${v.length} dims)\n`)
      }
    }
  } finally {
    await embedder.dispose()
  }
  return 0
}

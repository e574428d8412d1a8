import { parseArgs } from 'node:util'

import { pull } from '../index'
import { Progress } from './progress'

const HELP = `usage: gguf-embed pull hf:OWNER/REPO/FILE.gguf[@REVISION] [--cache-dir DIR] [--base-url URL]

Downloads a model into the cache (default ~/.cache/gguf-embed, or $GGUF_EMBED_CACHE) and prints its
path. Resumes an interrupted download, checks the size and SHA-256 the server states. --base-url
(or $GGUF_EMBED_HF_ENDPOINT / $HF_ENDPOINT) points at a mirror; $HF_TOKEN is sent for gated repos.`

export async function pullCommand(args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      'cache-dir': { type: 'string' },
      'base-url': { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  })
  if (values.help) return console.log(HELP), 0
  if (positionals.length !== 1) return console.error(HELP), 2
  const bar = new Progress('downloading', 0)
  const path = await pull(positionals[0], {
    cacheDir: values['cache-dir'],
    baseUrl: values['base-url'],
    onProgress: ({ received, total }) => {
      bar.total = total ?? 0
      bar.update(received)
    },
  })
  bar.done()
  console.log(path)
  return 0
}

import { parseArgs } from 'node:util'

import { pull } from '../download'
import { Progress } from './progress'

const HELP = `usage: gguf-embed pull hf:OWNER/REPO/FILE.gguf[@REVISION] [--cache-dir DIR] [--base-url URL] [--stall-timeout SECONDS]

Downloads a model into the cache (default ~/.cache/gguf-embed, or $GGUF_EMBED_CACHE) and prints its
path. Resumes an interrupted download and checks the size and SHA-256 the server states; a server
that states neither is refused, one that states only the size gets a warning. --base-url (or
$GGUF_EMBED_HF_ENDPOINT / $HF_ENDPOINT) points at a mirror; $HF_TOKEN is sent for gated repos, to
that origin only. --stall-timeout (default 30): a connection that brings less than 64 KiB in that
many seconds is resumed, then given up.`

export async function pullCommand(args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      'cache-dir': { type: 'string' },
      'base-url': { type: 'string' },
      'stall-timeout': { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  })
  if (values.help) return (console.log(HELP), 0)
  if (positionals.length !== 1) return (console.error(HELP), 2)
  const stall = values['stall-timeout']
  if (stall !== undefined && !/^[1-9][0-9]{0,6}$/.test(stall))
    return (console.error(`--stall-timeout must be a whole number of seconds from 1\n\n${HELP}`), 2)
  const bar = new Progress('downloading', 0)
  const path = await pull(positionals[0], {
    cacheDir: values['cache-dir'],
    baseUrl: values['base-url'],
    stallTimeout: stall === undefined ? undefined : Number(stall) * 1000,
    onProgress: ({ received, total }) => {
      bar.total = total ?? 0
      bar.update(received)
    },
    onWarning: ({ message }) => console.error(`\ngguf-embed: ${message}`),
  })
  bar.done()
  console.log(path)
  return 0
}

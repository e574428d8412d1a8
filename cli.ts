#!/usr/bin/env node
/** The `gguf-embed` command line, built on the public API only. One file per command in cli/. */
import { EmbedError } from './errors'
import { inspectCommand } from './cli/inspect'

const USAGE = `usage: gguf-embed <command> [options]

commands:
  inspect FILE [--json] [--tensors]   describe a GGUF file without loading weights

Run "gguf-embed <command> --help" for a command's options.`

const COMMANDS: Record<string, (args: string[]) => Promise<number>> = {
  inspect: inspectCommand,
}

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv
  if (command === undefined || command === '--help' || command === '-h') {
    console.log(USAGE)
    return command === undefined ? 2 : 0
  }
  const run = COMMANDS[command]
  if (!run) {
    console.error(`gguf-embed: unknown command "${command}"\n\n${USAGE}`)
    return 2
  }
  return run(rest)
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code
  },
  (err: unknown) => {
    if (err instanceof EmbedError) {
      console.error(`gguf-embed: ${err.code}: ${err.message}`)
    } else {
      console.error(`gguf-embed: ${err instanceof Error ? err.message : String(err)}`)
    }
    process.exitCode = 1
  },
)

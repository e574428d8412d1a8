// `gguf-embed serve` as a child process on a free port, for the benchmarks: resolves with the child
// and its URL once it prints `ready:` (the model loaded), rejects if it exits first.
import { spawn } from 'node:child_process'
import { join, dirname } from 'node:path'
import { fileURLToPath } from 'node:url'
import { createInterface } from 'node:readline'

const root = join(dirname(fileURLToPath(import.meta.url)), '..')

export function startServe(model, flags = []) {
  const child = spawn(
    process.execPath,
    [join(root, 'dist', 'src', 'cli.js'), 'serve', model, '--port', '0', ...flags],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  )
  return new Promise((resolve, reject) => {
    let url
    createInterface({ input: child.stdout }).on('line', (line) => {
      url ??= /^listening on (\S+)/.exec(line)?.[1]
      if (line.startsWith('ready:')) resolve({ child, url })
    })
    child.once('exit', (code) => reject(new Error(`serve exited with ${code}`)))
  })
}

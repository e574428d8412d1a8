import test from 'ava'
import { execFileSync } from 'node:child_process'
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

import { convert, EmbedError, Embedder, inspect, StaticEmbedder } from 'gguf-embed'
import { checkpoint } from './helpers'

// A FIFO as a model path blocked a libuv thread in open(2) forever: the call never settled, four
// of them starved fs and dns, and process.exit() hung. Every path is now opened without blocking
// and must be a regular file. Each call below would hang (and ava time out) without the fix.

const dir = mkdtempSync(join(tmpdir(), 'gguf-embed-fifo-'))
test.after.always(() => rmSync(dir, { recursive: true, force: true }))

function fifo(name: string): string {
  const path = join(dir, name)
  execFileSync('mkfifo', [path])
  return path
}

async function refusedAtOnce(t: any, call: () => Promise<unknown>, codes: string[]) {
  const err = await t.throwsAsync(call, { instanceOf: EmbedError })
  t.true(codes.includes(err.code), `${err.code}: ${err.message}`)
}

test('a FIFO as a model is refused at once by load, inspect and StaticEmbedder.load', async (t) => {
  const model = fifo('model.gguf')
  // Four at once: before the fix these held all four libuv threads.
  await Promise.all([
    refusedAtOnce(t, () => Embedder.load(model), ['IO']),
    refusedAtOnce(t, () => inspect(model), ['IO']),
    refusedAtOnce(t, () => StaticEmbedder.load(model), ['IO']),
    refusedAtOnce(t, () => Embedder.load(model), ['IO']),
  ])
})

test("a FIFO as convert's config.json is refused at once", async (t) => {
  const folder = join(dir, 'checkpoint')
  mkdirSync(folder)
  for (const f of readdirSync(checkpoint)) {
    if (f !== 'config.json' && !f.startsWith('.')) {
      try {
        copyFileSync(join(checkpoint, f), join(folder, f))
      } catch {
        // sub-folders (1_Pooling) are not needed to reach config.json
      }
    }
  }
  fifo('checkpoint/config.json')
  await refusedAtOnce(t, () => convert(folder, join(dir, 'out.gguf')), ['MODEL_LOAD_FAILED', 'IO'])
  t.deepEqual(
    readdirSync(dir).filter((f) => f.startsWith('out.gguf')),
    [],
    'nothing written',
  )
})

test('/dev/zero and a directory are not models', async (t) => {
  await refusedAtOnce(t, () => Embedder.load('/dev/zero'), ['IO'])
  await refusedAtOnce(t, () => inspect(dir), ['IO'])
})

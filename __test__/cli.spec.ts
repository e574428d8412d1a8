import test from 'ava'
import { execFile } from 'node:child_process'
import { join } from 'node:path'
import { promisify } from 'node:util'

import { fixtures, root } from './helpers'

const run = promisify(execFile)
const cli = join(root, 'dist', 'cli.js')

async function gguf(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, [cli, ...args])
    return { code: 0, stdout, stderr }
  } catch (e) {
    const err = e as { code: number; stdout: string; stderr: string }
    return { code: err.code, stdout: err.stdout, stderr: err.stderr }
  }
}

test('inspect prints a readable summary', async (t) => {
  const r = await gguf('inspect', join(fixtures, 'writer', 'all-types.gguf'))
  t.is(r.code, 0, r.stderr)
  t.regex(r.stdout, /model\s+writer-all-types .* \(bert\)/)
  t.regex(r.stdout, /tokenizer\.ggml\.tokens\s+array\s+string\[500\]/)
  t.notRegex(r.stdout, /tensors \(/)
})

test('inspect --json --tensors is machine-readable', async (t) => {
  const r = await gguf('inspect', join(fixtures, 'writer', 'all-types.gguf'), '--json', '--tensors')
  t.is(r.code, 0, r.stderr)
  const info = JSON.parse(r.stdout)
  t.is(info.architecture, 'bert')
  t.is(info.tensors.length, 5)
  t.is(info.metadata.find((m: { key: string }) => m.key === 'test.u64').value, 2 ** 40)
})

test('inspect of a hostile file exits 1 with the code on stderr', async (t) => {
  const r = await gguf('inspect', join(fixtures, 'cve-2026-27940-two-huge-i8.gguf'))
  t.is(r.code, 1)
  t.regex(r.stderr, /GGUF_INVALID: tensor "a": bytes \d+\.\.\d+ lie outside/)
})

test('usage errors exit 2', async (t) => {
  t.is((await gguf()).code, 2)
  t.is((await gguf('inspect')).code, 2)
  t.is((await gguf('frobnicate')).code, 2)
  t.is((await gguf('inspect', '--help')).code, 0)
})

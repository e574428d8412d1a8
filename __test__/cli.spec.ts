import test from 'ava'
import { execFile } from 'node:child_process'
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'

import { fixtures, modelFile, root } from './helpers'

const run = promisify(execFile)
const cli = join(root, 'dist', 'src', 'cli.js')

const dir = mkdtempSync(join(tmpdir(), 'gguf-cli-'))
test.after.always(() => rmSync(dir, { recursive: true, force: true }))

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

test('unknown flags and missing flag values exit 2, for every command', async (t) => {
  for (const command of ['inspect', 'embed', 'convert', 'quantize', 'distill', 'models', 'pull', 'serve']) {
    const r = await gguf(command, 'x', '--frobnicate')
    t.is(r.code, 2, `${command}: ${r.stderr}`)
  }
  t.is((await gguf('distill', 'm.gguf', '-o', join(dir, 'x.gguf'), '--dims')).code, 2, 'a flag without its value')
  t.is((await gguf('inspect', 'm.gguf', '--json=yes')).code, 2, 'a value for a boolean flag')
  t.is((await gguf('models', 'extra')).code, 2, 'an operand models does not take')
})

// Numbers on the command line are decimal digits within the flag's range, checked before any work:
// the model path does not exist, so a flag that got through would end in IO (exit 1) instead.
test('numeric flags: decimal integers in range only, exit 2 naming the flag before any work', async (t) => {
  const out = join(dir, 'never.static.gguf')
  const missing = join(dir, 'missing.gguf')
  const bad = ['2.5', '4294967297', '-5', 'abc', '0', '1e3', '0x10', ' 7', '', '+5', '99999999999999999999']
  const cases: string[][] = [
    ...bad.map((v) => ['distill', missing, '-o', out, `--dims=${v}`]),
    ...['5', '16', '8.0', '-8'].map((v) => ['distill', missing, '-o', out, `--bits=${v}`]),
    ...['0', '1025', '2.5', '-1'].map((v) => ['distill', missing, '-o', out, `--threads=${v}`]),
    ...['2.5', '0', '4294967297'].map((v) => ['embed', missing, 'text', `--dimensions=${v}`]),
    ...['2.5', '0', '-5'].map((v) => ['quantize', missing, out, '--type', 'q4_0', `--threads=${v}`]),
  ]
  for (const args of cases) {
    const r = await gguf(...args)
    const flag = args[args.length - 1].split('=')[0]
    t.is(r.code, 2, `${args.join(' ')}: ${r.stderr}`)
    t.true(r.stderr.includes(flag), `${args.join(' ')}: ${r.stderr}`)
  }
  t.false(existsSync(out))
  // A valid number goes through to the work (and the missing model): exit 1, IO.
  const ok = await gguf('distill', missing, '-o', out, '--dims', '8', '--bits', '4', '--threads', '1')
  t.is(ok.code, 1, ok.stderr)
  t.regex(ok.stderr, /IO/)
})

test('closed-set flags exit 2 before any work', async (t) => {
  const missing = join(dir, 'missing.gguf')
  const out = join(dir, 'never.gguf')
  for (const args of [
    ['embed', missing, 'text', '--kind', 'code'],
    ['distill', missing, '-o', out, '--from', 'rows'],
    ['convert', dir, '-o', out, '--type', 'f64'],
    ['quantize', missing, out, '--type', 'q9_9'],
    ['quantize', missing, out],
  ]) {
    const r = await gguf(...args)
    t.is(r.code, 2, `${args.join(' ')}: ${r.stderr}`)
  }
  t.is(
    (await gguf('quantize', missing, out, '--type', 'Q4_K_M')).code,
    1,
    'llama.cpp spelling accepted: fails on the missing file',
  )
})

/** A GGUF v3 file with string metadata and one F32 tensor of 4 values. */
function writeGguf(file: string, metadata: Array<[string, string]>, tensor: { name: string }): void {
  const u32 = (n: number) => {
    const b = Buffer.alloc(4)
    b.writeUInt32LE(n)
    return b
  }
  const u64 = (n: number | bigint) => {
    const b = Buffer.alloc(8)
    b.writeBigUInt64LE(BigInt(n))
    return b
  }
  const str = (s: string) => {
    const b = Buffer.from(s, 'utf8')
    return Buffer.concat([u64(b.length), b])
  }
  const STRING = 8
  const F32 = 0
  const parts = [Buffer.from('GGUF'), u32(3), u64(1), u64(metadata.length)]
  for (const [key, value] of metadata) parts.push(str(key), u32(STRING), str(value))
  parts.push(str(tensor.name), u32(1), u64(4), u32(F32), u64(0))
  const header = Buffer.concat(parts)
  const padding = Buffer.alloc((32 - (header.length % 32)) % 32)
  writeFileSync(file, Buffer.concat([header, padding, Buffer.alloc(16)]))
}

/** Bytes a terminal acts on: C0 controls other than the output's own tabs and newlines, DEL, C1, bidi controls. */
const UNSAFE = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/

test('inspect escapes control and bidi characters from the file; --json keeps them exact', async (t) => {
  const title = '\x1b]0;pwned\x07\x1b[2J\rfake line'
  const file = join(dir, 'hostile-\x1b[7m.gguf')
  writeGguf(
    file,
    [
      ['general.architecture', 'bert\u202e'],
      ['general.name', title],
      ['tokenizer.ggml.model', 'gpt2\u009b31m'],
      ['evil.\x1b[1mkey', 'del\x7f isolate\u2066 newline\nforged'],
    ],
    { name: 't\x1b[5m\u202e' },
  )
  const r = await gguf('inspect', file, '--tensors')
  t.is(r.code, 0, r.stderr)
  t.false(UNSAFE.test(r.stdout), JSON.stringify(r.stdout))
  t.true(r.stdout.includes('\\x1b]0;pwned\\x07\\x1b[2J\\x0dfake line'), 'shown, escaped')
  t.true(r.stdout.includes('\\u202e'))
  const json = await gguf('inspect', file, '--json', '--tensors')
  t.is(json.code, 0, json.stderr)
  const info = JSON.parse(json.stdout)
  t.is(info.name, title)
  t.is(info.tensors[0].name, 't\x1b[5m\u202e')
})

test('error messages are escaped on stderr: they quote paths and file contents', async (t) => {
  const folder = join(dir, 'folder-\x1b]0;pwned\x07\u202e')
  mkdirSync(folder)
  const r = await gguf('inspect', folder)
  t.is(r.code, 1)
  t.regex(r.stderr, /IO/)
  t.false(UNSAFE.test(r.stderr), JSON.stringify(r.stderr))
})

test('embed and distill escape what they print', async (t) => {
  const text = 'a\u009b2J b\u202e c\x1b[2J'
  const r = await gguf('embed', modelFile('q8_0'), text)
  t.is(r.code, 0, r.stderr)
  t.false(UNSAFE.test(r.stdout), JSON.stringify(r.stdout))
  const out = join(dir, 'table-\x1b[2J.static.gguf')
  const d = await gguf('distill', modelFile('f16'), '-o', out, '--from', 'token-embd', '--dims', '8')
  t.is(d.code, 0, d.stderr)
  t.false(UNSAFE.test(d.stdout), JSON.stringify(d.stdout))
  t.true(existsSync(out))
})

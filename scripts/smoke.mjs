#!/usr/bin/env node
// Smoke test of one built platform package: loads the addon from its npm/<platform> folder (not the
// dev build in dist/src/), embeds real texts with a real model and prints what it found as JSON:
// the CPU features the kernels use, the vectors' shape, and a paraphrase / unrelated check.
// Used by CI on every platform, and by __test__/portable.spec.ts under `qemu-x86_64 -cpu Nehalem`.
//
//   node scripts/smoke.mjs npm/linux-x64-gnu [--model FILE] [--texts JSON]
import { existsSync, readdirSync } from 'node:fs'
import { createRequire } from 'node:module'
import { join, resolve } from 'node:path'

const args = process.argv.slice(2)
const option = (name) => {
  const i = args.indexOf(name)
  return i >= 0 ? args[i + 1] : undefined
}
const dir = resolve(args[0] ?? 'npm/linux-x64-gnu')
const addon = readdirSync(dir).find((f) => f.endsWith('.node'))
if (!addon) {
  console.error(`smoke: no .node file in ${dir}`)
  process.exit(2)
}
// napi's loader takes this path before anything else.
process.env.NAPI_RS_NATIVE_LIBRARY_PATH = join(dir, addon)
const require = createRequire(import.meta.url)
const root = resolve(import.meta.dirname ?? new URL('.', import.meta.url).pathname, '..')
const lib = require(join(root, 'dist', 'index.js'))

let model = option('--model')
if (!model) {
  model = join(root, '.models', 'all-minilm-l6-v2.q8_0.gguf')
  if (!existsSync(model)) {
    // Makes the default models with this very addon (convert runs natively).
    require('node:child_process').execFileSync(process.execPath, [join(root, 'dist', 'src', 'cli.js'), 'models'], {
      stdio: 'inherit',
    })
  }
}
const texts = JSON.parse(
  option('--texts') ?? '["read a file line by line", "iterate over the lines of a text file", "the capital of France"]',
)

const info = lib.systemInfo()
const e = await lib.Embedder.load(model, { threads: 1 })
const vectors = await e.embedBatch(texts)
await e.dispose()
const dot = (a, b) => a.reduce((s, x, i) => s + x * b[i], 0)
const norm = Math.sqrt(dot(vectors[0], vectors[0]))
const result = {
  addon: join(dir, addon),
  kernels: info.kernels,
  cpu: info.cpu,
  dimensions: vectors[0].length,
  norm,
  paraphrase: dot(vectors[0], vectors[1]),
  unrelated: dot(vectors[0], vectors[2]),
  vectors: vectors.map((v) => Array.from(v)),
}
console.log(JSON.stringify(result))
const ok = Math.abs(norm - 1) < 1e-3 && result.paraphrase > result.unrelated
if (!ok) {
  console.error('smoke: vectors are wrong')
  process.exit(1)
}

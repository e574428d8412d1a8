// Describes every vocab GGUF that llama.cpp's own tools made, then feeds the hostile corpus to the
// same API and counts the typed errors. Uses only the public API.
import { readdirSync, readFileSync } from 'node:fs'
import { join, dirname } from 'node:path'
import { fileURLToPath } from 'node:url'
import { createRequire } from 'node:module'

const root = join(dirname(fileURLToPath(import.meta.url)), '..')
const { inspect } = createRequire(import.meta.url)(root)

const models = join(root, '.cache', 'llama.cpp', 'models')
const rows = [['file', 'arch', 'tokenizer', 'vocab', 'size', 'reader heap', 'ms']]
for (const f of readdirSync(models).filter((f) => f.endsWith('.gguf')).sort()) {
  const t0 = performance.now()
  const m = await inspect(join(models, f))
  const ms = (performance.now() - t0).toFixed(1)
  rows.push([f, m.architecture ?? '-', m.tokenizerModel ?? '-', String(m.vocabSize ?? '-'), `${(m.fileSize / 2 ** 20).toFixed(1)} MiB`, `${m.readerHeapBytes} B`, ms])
}
const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => r[i].length)))
console.log('GGUF files made by llama.cpp (vocab-only, from the node-llama-cpp package):\n')
for (const r of rows) console.log('  ' + r.map((c, i) => c.padEnd(widths[i])).join('  '))

const fixtures = join(root, '.cache', 'fixtures')
const corpus = JSON.parse(readFileSync(join(fixtures, 'manifest.json'), 'utf8')).filter((c) => c.kind)
const byCode = {}
let wrong = 0
for (const c of corpus) {
  try {
    await inspect(join(fixtures, c.file))
    wrong++
  } catch (e) {
    byCode[e.code] = (byCode[e.code] ?? 0) + 1
    if (e.code !== c.code || e.kind !== c.kind) wrong++
  }
}
console.log(`\nHostile corpus: ${corpus.length} hand-made bad files (CVE classes, truncations, overflows):`)
for (const [code, n] of Object.entries(byCode)) console.log(`  ${code.padEnd(18)} ${n}`)
console.log(`  ${wrong === 0 ? 'every file refused with its expected error' : `${wrong} files NOT refused as expected`}; the process is still running.`)
const big = await inspect(join(fixtures, 'sparse-4gib.gguf'))
console.log(`\nA ${(big.fileSize / 2 ** 30).toFixed(1)} GiB file with a 100,000-token vocabulary: reader heap ${big.readerHeapBytes} bytes.`)
console.log('\nEmbeddings (Embedder) arrive with the next milestone; see README.md.')
process.exitCode = wrong === 0 ? 0 : 1

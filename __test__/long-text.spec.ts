import test from 'ava'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

import { distill, Embedder, EmbedError, StaticEmbedder } from 'gguf-embed'
import { modelFile, pythonFunctions } from './helpers'

// A 20 MB text: countTokens took RSS from 112 to 784 MiB under a 96 MiB budget, and
// StaticEmbedder.tokenize blocked the event loop for 931 ms.

const code = pythonFunctions(400).join('\n\n')
const big = code.repeat(Math.ceil((20 << 20) / code.length)).slice(0, 20 << 20)

/** Peak resident memory since the last reset, in bytes (Linux). */
function peakRss(): number {
  const line = readFileSync('/proc/self/status', 'utf8')
    .split('\n')
    .find((l) => l.startsWith('VmHWM:'))!
  return Number(line.split(/\s+/)[1]) * 1024
}
/** Resets the peak to the current resident size ("5" to clear_refs, Linux >= 4.0). */
function resetPeak() {
  writeFileSync('/proc/self/clear_refs', '5')
}

test('countTokens of 20 MB stays near the text in memory, under a 96 MiB budget', async (t) => {
  const e = await Embedder.load(modelFile('q8_0'), { memoryBudget: 96 * 2 ** 20 })
  t.teardown(() => e.dispose())
  const small = code.slice(0, 200_000)
  t.is(await e.countTokens(small), (await e.tokenize(small)).length, 'the same count as whole')
  resetPeak()
  const before = peakRss()
  const n = await e.countTokens(big)
  const grew = peakRss() - before
  t.true(n > 1_000_000, `${n} tokens`)
  // The text crosses once into native memory (20 MiB) and is tokenised 64 KiB at a time.
  t.true(grew < 120 * 2 ** 20, `peak RSS grew by ${(grew / 2 ** 20).toFixed(0)} MiB`)
  t.log(`countTokens(20 MB): ${n} tokens, peak RSS +${(grew / 2 ** 20).toFixed(0)} MiB`)
  // All its ids at once need ~40x the text in native memory: more than the budget, refused first.
  const err = await t.throwsAsync(e.tokenize(big), { instanceOf: EmbedError })
  t.is(err.code, 'MEMORY_BUDGET')
})

test('StaticEmbedder.tokenize of 20 MB runs off the JS thread', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'gguf-long-'))
  t.teardown(() => rmSync(dir, { recursive: true, force: true }))
  const file = join(dir, 'minilm.static.gguf')
  await distill(modelFile('f16'), file, { dimensions: 64 })
  const s = await StaticEmbedder.load(file)
  t.teardown(() => s.dispose())
  const order: string[] = []
  const ids = s.tokenize(big).then((ids) => (order.push('tokenized'), ids))
  setImmediate(() => order.push('event loop turned'))
  t.true((await ids).length > 1_000_000)
  // Tokenised on the JS thread, the promise would settle before the loop turned even once.
  t.deepEqual(order, ['event loop turned', 'tokenized'])
})

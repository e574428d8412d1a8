import test from 'ava'
import { join } from 'node:path'

import { Embedder, EmbedError } from 'gguf-embed'
import { cosine, fixtures, llamaModels, modelFile, pythonFunctions } from './helpers'

const code = pythonFunctions(200, 3000)

test('batch invariance: alone and inside a batch of 64 mixed-length texts', async (t) => {
  const e = await Embedder.load(modelFile('f32'))
  const batch = [...code.slice(0, 40), ...code.slice(40, 64).map((c) => c.slice(0, 60 + c.length / 10))]
  t.is(batch.length, 64)
  const together = await e.embedBatch(batch)
  let worst = 1
  for (let i = 0; i < batch.length; i += 7) {
    const alone = await e.embed(batch[i])
    worst = Math.min(worst, cosine(alone, together[i]))
  }
  t.log(`worst cosine alone vs batched: ${worst}`)
  t.true(worst >= 0.99999, String(worst))
  t.true(e.stats().batches > 1)
  await e.dispose()
})

test('results are Float32Arrays of the model dimension, L2-normalised', async (t) => {
  const e = await Embedder.load(modelFile('q8_0'))
  t.is(e.dimensions, 384)
  const v = await e.embed('def add(a, b): return a + b')
  t.true(v instanceof Float32Array)
  t.is(v.length, 384)
  t.true(Math.abs(cosine(v, v) - 1) < 1e-6)
  t.true(Math.abs(v.reduce((s, x) => s + x * x, 0) - 1) < 1e-4)
  t.deepEqual(await e.embedBatch([]), [])
  const raw = await Embedder.load(modelFile('q8_0'), { normalize: false })
  const r = await raw.embed('def add(a, b): return a + b')
  t.true(Math.abs(cosine(r, v) - 1) < 1e-5)
  t.false(Math.abs(r.reduce((s, x) => s + x * x, 0) - 1) < 1e-3)
  await Promise.all([e.dispose(), raw.dispose()])
})

test('dimensions cuts then re-normalises (Matryoshka); 0 or too many is INVALID_ARGUMENT', async (t) => {
  const e = await Embedder.load(modelFile('q8_0'))
  const full = await e.embed('binary search over a sorted array')
  const cut = await e.embed('binary search over a sorted array', { dimensions: 64 })
  t.is(cut.length, 64)
  const prefix = full.slice(0, 64)
  const norm = Math.sqrt(prefix.reduce((s, x) => s + x * x, 0))
  cut.forEach((x, i) => t.true(Math.abs(x - prefix[i] / norm) < 1e-5))
  for (const dimensions of [0, 385, -1, 1.5]) {
    const err = await t.throwsAsync(e.embed('x', { dimensions }), { instanceOf: EmbedError })
    t.is(err?.code, 'INVALID_ARGUMENT')
  }
  await e.dispose()
})

test('prefixes come from the profile and can be overridden', async (t) => {
  const e = await Embedder.load(modelFile('q8_0'))
  t.is(e.info.profile, 'all-minilm')
  t.is(e.info.pooling, 'mean')
  t.is(e.info.queryPrefix, '')
  const q = await e.embed('parse a date', { kind: 'query' })
  const d = await e.embed('parse a date', { kind: 'document' })
  t.true(cosine(q, d) > 0.999999)
  const p = await Embedder.load(modelFile('q8_0'), { prefixes: { query: 'search_query: ' } })
  t.is(p.info.queryPrefix, 'search_query: ')
  const prefixed = await p.embed('parse a date', { kind: 'query' })
  const manual = await e.embed('search_query: parse a date')
  t.true(cosine(prefixed, manual) > 0.999999)
  t.true(cosine(prefixed, q) < 0.99)
  const cls = await Embedder.load(modelFile('q8_0'), { pooling: 'cls' })
  t.is(cls.info.pooling, 'cls')
  t.true(cosine(await cls.embed('parse a date'), d) < 0.99)
  await Promise.all([e.dispose(), p.dispose(), cls.dispose()])
})

test("truncate: 'error' rejects over-long input with INPUT_TOO_LONG naming the counts; 'end' cuts", async (t) => {
  const long = code.join('\n').slice(0, 20_000)
  const strict = await Embedder.load(modelFile('q8_0'), { truncate: 'error' })
  const err = await t.throwsAsync(strict.embedBatch(['short', long]), { instanceOf: EmbedError })
  t.is(err?.code, 'INPUT_TOO_LONG')
  t.is(err?.index, 1)
  t.is(err?.limit, 512)
  t.true(err!.tokens! > 512, `${err?.tokens} tokens`)
  const lax = await Embedder.load(modelFile('q8_0'), { contextSize: 128 })
  t.is((await lax.embed(long)).length, 384)
  t.true((await lax.countTokens(long)) > 128)
  const err2 = await t.throwsAsync(Embedder.load(modelFile('q8_0'), { contextSize: 4096 }), { instanceOf: EmbedError })
  t.is(err2?.code, 'INVALID_ARGUMENT')
  await Promise.all([strict.dispose(), lax.dispose()])
})

test('bad arguments, abort, dispose', async (t) => {
  const e = await Embedder.load(modelFile('q8_0'))
  for (const bad of [42, null, undefined, {}]) {
    const err = await t.throwsAsync(e.embed(bad as unknown as string), { instanceOf: EmbedError })
    t.is(err?.code, 'INVALID_ARGUMENT')
  }
  const err = await t.throwsAsync(e.embedBatch(['ok', 7 as unknown as string]), { instanceOf: EmbedError })
  t.is(err?.code, 'INVALID_ARGUMENT')
  t.is((await t.throwsAsync(e.embed('x', { kind: 'code' as 'query' })))?.['code' as never], 'INVALID_ARGUMENT')
  const aborted = await t.throwsAsync(e.embed('x', { signal: AbortSignal.abort() }), { instanceOf: EmbedError })
  t.is(aborted?.code, 'ABORTED')
  const controller = new AbortController()
  const many = e.embedBatch(code.concat(code, code), { signal: controller.signal })
  setImmediate(() => controller.abort())
  t.is((await t.throwsAsync(many, { instanceOf: EmbedError }))?.code, 'ABORTED')
  t.is((await e.embed('still works')).length, 384)
  await e.dispose()
  await e.dispose()
  t.is((await t.throwsAsync(e.embed('x'), { instanceOf: EmbedError }))?.code, 'DISPOSED')
  t.is((await t.throwsAsync(e.countTokens('x'), { instanceOf: EmbedError }))?.code, 'DISPOSED')
})

test('files that are not embedding models are refused with typed errors', async (t) => {
  const vocabOnly = await t.throwsAsync(Embedder.load(join(llamaModels, 'ggml-vocab-bert-bge.gguf')), {
    instanceOf: EmbedError,
  })
  t.is(vocabOnly?.code, 'MODEL_LOAD_FAILED')
  const hostile = await t.throwsAsync(Embedder.load(join(fixtures, 'cve-2026-27940-two-huge-i8.gguf')), {
    instanceOf: EmbedError,
  })
  t.is(hostile?.code, 'GGUF_INVALID')
  const missing = await t.throwsAsync(Embedder.load(join(fixtures, 'nope.gguf')), { instanceOf: EmbedError })
  t.is(missing?.code, 'IO')
})

test('off-heap: 10,000 embeddings grow the V8 heap by under 2 MB', async (t) => {
  const gc = (globalThis as { gc?: () => void }).gc
  if (!gc) return t.fail('run with --expose-gc (the ava config passes it)')
  const e = await Embedder.load(modelFile('q8_0'))
  const texts = Array.from({ length: 10_000 }, (_, i) => `item ${i}: ${code[i % code.length].slice(0, 80)}`)
  await e.embedBatch(texts.slice(0, 300))
  gc()
  const before = process.memoryUsage().heapUsed
  let checksum = 0
  for (let start = 0; start < texts.length; start += 1000) {
    const vectors = await e.embedBatch(texts.slice(start, start + 1000))
    checksum += vectors.reduce((s, v) => s + v[0], 0)
  }
  gc()
  const grown = process.memoryUsage().heapUsed - before
  const stats = e.stats()
  t.log(`heapUsed grew ${(grown / 1024).toFixed(0)} KiB over 10,000 embeddings; stats ${JSON.stringify(stats)}`)
  t.true(Number.isFinite(checksum))
  t.true(grown < 2 * 1024 * 1024, `${grown} bytes`)
  t.true(stats.inputs >= 10_000)
  t.is(stats.mappedBytes, e.info.fileSize)
  await e.dispose()
})

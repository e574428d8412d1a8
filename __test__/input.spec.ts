import test from 'ava'

import { Embedder, EmbedError } from 'gguf-embed'
import { join } from 'node:path'

import { cosine, fixtures, modelFile } from './helpers'

// Every kind of bad input gets a defined answer (README, "Input"): a typed error, or a vector.
let e: Embedder
test.before(async () => {
  e = await Embedder.load(modelFile('f16'), { contextSize: 128 })
})
test.after.always(() => e?.dispose())

const norm = (v: Float32Array) => Math.sqrt(v.reduce((s, x) => s + x * x, 0))

test('non-string and non-array arguments are INVALID_ARGUMENT', async (t) => {
  for (const bad of [42, null, undefined, {}, ['a'], Symbol('s'), 10n]) {
    t.is((await t.throwsAsync(e.embed(bad as unknown as string), { instanceOf: EmbedError }))?.code, 'INVALID_ARGUMENT')
  }
  for (const bad of ['text', 42, null, { length: 1, 0: 'a' }, new Set(['a'])]) {
    t.is(
      (await t.throwsAsync(e.embedBatch(bad as unknown as string[]), { instanceOf: EmbedError }))?.code,
      'INVALID_ARGUMENT',
    )
  }
  const mixed = await t.throwsAsync(e.embedBatch(['a', 'b', 3 as unknown as string]), { instanceOf: EmbedError })
  t.is(mixed?.code, 'INVALID_ARGUMENT')
  t.is(mixed?.param, 'texts')
  t.is(mixed?.index, 2)
})

test('the empty string embeds (the model sees only its special tokens); an empty batch is []', async (t) => {
  const v = await e.embed('')
  t.is(v.length, 384)
  t.true(Math.abs(norm(v) - 1) < 1e-5)
  t.deepEqual(await e.embedBatch([]), [])
})

test('a 10 MB string: cut to the context (equal to its prefix) or INPUT_TOO_LONG, tokenised off the JS thread', async (t) => {
  const line = 'const total = items.reduce((sum, item) => sum + item.price, 0)\n'
  const big = line.repeat(Math.ceil((10 * 1024 * 1024) / line.length))
  const prefix = big.slice(0, 4000)
  t.true(cosine(await e.embed(big), await e.embed(prefix)) > 0.99999)
  const strict = await Embedder.load(modelFile('f16'), { contextSize: 128, truncate: 'error' })
  t.teardown(() => strict.dispose())
  const err = await t.throwsAsync(strict.embed(big), { instanceOf: EmbedError })
  t.is(err?.code, 'INPUT_TOO_LONG')
  t.is(err?.index, 0)
  t.is(err?.limit, 128)
  t.true(err!.tokens! > 128, `${err?.tokens} tokens`)
})

test('lone surrogates become U+FFFD, as TextEncoder makes them', async (t) => {
  const [lone, replaced] = await e.embedBatch(['a \uD800 b \uDFFF c', 'a \uFFFD b \uFFFD c'])
  t.true(cosine(lone, replaced) > 0.99999)
  t.true(Math.abs(norm(lone) - 1) < 1e-5)
})

test('NUL and control characters are text like any other: finite, normalised, deterministic', async (t) => {
  for (const text of ['a\u0000b', '\u0000', '\u0007\u001b[31mred\u001b[0m', '\r\n\t\v\f', '\u200b\u2028\ufeff']) {
    const [x, y] = await e.embedBatch([text, text])
    t.true(x.every(Number.isFinite), JSON.stringify(text))
    t.true(Math.abs(norm(x) - 1) < 1e-5, JSON.stringify(text))
    t.true(cosine(x, y) > 0.99999)
  }
})

// The subject is the plumbing (chunking, windowing, order), so a tiny random-weight Qwen3 with a
// real (WordPiece) tokenizer runs it: MiniLM would spend over a minute on 100,000 inputs on 2 cores.
test('a 100,000-item batch embeds in order', async (t) => {
  const tiny = await Embedder.load(join(fixtures, 'tiny-qwen3.gguf'))
  t.teardown(() => tiny.dispose())
  const texts = Array.from({ length: 100_000 }, (_, i) => `n${i % 1000} ${i % 7 === 0 ? 'def f(x): return x' : ''}`)
  let reported = 0
  const vectors = await tiny.embedBatch(texts, { onProgress: ({ done }) => (reported = done) })
  t.is(vectors.length, 100_000)
  t.is(reported, 100_000)
  const check = [0, 1, 999, 1000, 54_321, 99_999]
  const single = await Promise.all(check.map((i) => tiny.embed(texts[i])))
  check.forEach((i, k) => t.true(cosine(vectors[i], single[k]) > 0.9999, `item ${i}`))
  t.true(cosine(vectors[0], vectors[1]) < 0.9999, 'different texts, different vectors')
})

test('dimensions of 0, fractional, or above the model are INVALID_ARGUMENT; an already-aborted signal is ABORTED', async (t) => {
  for (const dimensions of [0, -3, 1.5, 385, 1e9]) {
    t.is(
      (await t.throwsAsync(e.embed('x', { dimensions }), { instanceOf: EmbedError }))?.code,
      'INVALID_ARGUMENT',
      String(dimensions),
    )
  }
  t.is((await e.embed('x', { dimensions: 384 })).length, 384)
  const own = await Embedder.load(modelFile('q4_0'))
  t.teardown(() => own.dispose())
  const signal = AbortSignal.abort()
  t.is((await t.throwsAsync(own.embed('x', { signal }), { instanceOf: EmbedError }))?.code, 'ABORTED')
  t.is((await t.throwsAsync(own.embedBatch(['x'], { signal }), { instanceOf: EmbedError }))?.code, 'ABORTED')
  t.is(own.stats().requests, 0, 'nothing was sent for an aborted call')
})

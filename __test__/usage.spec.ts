import test from 'ava'

import { Embedder, EmbedError } from 'gguf-embed'
import { cosine, modelFile } from './helpers'

// F16 where vectors are compared: Q8_0 vectors move with the batch they are packed in (cosine down
// to 0.9998), F16 within 1e-6.
// embedWithUsage: what the server and the AI SDK adapter report as usage, and token-array inputs
// (OpenAI clients may send ids instead of text).
test('embedWithUsage: texts and token arrays in one call, in order, with the tokens each was embedded from', async (t) => {
  const e = await Embedder.load(modelFile('f16'), { contextSize: 64, prefixes: { query: 'query: ' } })
  t.teardown(() => e.dispose())
  const texts = ['def read_lines(path): return open(path).read().splitlines()', 'sort a list', 'x']
  const ids = await e.tokenize(texts[0])
  const inputs = [texts[0], Array.from(ids), texts[1], ids, texts[2]]
  const { vectors, tokens } = await e.embedWithUsage(inputs)
  t.is(vectors.length, 5)
  t.deepEqual(tokens, [ids.length, ids.length, await e.countTokens(texts[1]), ids.length, 3])
  const direct = await e.embedBatch(texts)
  t.true(cosine(vectors[0], direct[0]) > 0.99999)
  t.true(cosine(vectors[1], direct[0]) > 0.99999, 'ids from tokenize() embed like their text')
  t.true(cosine(vectors[3], direct[0]) > 0.99999)
  t.true(cosine(vectors[2], direct[1]) > 0.99999)
  t.true(cosine(vectors[4], direct[2]) > 0.99999)
  // The query prefix is counted: usage is what the model saw.
  const q = await e.embedWithUsage(['sort a list'], { kind: 'query' })
  t.is(q.tokens[0], await e.countTokens('query: sort a list'))
  // Over-long token arrays are cut at contextSize like texts.
  t.deepEqual((await e.embedWithUsage([new Array(200).fill(1000)])).tokens, [64])
  // More inputs than one native request holds, mixed: order kept across chunks.
  const many = Array.from({ length: 600 }, (_, i) => (i % 3 === 0 ? ids : `item ${i}`))
  const all = await e.embedWithUsage(many, { dimensions: 32 })
  t.is(all.vectors.length, 600)
  t.true(all.vectors.every((v) => v.length === 32))
  t.true(cosine(all.vectors[299], (await e.embedBatch(['item 299'], { dimensions: 32 }))[0]) > 0.99999)
})

test('embedWithUsage refuses bad token arrays with INVALID_ARGUMENT naming the input, and keeps working', async (t) => {
  const e = await Embedder.load(modelFile('q8_0'))
  t.teardown(() => e.dispose())
  const bad: Array<[unknown[], RegExp]> = [
    [['ok', [101, 1.5, 102]], /inputs\[1\]\[1\]/],
    [[[101, -3]], /inputs\[0\]\[1\]/],
    [['a', { length: 2 }], /inputs\[1\]/],
    [[[101, 30522, 102]], /input 0: token id 30522 at position 1 is outside the vocabulary/],
    [['a', 'b', []], /input 2 is an empty token sequence/],
  ]
  for (const [inputs, message] of bad) {
    const err = await t.throwsAsync(e.embedWithUsage(inputs as any), { instanceOf: EmbedError, message })
    t.is(err?.code, 'INVALID_ARGUMENT')
  }
  t.is((await e.embedWithUsage(['still fine'])).vectors.length, 1)
})

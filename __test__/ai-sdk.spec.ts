import test from 'ava'
import { execFileSync } from 'node:child_process'
import { createProviderRegistry, embed, embedMany, wrapEmbeddingModel } from 'ai'

import { Embedder, nativeMemory } from 'gguf-embed'
import { createGgufEmbed, ggufEmbedding } from 'gguf-embed/ai-sdk'
import { cosine, modelFile, pythonFunctions, root } from './helpers'
import { waitFor } from './wait'

// The adapter against the real `ai` package (embed, embedMany, the registry, middleware) and the
// real model: vectors, usage and aborts as the library gives them.

const prefixes = { query: 'query: ', document: 'passage: ' }
// The unknown-key warning is asserted below; the SDK would also print it.
;(globalThis as { AI_SDK_LOG_WARNINGS?: boolean }).AI_SDK_LOG_WARNINGS = false

test('embed and embedMany give the library’s vectors and its token counts as usage', async (t) => {
  const e = await Embedder.load(modelFile('q8_0'), { prefixes })
  t.teardown(() => e.dispose())
  const model = ggufEmbedding(e)
  t.is(model.specificationVersion, 'v3')
  t.is(model.maxEmbeddingsPerCall, Infinity)
  t.true(model.supportsParallelCalls)

  const docs = ['def add(a, b): return a + b', 'read a file line by line', 'sort a list by key', 'x']
  const many = await embedMany({ model, values: docs })
  const direct = await e.embedBatch(docs, { kind: 'document' })
  t.is(many.embeddings.length, docs.length)
  many.embeddings.forEach((v, i) => {
    t.true(Array.isArray(v) && v.length === 384)
    t.true(cosine(v, direct[i]) > 0.99999)
  })
  // Usage is what the model saw: the document prefix and the special tokens, counted by the library.
  let counted = 0
  for (const d of docs) counted += await e.countTokens(`passage: ${d}`)
  t.is(many.usage.tokens, counted)
  t.deepEqual(many.warnings, [])

  // One input alone is packed differently from the same input among others, which moves a Q8_0
  // vector slightly (cosine ~0.9999): compare like with like.
  const one = await embed({ model, value: docs[0] })
  t.true(cosine(one.embedding, await e.embed(docs[0])) > 0.99999)
  t.is(one.usage.tokens, await e.countTokens(`passage: ${docs[0]}`))
})

test('kind and dimensions through providerOptions, per model, and the next specification’s top-level dimensions', async (t) => {
  const e = await Embedder.load(modelFile('q8_0'), { prefixes })
  t.teardown(() => e.dispose())
  const model = ggufEmbedding(e)
  const value = 'add two numbers'
  const query = await embed({ model, value, providerOptions: { 'gguf-embed': { kind: 'query' } } })
  t.true(cosine(query.embedding, await e.embed(value, { kind: 'query' })) > 0.99999)
  t.true(cosine(query.embedding, await e.embed(value, { kind: 'document' })) < 0.9999, 'the query prefix was used')
  t.is(query.usage.tokens, await e.countTokens(`query: ${value}`))

  const short = await embed({ model, value, providerOptions: { 'gguf-embed': { kind: 'query', dimensions: 64 } } })
  t.is(short.embedding.length, 64)
  t.true(cosine(short.embedding, await e.embed(value, { kind: 'query', dimensions: 64 })) > 0.99999)

  // Defaults set on the model; a call's providerOptions override them.
  const queries = ggufEmbedding(e, { kind: 'query', dimensions: 128 })
  t.true(
    cosine(
      (await embed({ model: queries, value })).embedding,
      await e.embed(value, { kind: 'query', dimensions: 128 }),
    ) > 0.99999,
  )
  t.is(
    (await embed({ model: queries, value, providerOptions: { 'gguf-embed': { dimensions: 32 } } })).embedding.length,
    32,
  )

  // ai@6 has no top-level dimensions; the v4 specification does. doEmbed takes it already.
  const v4 = await model.doEmbed({ values: [value], dimensions: 48 } as Parameters<typeof model.doEmbed>[0])
  t.is(v4.embeddings[0].length, 48)
  await t.throwsAsync(
    model.doEmbed({
      values: [value],
      dimensions: 48,
      providerOptions: { 'gguf-embed': { dimensions: 64 } },
    } as Parameters<typeof model.doEmbed>[0]),
    { code: 'INVALID_ARGUMENT' },
  )

  // Bad options are typed errors; unknown keys are warnings (a typo must not pass unnoticed).
  await t.throwsAsync(embed({ model, value, providerOptions: { 'gguf-embed': { kind: 'passage' } } }), {
    code: 'INVALID_ARGUMENT',
  })
  await t.throwsAsync(embed({ model, value, providerOptions: { 'gguf-embed': { dimensions: 0 } } }), {
    code: 'INVALID_ARGUMENT',
  })
  t.throws(() => ggufEmbedding(e, { kind: 'q' as 'query' }), { code: 'INVALID_ARGUMENT' })
  const typo = await embed({ model, value, providerOptions: { 'gguf-embed': { dimension: 64 } } })
  t.is(typo.embedding.length, 384)
  t.deepEqual(
    typo.warnings.map((w) => w.type === 'unsupported' && w.feature),
    ["providerOptions['gguf-embed'].dimension"],
  )
})

test('usage counts an over-long input at the length it was cut to', async (t) => {
  const e = await Embedder.load(modelFile('q8_0'), { contextSize: 32 })
  t.teardown(() => e.dispose())
  const long = 'word '.repeat(200)
  const { usage } = await embedMany({ model: ggufEmbedding(e), values: [long, 'short'] })
  t.is(usage.tokens, 32 + (await e.countTokens('short')))
})

test('embedMany hands everything to one doEmbed, and the engine packs it; parallel calls agree', async (t) => {
  const e = await Embedder.load(modelFile('q8_0'))
  t.teardown(() => e.dispose())
  const texts = pythonFunctions(300, 200)
  const before = e.stats()
  const all = await embedMany({ model: ggufEmbedding(e), values: texts })
  t.is(all.responses.length, 1, 'no slicing: maxEmbeddingsPerCall is Infinity')
  t.is(e.stats().inputs - before.inputs, texts.length)
  // With a per-call limit imposed by middleware, embedMany sends the chunks in parallel (the
  // model says it supports that); usage adds up, and the vectors agree within what packing the
  // same text into different batches changes in a Q8_0 model (cosine ~0.9999, measured).
  // Parallel chunks interleave in the engine's queue in whatever order they arrive.
  const limited = wrapEmbeddingModel({
    model: ggufEmbedding(e),
    middleware: { overrideMaxEmbeddingsPerCall: () => 50 },
  })
  const chunked = await embedMany({ model: limited, values: texts })
  t.is(chunked.responses.length, 6)
  t.is(chunked.usage.tokens, all.usage.tokens)
  chunked.embeddings.forEach((v, i) => t.true(cosine(v, all.embeddings[i]) > 0.999, `input ${i}`))
})

test('abortSignal reaches the library: embedMany rejects with ABORTED, and the embedder carries on', async (t) => {
  const e = await Embedder.load(modelFile('q8_0'))
  t.teardown(() => e.dispose())
  const model = ggufEmbedding(e)
  const texts = pythonFunctions(2000, 1000)
  const controller = new AbortController()
  const before = e.stats()
  const pending = embedMany({ model, values: texts, abortSignal: controller.signal })
  // Abort once the engine is at work on the batch.
  await waitFor(() => e.stats().batches > before.batches, 'the first batch')
  controller.abort()
  await t.throwsAsync(pending, { code: 'ABORTED' })
  t.true(e.stats().inputs - before.inputs < texts.length, 'rejected at the abort, not after the whole batch')
  // The engine counts the requests it skipped or dropped as it reaches them.
  await waitFor(() => e.stats().aborted > before.aborted, 'the engine to count the aborted requests')
  await t.throwsAsync(embed({ model, value: 'x', abortSignal: AbortSignal.abort() }), { code: 'ABORTED' })
  t.is((await embed({ model, value: 'still fine' })).embedding.length, 384)
})

// Serial: it counts the process's llama.cpp contexts, which the other tests' Embedders change.
test.serial(
  'createGgufEmbed: models by path, loaded once per id on first use, in a provider registry, disposed by the provider',
  async (t) => {
    const path = modelFile('q4_0')
    const before = nativeMemory().contexts
    const gguf = createGgufEmbed({ loadOptions: { threads: 2 } })
    const a = gguf.embeddingModel(path)
    const b = gguf(path, { kind: 'query' })
    t.is(a.modelId, path)
    t.is(nativeMemory().contexts, before, 'nothing is loaded until a call needs it')
    const registry = createProviderRegistry({ gguf })
    const viaRegistry = registry.embeddingModel(`gguf:${path}`)
    const [x, y, z] = await Promise.all([
      embed({ model: a, value: 'parse a header' }),
      embed({ model: b, value: 'parse a header' }),
      embed({ model: viaRegistry, value: 'parse a header' }),
    ])
    t.is(nativeMemory().contexts, before + 1, 'one Embedder for the three models of one path')
    t.true(cosine(x.embedding, z.embedding) > 0.99999)
    t.is(x.embedding.length, 384)
    t.is(y.embedding.length, 384)
    t.throws(() => gguf.languageModel('anything'), { code: 'INVALID_ARGUMENT' })
    t.throws(() => gguf.embeddingModel(''), { code: 'INVALID_ARGUMENT' })
    await gguf.dispose()
    t.is(nativeMemory().contexts, before)
    // A missing file is a typed error at the call, and is not cached.
    const missing = gguf.embeddingModel(`${path}.missing`)
    await t.throwsAsync(embed({ model: missing, value: 'x' }), { code: 'IO' })
    await t.throwsAsync(embed({ model: missing, value: 'x' }), { code: 'IO' })
    // After dispose the provider loads again.
    t.is((await embed({ model: a, value: 'again' })).embedding.length, 384)
    await gguf.dispose()
  },
)

test('the adapter loads from ESM next to the ESM build of ai', (t) => {
  const model = JSON.stringify(modelFile('q4_0'))
  const out = execFileSync(
    process.execPath,
    [
      '--input-type=module',
      '-e',
      `
    import { embedMany } from 'ai'
    import { createGgufEmbed } from 'gguf-embed/ai-sdk'
    const gguf = createGgufEmbed()
    const r = await embedMany({ model: gguf.embeddingModel(${model}), values: ['a', 'b c'] })
    await gguf.dispose()
    console.log(JSON.stringify([r.embeddings.length, r.embeddings[0].length, r.usage.tokens]))`,
    ],
    { cwd: root, encoding: 'utf8' },
  )
  t.deepEqual(JSON.parse(out), [2, 384, 3 + 4])
})

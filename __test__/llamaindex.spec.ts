import test from 'ava'
import { spawnSync } from 'node:child_process'
import { BaseEmbedding, getTopKEmbeddings } from '@llamaindex/core/embeddings'
import { SentenceSplitter } from '@llamaindex/core/node-parser'
import { Document, MetadataMode, TextNode } from '@llamaindex/core/schema'

import { Embedder } from 'gguf-embed'
import { GgufEmbedding } from 'gguf-embed/llamaindex'
import { cosine, modelFile, pythonFunctions, root } from './helpers'

// The adapter against the real @llamaindex/core package and the real model.
const prefixes = { query: 'query: ', document: 'passage: ' }

test('GgufEmbedding is a LlamaIndex BaseEmbedding: texts as documents, queries with the query prefix', async (t) => {
  const embedder = await Embedder.load(modelFile('q8_0'), { prefixes })
  t.teardown(() => embedder.dispose())
  const li = new GgufEmbedding({ embedder })
  t.true(li instanceof BaseEmbedding)
  t.is(li.embedInfo?.dimensions, 384)
  const text = 'def add(a, b): return a + b'
  const doc = await li.getTextEmbedding(text)
  t.true(Array.isArray(doc) && doc.length === 384)
  t.true(cosine(doc, await embedder.embed(text, { kind: 'document' })) > 0.99999)
  const query = await li.getQueryEmbedding({ type: 'text', text: 'add two numbers' })
  t.true(cosine(query!, await embedder.embed('add two numbers', { kind: 'query' })) > 0.99999)
  t.true(
    cosine(query!, await embedder.embed('add two numbers', { kind: 'document' })) < 0.9999,
    'the query side gets the query prefix',
  )
  t.is(
    await li.getQueryEmbedding({ type: 'image_url', image_url: { url: 'file:///x.png' } }),
    null,
    'no image embeddings',
  )
  t.true(li.similarity(query!, doc) > li.similarity(query!, await li.getTextEmbedding('read a file line by line')))
  const short = new GgufEmbedding({ embedder, dimensions: 64 })
  t.is(short.embedInfo?.dimensions, 64)
  t.is((await short.getQueryEmbedding({ type: 'text', text: 'x' }))!.length, 64)
})

test('the pipeline path (the embedding as a transform over nodes) is one embedBatch, not groups of 10', async (t) => {
  const embedder = await Embedder.load(modelFile('q8_0'), { prefixes })
  t.teardown(() => embedder.dispose())
  const li = new GgufEmbedding({ embedder })
  const nodes = pythonFunctions(100, 300).map((text, i) => new TextNode({ text, metadata: { n: i } }))
  const texts = nodes.map((n) => n.getContent(MetadataMode.EMBED))
  const before = embedder.stats().requests
  const out = await li(nodes)
  // BaseEmbedding's defaults would have made 100 requests (10 groups of 10, one text at a time).
  t.is(embedder.stats().requests - before, 1)
  t.is(out, nodes)
  const direct = await embedder.embedBatch(texts, { kind: 'document' })
  nodes.forEach((n, i) => t.true(cosine(n.embedding!, direct[i]) > 0.99999, `node ${i}`))

  // getTextEmbeddingsBatch with LlamaIndex's progress callback, and getTextEmbeddings: one request each.
  const seen: Array<[number, number]> = []
  const r0 = embedder.stats().requests
  const batch = await li.getTextEmbeddingsBatch(texts.slice(0, 30), {
    progressCallback: (done, total) => seen.push([done, total]),
  })
  t.deepEqual(seen.at(-1), [30, 30])
  const plain = await li.getTextEmbeddings(texts.slice(0, 30))
  t.is(embedder.stats().requests - r0, 2)
  t.is(batch.length, 30)
  plain.forEach((v, i) => t.true(cosine(v, batch[i]) > 0.99999))
})

test('documents split by LlamaIndex, embedded as a transform, ranked for a query', async (t) => {
  const li = new GgufEmbedding({ model: modelFile('q8_0'), loadOptions: { prefixes } })
  t.teardown(() => li.dispose())
  const docs = [
    'def add(a, b): return a + b',
    'read a file line by line and strip newlines',
    'sort a list of records by a key function',
  ]
  const splitter = new SentenceSplitter({ chunkSize: 64, chunkOverlap: 0 })
  const nodes = await li(splitter.getNodesFromDocuments(docs.map((text) => new Document({ text }))))
  t.is(nodes.length, 3)
  const q = (await li.getQueryEmbedding({ type: 'text', text: 'sum of two numbers' }))!
  const [, ids] = getTopKEmbeddings(
    q,
    nodes.map((n) => n.embedding!),
    1,
    nodes.map((n) => n.id_),
  )
  t.is(ids[0], nodes[0].id_)
  t.is(li.embedInfo?.dimensions, 384, 'known once the model has loaded')
})

test('GgufEmbedding: a shared Embedder outlives the adapter; a missing model is a typed error at the first call', async (t) => {
  const embedder = await Embedder.load(modelFile('q4_0'))
  const li = new GgufEmbedding({ embedder })
  await li.dispose()
  t.is((await embedder.embed('still mine')).length, 384)
  await embedder.dispose()
  t.throws(() => new GgufEmbedding({}), { code: 'INVALID_ARGUMENT' })
  const missing = new GgufEmbedding({ model: `${modelFile('q4_0')}.missing` })
  await new Promise((r) => setTimeout(r, 100)) // an unhandled rejection here would end the process
  await t.throwsAsync(missing.getTextEmbedding('x'), { code: 'IO' })
})

// ESM applications get an entry built over LlamaIndex's ESM build: one copy of the framework, so
// its constructor checks hold and it does not complain of being imported twice.
test('from ESM: an instance of the ESM BaseEmbedding, over ESM nodes, with one copy of LlamaIndex loaded', (t) => {
  const model = JSON.stringify(modelFile('q4_0'))
  const run = spawnSync(
    process.execPath,
    [
      '--input-type=module',
      '-e',
      `
    import { BaseEmbedding } from '@llamaindex/core/embeddings'
    import { TextNode } from '@llamaindex/core/schema'
    import { GgufEmbedding } from 'gguf-embed/llamaindex'
    const li = new GgufEmbedding({ model: ${model} })
    const nodes = await li([new TextNode({ text: 'a' }), new TextNode({ text: 'b' })])
    const q = await li.getQueryEmbedding({ type: 'text', text: 'a' })
    await li.dispose()
    console.log(JSON.stringify([li instanceof BaseEmbedding, nodes.map((n) => n.embedding.length), li.similarity(q, nodes[0].embedding) > 0.999]))`,
    ],
    { cwd: root, encoding: 'utf8' },
  )
  t.is(run.status, 0, run.stderr)
  t.is(run.stderr, '')
  t.deepEqual(JSON.parse(run.stdout), [true, [384, 384], true])
})

import test from 'ava'
import { Embeddings } from '@langchain/core/embeddings'

import { Embedder } from 'gguf-embed'
import { GgufEmbeddings } from 'gguf-embed/langchain'
import { cosine, modelFile } from './helpers'

// The adapter against the real @langchain/core package and the real model.
test('GgufEmbeddings is a LangChain Embeddings: documents and queries as number arrays, equal to the library', async (t) => {
  const embedder = await Embedder.load(modelFile('f16'), { prefixes: { query: 'query: ', document: 'passage: ' } })
  t.teardown(() => embedder.dispose())
  const lc = new GgufEmbeddings({ embedder })
  t.true(lc instanceof Embeddings)
  const docs = ['def add(a, b): return a + b', 'read a file line by line', 'sort a list by key']
  const vectors = await lc.embedDocuments(docs)
  t.is(vectors.length, 3)
  t.true(Array.isArray(vectors[0]) && vectors[0].length === 384 && vectors[0].every((x) => typeof x === 'number' && !Number.isInteger(x)), 'vectors, not token ids')
  const direct = await embedder.embedBatch(docs, { kind: 'document' })
  vectors.forEach((v, i) => t.true(cosine(v, direct[i]) > 0.99999))
  const q = await lc.embedQuery('add two numbers')
  t.true(cosine(q, await embedder.embed('add two numbers', { kind: 'query' })) > 0.99999)
  t.true(cosine(q, await embedder.embed('add two numbers', { kind: 'document' })) < 0.9999, 'the query side gets the query prefix')
  t.true(cosine(q, vectors[0]) > cosine(q, vectors[1]))
  const short = new GgufEmbeddings({ embedder, dimensions: 64 })
  t.is((await short.embedQuery('x')).length, 64)
})

test('GgufEmbeddings loads a model by path and refuses to be built from nothing', async (t) => {
  const lc = new GgufEmbeddings({ model: modelFile('q4_0') })
  t.is((await lc.embedDocuments(['a', 'b'])).length, 2)
  await lc.dispose()
  t.throws(() => new GgufEmbeddings({}), { message: /needs an embedder or a model/ })
})

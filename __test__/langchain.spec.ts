import test from 'ava'
import { spawnSync } from 'node:child_process'
import { Embeddings } from '@langchain/core/embeddings'

import { Embedder } from 'gguf-embed'
import { GgufEmbeddings } from 'gguf-embed/langchain'
import { cosine, modelFile, root } from './helpers'

// The adapter against the real @langchain/core package and the real model.
test('GgufEmbeddings is a LangChain Embeddings: documents and queries as number arrays, equal to the library', async (t) => {
  const embedder = await Embedder.load(modelFile('f16'), { prefixes: { query: 'query: ', document: 'passage: ' } })
  t.teardown(() => embedder.dispose())
  const lc = new GgufEmbeddings({ embedder })
  t.true(lc instanceof Embeddings)
  const docs = ['def add(a, b): return a + b', 'read a file line by line', 'sort a list by key']
  const vectors = await lc.embedDocuments(docs)
  t.is(vectors.length, 3)
  t.true(
    Array.isArray(vectors[0]) &&
      vectors[0].length === 384 &&
      vectors[0].every((x) => typeof x === 'number' && !Number.isInteger(x)),
    'vectors, not token ids',
  )
  const direct = await embedder.embedBatch(docs, { kind: 'document' })
  vectors.forEach((v, i) => t.true(cosine(v, direct[i]) > 0.99999))
  const q = await lc.embedQuery('add two numbers')
  t.true(cosine(q, await embedder.embed('add two numbers', { kind: 'query' })) > 0.99999)
  t.true(
    cosine(q, await embedder.embed('add two numbers', { kind: 'document' })) < 0.9999,
    'the query side gets the query prefix',
  )
  t.true(cosine(q, vectors[0]) > cosine(q, vectors[1]))
  const short = new GgufEmbeddings({ embedder, dimensions: 64 })
  t.is((await short.embedQuery('x')).length, 64)
})

test('GgufEmbeddings loads a model by path and refuses to be built from nothing', async (t) => {
  const lc = new GgufEmbeddings({ model: modelFile('q4_0') })
  t.is((await lc.embedDocuments(['a', 'b'])).length, 2)
  await lc.dispose()
  t.throws(() => new GgufEmbeddings({}), { code: 'INVALID_ARGUMENT' })
  // A shared Embedder is its owner's: the adapter's dispose leaves it working.
  const shared = await Embedder.load(modelFile('q4_0'))
  await new GgufEmbeddings({ embedder: shared }).dispose()
  t.is((await shared.embed('still mine')).length, 384)
  await shared.dispose()
  // A model that fails to load is a typed error at the first call, not an unhandled rejection before it.
  const missing = new GgufEmbeddings({ model: `${modelFile('q4_0')}.missing` })
  await new Promise((r) => setTimeout(r, 100))
  await t.throwsAsync(missing.embedQuery('x'), { code: 'IO' })
})

// ESM applications get an entry built over @langchain/core's ESM build, the copy their own imports get.
test('from ESM: an instance of the ESM Embeddings class', (t) => {
  const model = JSON.stringify(modelFile('q4_0'))
  const run = spawnSync(
    process.execPath,
    [
      '--input-type=module',
      '-e',
      `
    import { Embeddings } from '@langchain/core/embeddings'
    import { GgufEmbeddings } from 'gguf-embed/langchain'
    const lc = new GgufEmbeddings({ model: ${model} })
    const v = await lc.embedDocuments(['a', 'b'])
    await lc.dispose()
    console.log(JSON.stringify([lc instanceof Embeddings, v.map((x) => x.length)]))`,
    ],
    { cwd: root, encoding: 'utf8' },
  )
  t.is(run.status, 0, run.stderr)
  t.deepEqual(JSON.parse(run.stdout), [true, [384, 384]])
})

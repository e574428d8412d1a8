import test from 'ava'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { Worker } from 'node:worker_threads'

import { inspect, EmbedError } from 'gguf-embed'
import { fixtures, llamaVocabFiles, requireDir, root, type CorpusCase } from './helpers'

const corpus: CorpusCase[] = JSON.parse(
  readFileSync(join(requireDir(fixtures, 'npm run fixtures'), 'manifest.json'), 'utf8'),
)

test('describes every vocab GGUF made by llama.cpp', async (t) => {
  const files = llamaVocabFiles()
  t.true(files.length >= 10, `only ${files.length} llama.cpp files`)
  for (const file of files) {
    const info = await inspect(file)
    t.true(info.version === 2 || info.version === 3, file)
    t.truthy(info.architecture, file)
    t.truthy(info.tokenizerModel, file)
    const tokens = info.metadata.find((m) => m.key === 'tokenizer.ggml.tokens')
    t.is(tokens?.type, 'array')
    t.is(tokens?.elementType, 'string')
    t.is(info.vocabSize, tokens?.length)
    t.true(info.vocabSize! > 1000, file)
    t.is(info.tensorCount, 0)
    t.true(info.readerHeapBytes < 64 * 1024, `${file}: ${info.readerHeapBytes}`)
  }
})

test('bert-bge vocab file: the summary fields come from its metadata', async (t) => {
  const info = await inspect(join(root, '.cache', 'llama.cpp', 'models', 'ggml-vocab-bert-bge.gguf'))
  t.is(info.architecture, 'bert')
  t.is(info.contextLength, 512)
  t.is(info.embeddingLength, 384)
  t.is(info.blockCount, 12)
  t.is(info.headCount, 12)
  t.is(info.causal, false)
  t.is(info.tokenizerModel, 'bert')
  t.is(info.vocabSize, 30522)
  t.is(info.metadata.find((m) => m.key === 'bert.attention.layer_norm_epsilon')?.value, 1e-12)
})

test(`hostile corpus: all ${corpus.filter((c) => c.kind).length} bad files reject with their code, and the process lives on`, async (t) => {
  const hostile = corpus.filter((c) => c.kind !== null)
  t.true(hostile.length >= 40)
  for (const c of hostile) {
    const err = await t.throwsAsync(inspect(join(fixtures, c.file)), { instanceOf: EmbedError }, c.file)
    t.is(err?.code, c.code!, c.file)
    t.is(err?.kind, c.kind!, c.file)
    t.is(err?.path, join(fixtures, c.file))
  }
  const ok = await inspect(join(fixtures, 'writer', 'all-types.gguf'))
  t.is(ok.architecture, 'bert')
})

test('errors point at the byte offset', async (t) => {
  const err = await t.throwsAsync(inspect(join(fixtures, 'bool-2.gguf')), { instanceOf: EmbedError })
  t.is(err?.code, 'GGUF_INVALID')
  t.is(err?.offset, 37)
  t.is(err?.kind, 'InvalidBool')
})

test('unusual but valid files load', async (t) => {
  for (const c of corpus.filter((c) => c.kind === null)) {
    await t.notThrowsAsync(inspect(join(fixtures, c.file)), c.file)
  }
  const zero = await inspect(join(fixtures, 'zero-sized-dimensions.gguf'), { tensors: true })
  t.deepEqual(
    zero.tensors?.map((x) => [x.name, x.bytes]),
    [
      ['empty_f32', 0],
      ['empty_q4', 0],
      ['row0_q4', 0],
    ],
  )
})

test('a 4 GiB sparse file is described with under 1 MiB of reader heap', async (t) => {
  const info = await inspect(join(fixtures, 'sparse-4gib.gguf'))
  t.true(info.fileSize >= 4 * 2 ** 30)
  t.is(info.vocabSize, 100_000)
  t.is(info.parameterCount, 4 * 2 ** 28)
  t.true(info.readerHeapBytes < 2 ** 20, String(info.readerHeapBytes))
  t.log(`4 GiB sparse file: reader heap ${info.readerHeapBytes} bytes`)
})

test('tensors, the quantization mix and 64-bit values', async (t) => {
  const info = await inspect(join(fixtures, 'writer', 'all-types.gguf'), { tensors: true })
  t.is(info.tensors?.length, 5)
  t.deepEqual(info.tensors?.[1].shape, [64, 64])
  t.is(info.tensors?.[1].ggmlType, 'Q8_0')
  t.is(info.tensors?.[1].bytes, 2 * 64 * 34)
  t.is(info.types[0].ggmlType, 'F16')
  t.is(
    info.types.reduce((n, x) => n + x.tensors, 0),
    5,
  )
  t.is(info.metadata.find((m) => m.key === 'test.u64')?.value, 2 ** 40)
  const plain = await inspect(join(fixtures, 'all-scalar-types.gguf'))
  t.is(plain.metadata.find((m) => m.key === 'u64')?.value, 2n ** 64n - 1n)
  t.is(plain.metadata.find((m) => m.key === 'i64')?.value, -(2n ** 63n))
  t.is(plain.tensors, undefined)
})

test('missing files, folders and bad arguments', async (t) => {
  const missing = await t.throwsAsync(inspect(join(fixtures, 'nope.gguf')), { instanceOf: EmbedError })
  t.is(missing?.code, 'IO')
  t.is((await t.throwsAsync(inspect(fixtures)))?.code as string, 'IO')
  for (const bad of [undefined, 42, '', null, {}]) {
    const err = await t.throwsAsync(inspect(bad as unknown as string), { instanceOf: EmbedError })
    t.is(err?.code, 'INVALID_ARGUMENT')
  }
  const limits = await t.throwsAsync(inspect(join(fixtures, 'empty-v3.gguf'), { limits: { maxKvCount: -1 } }))
  t.is((limits as EmbedError).code, 'INVALID_ARGUMENT')
})

test('limits are configurable', async (t) => {
  const file = join(fixtures, 'writer', 'all-types.gguf')
  const err = await t.throwsAsync(inspect(file, { limits: { maxKvCount: 3 } }), { instanceOf: EmbedError })
  t.is(err?.code, 'GGUF_INVALID')
  t.is(err?.kind, 'CountOverLimit')
  const tokens = await t.throwsAsync(inspect(file, { limits: { maxArrayLength: 100 } }), { instanceOf: EmbedError })
  t.is(tokens?.kind, 'CountOverLimit')
})

test('an already-aborted signal rejects with ABORTED', async (t) => {
  const err = await t.throwsAsync(inspect(join(fixtures, 'empty-v3.gguf'), { signal: AbortSignal.abort() }), {
    instanceOf: EmbedError,
  })
  t.is(err?.code, 'ABORTED')
})

test('works inside worker threads, several at once', async (t) => {
  const file = join(fixtures, 'writer', 'all-types.gguf')
  const code = `
    const { parentPort, workerData } = require('node:worker_threads')
    const { inspect } = require(workerData.pkg)
    inspect(workerData.file).then((i) => parentPort.postMessage(i.architecture), (e) => parentPort.postMessage('error ' + e.code))
  `
  const runs = Array.from({ length: 4 }, () => {
    const w = new Worker(code, { eval: true, workerData: { pkg: 'gguf-embed', file } })
    return new Promise<string>((resolve, reject) => {
      w.once('message', (m) => resolve(m as string))
      w.once('error', reject)
    }).finally(() => w.terminate())
  })
  t.deepEqual(await Promise.all(runs), ['bert', 'bert', 'bert', 'bert'])
})

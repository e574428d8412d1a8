import test from 'ava'
import { copyFileSync, mkdtempSync, readFileSync, renameSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

import { Embedder, EmbedError, nativeMemory } from 'gguf-embed'
import { cosine, modelFile } from './helpers'

const texts = ['def add(a, b): return a + b', 'sort a list of dicts by key', 'read a file line by line']

test('memoryBudget: the batch adapts, stats report it, a budget too small is MEMORY_BUDGET naming what fits', async (t) => {
  const open = await Embedder.load(modelFile('f16'), { contextSize: 128 })
  t.teardown(() => open.dispose())
  const s = open.stats()
  t.is(s.memoryBudget, undefined)
  t.true(s.contextBytes > 1024 * 1024, 'llama.cpp allocated a context')
  t.true(s.memoryUsed >= s.contextBytes && s.memoryPeak >= s.memoryUsed)
  const budget = Math.floor(s.contextBytes * 0.75)
  const small = await Embedder.load(modelFile('f16'), { contextSize: 128, memoryBudget: budget })
  t.teardown(() => small.dispose())
  t.true(small.info.batchTokens < open.info.batchTokens, `batch ${small.info.batchTokens} under ${budget} bytes`)
  t.is(small.info.memoryBudget, budget)
  t.is(small.stats().memoryBudget, budget)
  t.true(small.stats().memoryUsed <= budget)
  const [a, b] = [await open.embedBatch(texts), await small.embedBatch(texts)]
  a.forEach((v, i) => t.true(cosine(v, b[i]) > 0.99999))

  const tiny = await t.throwsAsync(Embedder.load(modelFile('f16'), { memoryBudget: 4 * 1024 * 1024 }), {
    instanceOf: EmbedError,
  })
  t.is(tiny?.code, 'MEMORY_BUDGET')
  t.is(tiny?.kind, 'Context')
  t.is(tiny?.limit, 4 * 1024 * 1024)
  t.true(tiny!.need! > 4 * 1024 * 1024, `needs ${tiny?.need}`)
  t.true(tiny!.fitsContextSize! >= 16 && tiny!.fitsContextSize! < 512, `contextSize ${tiny?.fitsContextSize} would fit`)
  for (const bad of [0, -1, NaN, Infinity, '1GB']) {
    const err = await t.throwsAsync(Embedder.load(modelFile('f16'), { memoryBudget: bad as number }), {
      instanceOf: EmbedError,
    })
    t.is(err?.code, 'INVALID_ARGUMENT')
  }
})

test('memoryBudget: one call bigger than the budget leaves is MEMORY_BUDGET; embedBatch sends a window at a time and fits', async (t) => {
  const probe = await Embedder.load(modelFile('q8_0'), { contextSize: 128, batchTokens: 128 })
  const fixed = probe.stats().memoryUsed
  await probe.dispose()
  const budget = fixed + 2.5 * 1024 * 1024
  const e = await Embedder.load(modelFile('q8_0'), { contextSize: 128, batchTokens: 128, memoryBudget: budget })
  t.teardown(() => e.dispose())
  const many = Array.from({ length: 2000 }, (_, i) => `${i} ${texts[i % 3]}`)
  // a 10 MB text reserves its bytes while queued: more than the budget leaves, refused for good
  const err = await t.throwsAsync(e.embed('x'.repeat(10 * 1024 * 1024)), { instanceOf: EmbedError })
  t.is(err?.code, 'MEMORY_BUDGET')
  t.is(err?.kind, 'Request')
  t.true(err!.need! > err!.available!, `${err?.need} > ${err?.available}`)
  // 2,000 inputs reserve more than the budget leaves too, but embedBatch sends a window at a time
  const vectors = await e.embedBatch(many)
  t.is(vectors.length, many.length)
  t.true(e.stats().memoryPeak <= budget, `peak ${e.stats().memoryPeak} over ${budget}`)
  t.is(e.stats().memoryUsed, fixed)
})

function mappings(path: string): number {
  return readFileSync('/proc/self/maps', 'utf8')
    .split('\n')
    .filter((l) => l.endsWith(path)).length
}

// serial: these count process-wide mappings and contexts, which other tests would change
test.serial('two Embedders of one file share one mapping of it', async (t) => {
  const model = modelFile('q4_k_m')
  const first = await Embedder.load(model)
  const once = mappings(model)
  const second = await Embedder.load(model, { contextSize: 64 })
  t.true(once >= 1, 'llama.cpp maps the weights')
  t.is(mappings(model), once, 'the second Embedder maps nothing more')
  t.true(cosine(await first.embed(texts[0]), await second.embed(texts[0])) > 0.99999)
  await first.dispose()
  t.is(mappings(model), once, 'still mapped for the second')
  await second.dispose()
})

test.serial('an Embedder garbage-collected without dispose() frees its native memory', async (t) => {
  const gc = (globalThis as { gc?: () => void }).gc
  if (!gc) return t.fail('run with --expose-gc (the ava config passes it)')
  const before = nativeMemory()
  await (async () => {
    const e = await Embedder.load(modelFile('q4_0'))
    await e.embed('used once, then dropped')
    t.is(nativeMemory().contexts, before.contexts + 1)
  })()
  for (let i = 0; i < 100 && nativeMemory().contexts > before.contexts; i++) {
    gc()
    await new Promise((r) => setTimeout(r, 50))
  }
  const after = nativeMemory()
  t.is(after.contexts, before.contexts)
  t.is(after.contextBytes, before.contextBytes)
})

test('a model file replaced by rename while loaded keeps working', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'gguf-rename-'))
  t.teardown(() => rmSync(dir, { recursive: true, force: true }))
  const live = join(dir, 'model.gguf')
  copyFileSync(modelFile('f16'), live)
  const e = await Embedder.load(live)
  const before = await e.embedBatch(texts)
  copyFileSync(modelFile('q4_0'), join(dir, 'next.gguf'))
  renameSync(join(dir, 'next.gguf'), live)
  const after = await e.embedBatch(texts)
  before.forEach((v, i) => t.deepEqual(after[i], v))
  const reloaded = await Embedder.load(live)
  t.true(cosine(await reloaded.embed(texts[0]), before[0]) < 0.99999, 'a new load reads the new file')
  await Promise.all([e.dispose(), reloaded.dispose()])
})

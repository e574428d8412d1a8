import test from 'ava'
import { monitorEventLoopDelay } from 'node:perf_hooks'

import { Embedder, EmbedError } from 'gguf-embed'
import { cosine, modelFile, pythonFunctions } from './helpers'

const code = pythonFunctions(300, 600)

// F16: llama.cpp's Q8_0 kernels change results by ~1e-4 (cosine) with the batch's composition;
// F32 and F16 are batch-invariant to 1e-6, so a mix-up of callers' vectors cannot hide.
test('1,000 concurrent embed() calls share batches and each gets its own vector', async (t) => {
  const e = await Embedder.load(modelFile('f16'))
  t.teardown(() => e.dispose())
  const texts = Array.from({ length: 1000 }, (_, i) => `${i}: ${code[i % code.length].slice(0, 40 + (i % 7) * 30)}`)
  const sequential: Float32Array[] = []
  for (const text of texts.slice(0, 50)) sequential.push(await e.embed(text))
  const before = e.stats().batches
  const delay = monitorEventLoopDelay({ resolution: 10 })
  delay.enable()
  const concurrent = await Promise.all(texts.map((text) => e.embed(text)))
  delay.disable()
  const batches = e.stats().batches - before
  t.log(
    `1,000 concurrent calls ran in ${batches} llama.cpp batches; event loop p99 delay ${(delay.percentile(99) / 1e6).toFixed(1)} ms`,
  )
  t.true(batches < 200, `${batches} batches: calls were not packed together`)
  for (let i = 0; i < 50; i++)
    t.true(cosine(sequential[i], concurrent[i]) > 0.99999, `call ${i} got another call's vector`)
  t.is(e.stats().queueDepth, 0)
  t.is(e.stats().inFlight, 0)
  await e.dispose()
})

test('maxQueue: calls over it reject at once with QUEUE_FULL; the others complete', async (t) => {
  const e = await Embedder.load(modelFile('q8_0'), { maxQueue: 2 })
  t.teardown(() => e.dispose())
  const calls = Array.from({ length: 12 }, (_, i) => e.embedBatch(code.slice(i * 10, i * 10 + 10)))
  const settled = await Promise.allSettled(calls)
  const full = settled.filter((s) => s.status === 'rejected' && (s.reason as EmbedError).code === 'QUEUE_FULL')
  const ok = settled.filter((s) => s.status === 'fulfilled')
  t.true(full.length > 0, 'some calls should have been refused')
  t.true(ok.length >= 2)
  t.is(ok.length + full.length, 12)
  t.true(e.stats().rejected >= full.length)
  t.is((await e.embed('after the burst')).length, 384)
  await e.dispose()
})

test('an aborted request rejects promptly and does not disturb the others', async (t) => {
  const e = await Embedder.load(modelFile('f16'))
  t.teardown(() => e.dispose())
  const controller = new AbortController()
  const big = e.embedBatch(code.concat(code), { signal: controller.signal })
  const others = Promise.all(code.slice(0, 20).map((c) => e.embed(c)))
  controller.abort()
  const err = await t.throwsAsync(big, { instanceOf: EmbedError })
  t.is(err?.code, 'ABORTED')
  const vectors = await others
  t.is(vectors.length, 20)
  t.true(cosine(vectors[3], await e.embed(code[3])) > 0.99999)
  await e.dispose()
})

test('dispose rejects queued work with DISPOSED and is idempotent', async (t) => {
  const e = await Embedder.load(modelFile('q8_0'))
  const pending = Array.from({ length: 20 }, (_, i) => e.embedBatch(code.slice(i * 10, i * 10 + 10)))
  await e.dispose()
  const settled = await Promise.allSettled(pending)
  for (const s of settled) {
    if (s.status === 'rejected') t.is((s.reason as EmbedError).code, 'DISPOSED')
    else t.is(s.value.length, 10)
  }
  await e.dispose()
  t.is((await t.throwsAsync(e.embed('x'), { instanceOf: EmbedError }))?.code, 'DISPOSED')
})

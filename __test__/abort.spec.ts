import test from 'ava'
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

import { convert, distill, EmbedError, quantize, StaticEmbedder } from 'gguf-embed'
import { checkpoint, modelFile } from './helpers'

// Every long operation takes an AbortSignal: distill stops between batches of its vocabulary pass
// and writes nothing; convert, quantize and StaticEmbedder.load are cancelled before they start.

const dir = mkdtempSync(join(tmpdir(), 'gguf-abort-'))
test.after.always(() => rmSync(dir, { recursive: true, force: true }))

test('distill stops between batches when its signal aborts, and leaves no file behind', async (t) => {
  const out = join(dir, 'aborted.static.gguf')
  const controller = new AbortController()
  let seen = 0
  const running = distill(modelFile('f16'), out, {
    from: 'transformer',
    dimensions: 64,
    signal: controller.signal,
    onProgress: ({ done }) => {
      seen = done
      // Abort once the vocabulary pass is under way (30,522 tokens: many batches to go).
      if (done > 0) controller.abort()
    },
  })
  const err = await t.throwsAsync(running, { instanceOf: EmbedError })
  t.is(err?.code, 'ABORTED')
  t.true(seen > 0, 'it had started')
  t.false(existsSync(out), 'nothing written')
  t.deepEqual(
    readdirSync(dir).filter((f) => f.includes('partial')),
    [],
    'no partial file',
  )
})

test('a throwing onProgress stops distill too', async (t) => {
  const out = join(dir, 'throwing.static.gguf')
  const err = await t.throwsAsync(
    distill(modelFile('f16'), out, {
      from: 'transformer',
      dimensions: 64,
      onProgress: ({ done }) => {
        if (done > 0) throw new Error('progress bar broke')
      },
    }),
    { instanceOf: EmbedError },
  )
  t.is(err?.code, 'INVALID_ARGUMENT')
  t.is(err?.param, 'onProgress')
  t.false(existsSync(out))
})

test('convert, quantize and StaticEmbedder.load with an aborted signal reject with ABORTED', async (t) => {
  const signal = AbortSignal.abort()
  const calls: Array<[string, () => Promise<unknown>]> = [
    ['convert', () => convert(checkpoint, join(dir, 'c.gguf'), { signal })],
    ['quantize', () => quantize(modelFile('f16'), join(dir, 'q.gguf'), { type: 'q4_0', signal })],
    ['StaticEmbedder.load', () => StaticEmbedder.load(modelFile('q8_0'), { signal })],
  ]
  for (const [name, call] of calls) {
    const err = await t.throwsAsync(call, { instanceOf: EmbedError }, name)
    t.is(err?.code, 'ABORTED', name)
  }
  t.false(existsSync(join(dir, 'c.gguf')) || existsSync(join(dir, 'q.gguf')))
})

import test, { type ExecutionContext } from 'ava'
import { existsSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { inspect as show } from 'node:util'

import { convert, distill, Embedder, EmbedError, inspect, quantize } from 'gguf-embed'
import { fixtures, modelFile } from './helpers'

// Every public call checks its arguments before native code sees them (README, "Arguments"): a wrong
// type, a number that is not a safe integer in its range, a value outside a closed set, or an
// unknown option is INVALID_ARGUMENT naming it. The native u32 conversion would otherwise cut 2.5
// to 2, wrap 2^32 + 1 to 1 and -5 to 4294967291, turn NaN into 0, and a wrongly typed option would
// come back as INTERNAL.

const BAD_NUMBERS: unknown[] = [2.5, 2 ** 32 + 1, -5, NaN, Infinity, 0, '4', 10n, null]

/** The call rejects with INVALID_ARGUMENT whose `param` (and `index`, for `texts[1]`) names the argument. */
async function invalid(
  t: ExecutionContext,
  call: () => Promise<unknown>,
  name: string,
  label: string,
): Promise<EmbedError | undefined> {
  const err = await t.throwsAsync(call, { instanceOf: EmbedError }, label)
  t.is(err?.code, 'INVALID_ARGUMENT', `${label}: ${err?.code} ${err?.message}`)
  const [param, index] = name.split(/[[\]]/)
  t.is(err?.param, param, `${label}: ${err?.message}`)
  if (index !== undefined) t.is(err?.index, Number(index), `${label}: ${err?.message}`)
  return err
}

const any = (o: unknown) => o as never
const dir = mkdtempSync(join(tmpdir(), 'gguf-arguments-'))
test.after.always(() => rmSync(dir, { recursive: true, force: true }))

let e: Embedder
test.before(async () => {
  e = await Embedder.load(modelFile('q8_0'), { contextSize: 128 })
})
test.after.always(() => e?.dispose())

const texts = (n: number) => Array.from({ length: n }, (_, i) => `text number ${i}`)

test('Embedder.load: numeric options must be safe integers in range', async (t) => {
  for (const key of ['threads', 'contextSize', 'batchTokens', 'maxQueue', 'memoryBudget']) {
    // 2^32 + 1 bytes is a fine memoryBudget (a number of bytes, not a 32-bit count).
    const bad = key === 'memoryBudget' ? [...BAD_NUMBERS.filter((v) => v !== 2 ** 32 + 1), 1.5, 2 ** 53] : BAD_NUMBERS
    for (const v of bad)
      await invalid(t, () => Embedder.load(modelFile('q8_0'), any({ [key]: v })), key, `${key}: ${String(v)}`)
  }
  await invalid(
    t,
    () => Embedder.load(modelFile('q8_0'), { threads: 1025 }),
    'threads',
    'threads above the engine bound',
  )
})

test('Embedder.load: wrong types, values outside closed sets, unknown options', async (t) => {
  const cases: Array<[string, unknown]> = [
    ['pooling', { pooling: 5 }],
    ['pooling', { pooling: 'max' }],
    ['truncate', { truncate: true }],
    ['truncate', { truncate: 'start' }],
    ['normalize', { normalize: 'yes' }],
    ['normalize', { normalize: 1 }],
    ['prefixes', { prefixes: 'search: ' }],
    ['prefixes.query', { prefixes: { query: 5 } }],
    ['prefixes.document', { prefixes: { document: null } }],
    ['prefixes.passage', { prefixes: { passage: 'x' } }],
    ['signal', { signal: {} }],
    ['signal', { signal: 'abort' }],
    ['signal', { signal: { aborted: false } }],
    ['pull', { pull: 'hf' }],
    ['dimension', { dimension: 64 }],
    ['options', null],
    ['options', 'fast'],
    ['options', []],
  ]
  for (const [name, options] of cases)
    await invalid(t, () => Embedder.load(modelFile('q8_0'), any(options)), name, show(options))
  for (const path of [5, '', 'a\0b']) await invalid(t, () => Embedder.load(any(path)), 'path', String(path))
})

test('embed, embedBatch, embedWithUsage: per-call options', async (t) => {
  const calls: Array<[string, (o: unknown) => Promise<unknown>]> = [
    ['embed', (o) => e.embed('x', any(o))],
    ['embedBatch', (o) => e.embedBatch(['x'], any(o))],
    ['embedWithUsage', (o) => e.embedWithUsage(['x'], any(o))],
  ]
  for (const [call, run] of calls) {
    for (const v of BAD_NUMBERS)
      await invalid(t, () => run({ dimensions: v }), 'dimensions', `${call} dimensions ${String(v)}`)
    await invalid(t, () => run({ kind: 5 }), 'kind', `${call} kind 5`)
    await invalid(t, () => run({ kind: 'code' }), 'kind', `${call} kind 'code'`)
    await invalid(t, () => run({ signal: {} }), 'signal', `${call} signal {}`)
    await invalid(t, () => run({ dimension: 64 }), 'dimension', `${call} unknown option`)
    await invalid(t, () => run(null), 'options', `${call} null options`)
  }
  await invalid(t, () => e.embedBatch(['x'], any({ onProgress: 'log' })), 'onProgress', 'onProgress not a function')
  await invalid(t, () => e.embed('x', any({ onProgress: () => {} })), 'onProgress', 'embed takes no onProgress')
})

test('arrays with holes and sparse arrays name the missing element', async (t) => {
  // eslint-disable-next-line no-sparse-arrays
  await invalid(t, () => e.embedBatch(['a', , 'b'] as string[]), 'texts[1]', 'a hole')
  await invalid(t, () => e.embedBatch(new Array(3)), 'texts[0]', 'new Array(3)')
  const sparse: string[] = []
  sparse[100_000] = 'x'
  await invalid(t, () => e.embedBatch(sparse), 'texts[0]', 'sparse')
  // eslint-disable-next-line no-sparse-arrays
  await invalid(t, () => e.embedWithUsage(['a', , 'b'] as string[]), 'inputs[1]', 'a hole in inputs')
  // eslint-disable-next-line no-sparse-arrays
  await invalid(t, () => e.embedWithUsage([[101, , 102] as number[]]), 'inputs[0][1]', 'a hole in token ids')
  for (const id of [1.5, -1, 2 ** 31, NaN, '7'])
    await invalid(t, () => e.embedWithUsage([[101, id as number]]), 'inputs[0][1]', `token id ${String(id)}`)
  for (const bad of [5, null, {}, ['x']]) {
    await invalid(t, () => e.countTokens(any(bad)), 'text', `countTokens ${String(bad)}`)
    await invalid(t, () => e.tokenize(any(bad)), 'text', `tokenize ${String(bad)}`)
  }
})

test('a throwing onProgress rejects the call with INVALID_ARGUMENT (its error as cause); the embedder stays usable', async (t) => {
  const boom = new Error('boom')
  let calls = 0
  const onProgress = () => {
    calls++
    throw boom
  }
  const err = await invalid(t, () => e.embedBatch(texts(1000), { onProgress }), 'onProgress', 'throwing onProgress')
  t.is(err?.cause, boom)
  t.is(calls, 1, 'not called again after throwing')
  const usage = await invalid(t, () => e.embedWithUsage(texts(300), { onProgress }), 'onProgress', 'embedWithUsage')
  t.is(usage?.cause, boom)
  // A callback whose promise rejects is not an unhandled rejection (which would fail this file).
  const outcome = await e.embedBatch(texts(600), { onProgress: async () => Promise.reject(boom) }).then(
    () => 'resolved',
    (err: EmbedError) => err.code,
  )
  t.true(outcome === 'resolved' || outcome === 'INVALID_ARGUMENT', outcome)
  t.is((await e.embed('still works')).length, 384)
})

test('distill: options are checked before any work, nothing is written', async (t) => {
  const out = join(dir, 'never.static.gguf')
  const cases: Array<[string, unknown]> = [
    ...BAD_NUMBERS.map((v): [string, unknown] => ['dimensions', { dimensions: v }]),
    ...BAD_NUMBERS.map((v): [string, unknown] => ['threads', { threads: v }]),
    ['threads', { threads: 1025 }],
    ['bits', { bits: 3 }],
    ['bits', { bits: '8' }],
    ['bits', { bits: 8.5 }],
    ['from', { from: 5 }],
    ['from', { from: 'tokens' }],
    ['onProgress', { onProgress: 'log' }],
    ['dims', { dims: 64 }],
  ]
  for (const [name, options] of cases)
    await invalid(t, () => distill(modelFile('f16'), out, any(options)), name, show(options))
  await invalid(t, () => distill(any(5), out), 'model', 'model 5')
  await invalid(t, () => distill(modelFile('f16'), ''), 'output', 'empty output')
  t.false(existsSync(out))
})

test('distill: a throwing onProgress rejects with INVALID_ARGUMENT once the table is written', async (t) => {
  const boom = new Error('boom')
  const err = await invalid(
    t,
    () =>
      distill(modelFile('f16'), join(dir, 'progress.static.gguf'), {
        from: 'token-embd',
        dimensions: 8,
        onProgress: () => {
          throw boom
        },
      }),
    'onProgress',
    'throwing onProgress',
  )
  t.is(err?.cause, boom)
})

test('inspect: options are checked', async (t) => {
  const file = join(fixtures, 'writer', 'all-types.gguf')
  const cases: Array<[string, unknown]> = [
    ['tensors', { tensors: 'yes' }],
    ['signal', { signal: {} }],
    ['limits', { limits: 5 }],
    ['limits.maxKvCount', { limits: { maxKvCount: 'x' } }],
    ['limits.maxKvCount', { limits: { maxKvCount: 2.5 } }],
    ['limits.maxAlignment', { limits: { maxAlignment: 2 ** 32 } }],
    ['limits.maxKeys', { limits: { maxKeys: 1 } }],
    ['tensor', { tensor: true }],
  ]
  for (const [name, options] of cases) await invalid(t, () => inspect(file, any(options)), name, show(options))
})

test('convert and quantize: type and threads are checked before any file is touched', async (t) => {
  const missing = join(dir, 'missing')
  const out = join(dir, 'out.gguf')
  await invalid(t, () => convert(missing, out, any({ type: 5 })), 'type', 'convert type 5')
  await invalid(t, () => convert(missing, out, any({ type: 'f64' })), 'type', 'convert type f64')
  await invalid(t, () => convert(missing, out, any({ types: 'f16' })), 'types', 'convert unknown option')
  for (const v of [...BAD_NUMBERS, 1025])
    await invalid(
      t,
      () => quantize(missing, out, any({ type: 'q4_0', threads: v })),
      'threads',
      `quantize threads ${String(v)}`,
    )
  await invalid(t, () => quantize(missing, out, any({ type: 5 })), 'type', 'quantize type 5')
  await invalid(t, () => quantize(missing, out, any({ type: 'q9_9' })), 'type', 'quantize type q9_9')
  await invalid(t, () => quantize(missing, out, any({})), 'type', 'quantize without type')
  await invalid(t, () => quantize(missing, out, any(undefined)), 'type', 'quantize without options')
  t.false(existsSync(out))
})

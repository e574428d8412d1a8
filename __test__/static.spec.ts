import test from 'ava'
import { readFileSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

import { distill, inspect, Embedder, EmbedError, StaticEmbedder } from 'gguf-embed'
import { cosine, modelFile } from './helpers'

// The static tier, distilled from the real MiniLM once for the whole file (about 20 s).
const dir = mkdtempSync(join(tmpdir(), 'gguf-static-'))
const int8 = join(dir, 'minilm.static.gguf')
const int4 = join(dir, 'minilm.int4.static.gguf')
let made: Promise<unknown> | undefined
const tables = () =>
  (made ??= (async () => {
    let reported = 0
    const r8 = await distill(modelFile('f16'), int8, {
      dimensions: 128,
      from: 'transformer',
      onProgress: ({ done }) => (reported = done),
    })
    const r4 = await distill(modelFile('f16'), int4, { dimensions: 128, bits: 4 })
    return { r8, r4, reported }
  })())
test.after.always(() => rmSync(dir, { recursive: true, force: true }))

/** The straightforward computation from the file's bytes: rows of the text's tokens, times their scale, summed, normalised. */
async function reference(file: string, tokens: Int32Array): Promise<Float32Array> {
  const info = await inspect(file, { tensors: true })
  const table = info.tensors!.find((t) => t.name === 'static.table')!
  const scales = info.tensors!.find((t) => t.name === 'static.scale')!
  const bytes = readFileSync(file)
  const meta = (k: string) => info.metadata.find((m) => m.key === k)!.value as number
  const dims = meta('gguf-embed.static.dimensions')
  const bits = meta('gguf-embed.static.bits')
  const sum = new Float64Array(dims)
  for (const t of tokens) {
    const scale = bytes.readFloatLE(scales.offset + 4 * t)
    if (scale === 0) continue
    for (let k = 0; k < dims; k++) {
      const q =
        bits === 8
          ? bytes.readInt8(table.offset + t * dims + k)
          : (((bytes[table.offset + t * (dims / 2) + (k >> 1)] >> (4 * (k & 1))) & 15) << 28) >> 28
      sum[k] += q * scale
    }
  }
  const norm = Math.hypot(...sum)
  return Float32Array.from(sum, (x) => x / norm)
}

test('distill writes int8 and int4 tables with their tokenizer, reporting progress', async (t) => {
  const { r8, r4, reported } = (await tables()) as {
    r8: Record<string, number>
    r4: Record<string, number>
    reported: number
  }
  t.is(r8.vocab, 30522)
  t.is(r8.dimensions, 128)
  t.is(r8.bits, 8)
  t.true(r8.embedded > 30000 && reported === r8.embedded, `${reported} of ${r8.embedded}`)
  t.true(r8.explained > 0.5 && r8.explained <= 1)
  t.is(r8.tableBytes, 30522 * 128 + 30522 * 4)
  t.is(r4.tableBytes, 30522 * 64 + 30522 * 4)
  t.is(r8.from as unknown as string, 'transformer')
  t.is(r4.from as unknown as string, 'token-embd', "'auto' takes the stored F16 rows")
})

for (const [name, file] of [
  ['int8', int8],
  ['int4', int4],
] as const) {
  test(`${name}: vectors equal a straightforward computation from the table`, async (t) => {
    await tables()
    const s = await StaticEmbedder.load(file)
    t.teardown(() => s.dispose())
    const texts = [
      'def read_lines(path): return open(path).read().splitlines()',
      'sort a list of numbers',
      'ünïcödé and 日本語',
      'x',
    ]
    const vectors = await s.embedBatch(texts)
    for (let i = 0; i < texts.length; i++) {
      const want = await reference(file, await s.tokenize(texts[i]))
      let worst = 0
      want.forEach((w, k) => (worst = Math.max(worst, Math.abs(w - vectors[i][k]))))
      t.true(worst < 1e-5, `${texts[i]}: differs by ${worst}`)
    }
    t.is(s.dimensions, 128)
    t.is((await s.embed('x', { dimensions: 32 })).length, 32)
  })
}

test('the static tier keeps meaning: a paraphrase scores above an unrelated text', async (t) => {
  await tables()
  const s = await StaticEmbedder.load(int8)
  t.teardown(() => s.dispose())
  const [a, b, c] = await s.embedBatch([
    'sort a list of numbers',
    'order the numbers in a list ascending',
    'open a network socket',
  ])
  t.true(cosine(a, b) > cosine(a, c) + 0.2, `${cosine(a, b)} vs ${cosine(a, c)}`)
  t.is(s.info.source, 'MiniLM-L6-H384-uncased')
  t.true(s.info.tableBytes < 30 * 2 ** 20, 'the seed budget was about 30 MB')
})

test('a static table is not a transformer model, and the other way round: typed errors', async (t) => {
  await tables()
  const notStatic = await t.throwsAsync(StaticEmbedder.load(modelFile('q8_0')), { instanceOf: EmbedError })
  t.is(notStatic?.code, 'MODEL_LOAD_FAILED')
  t.is(notStatic?.kind, 'ModelLoad')
  t.is(notStatic?.path, modelFile('q8_0'))
  const notModel = await t.throwsAsync(Embedder.load(int8), { instanceOf: EmbedError })
  t.is(notModel?.code, 'GGUF_INVALID')
  const s = await StaticEmbedder.load(int8)
  await s.dispose()
  t.is((await t.throwsAsync(s.embed('x'), { instanceOf: EmbedError }))?.code, 'DISPOSED')
  const bits = await t.throwsAsync(distill(modelFile('f16'), join(dir, 'x.gguf'), { bits: 3 as 8 }), {
    instanceOf: EmbedError,
  })
  t.is(bits?.code, 'INVALID_ARGUMENT')
})

test('StaticEmbedder: arguments are INVALID_ARGUMENT naming them, not raw TypeErrors or truncated numbers', async (t) => {
  await tables()
  const invalid = async (call: () => Promise<unknown>, name: string, label: string) => {
    const err = await t.throwsAsync(call, { instanceOf: EmbedError }, label)
    t.is(err?.code, 'INVALID_ARGUMENT', `${label}: ${err?.message}`)
    const [param, index] = name.split(/[[\]]/)
    t.is(err?.param, param, `${label}: ${err?.message}`)
    if (index !== undefined) t.is(err?.index, Number(index), `${label}: ${err?.message}`)
  }
  const any = (o: unknown) => o as never
  for (const v of [2.5, 2 ** 32 + 1, -5, NaN, 0, '64']) {
    await invalid(() => StaticEmbedder.load(int8, any({ maxTokens: v })), 'maxTokens', `maxTokens ${String(v)}`)
  }
  await invalid(() => StaticEmbedder.load(int8, any({ maxToken: 64 })), 'maxToken', 'unknown load option')
  const s = await StaticEmbedder.load(int8)
  t.teardown(() => s.dispose())
  for (const bad of [123, null, {}, ['x']]) await invalid(() => s.tokenize(any(bad)), 'text', `tokenize ${String(bad)}`)
  for (const v of [2.5, 2 ** 32 + 1, -5, NaN, 0]) {
    await invalid(() => s.embed('x', { dimensions: v }), 'dimensions', `embed dimensions ${v}`)
    await invalid(() => s.embedBatch(['x'], { dimensions: v }), 'dimensions', `embedBatch dimensions ${v}`)
  }
  await invalid(() => s.embed('x', any({ kind: 'code' })), 'kind', 'kind')
  await invalid(() => s.embed('x', any({ signal: {} })), 'signal', 'signal {}')
  // eslint-disable-next-line no-sparse-arrays
  await invalid(() => s.embedBatch(['a', , 'b'] as string[]), 'texts[1]', 'a hole')
  const aborted = await t.throwsAsync(s.embed('x', { signal: AbortSignal.abort() }), { instanceOf: EmbedError })
  t.is(aborted?.code, 'ABORTED')
  t.is((await s.embed('x', { dimensions: 16 })).length, 16)
})

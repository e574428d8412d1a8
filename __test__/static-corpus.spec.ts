import test from 'ava'
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

import { distill, inspect, Embedder, EmbedError, StaticEmbedder, type DistillPhase } from 'gguf-embed'
import { cosine, modelFile, pythonFunctions } from './helpers'

// The static tier's code levers on the real MiniLM: identifier splitting recorded in the table, and
// a corpus (real Python standard-library functions and their docstrings) that weights the tokens
// and fits the rows to the model's own vectors.
const dir = mkdtempSync(join(tmpdir(), 'gguf-static-corpus-'))
test.after.always(() => rmSync(dir, { recursive: true, force: true }))

const functions = pythonFunctions(240, 1200)
const docstring = (f: string) => /"""\s*([^\n"]{12,})/.exec(f)?.[1].trim()
const corpus = join(dir, 'corpus.jsonl')
writeFileSync(
  corpus,
  functions
    .flatMap((f) => {
      const q = docstring(f)
      return [JSON.stringify({ text: f }), ...(q ? [JSON.stringify({ text: q, kind: 'query' })] : [])]
    })
    .join('\n') + '\n',
)
const corpusTexts = readFileSync(corpus, 'utf8').trim().split('\n').length

const fitted = join(dir, 'fitted.static.gguf')
const weightsOnly = join(dir, 'weights-only.static.gguf')
const plain = join(dir, 'plain.static.gguf')
let made: Promise<{ fit: Record<string, unknown>; phases: Set<DistillPhase> }> | undefined
const tables = () =>
  (made ??= (async () => {
    const phases = new Set<DistillPhase>()
    const fit = await distill(modelFile('f16'), fitted, {
      corpus,
      dimensions: 128,
      onProgress: ({ phase }) => phases.add(phase),
    })
    await distill(modelFile('f16'), weightsOnly, { corpus, dimensions: 128, fit: false })
    await distill(modelFile('f16'), plain, { dimensions: 128, pretokenize: 'none' })
    return { fit: fit as unknown as Record<string, unknown>, phases }
  })())

test('distill --corpus: every corpus text read, tokens fitted, the rule and weighting recorded', async (t) => {
  const { fit, phases } = await tables()
  t.is(fit.corpusTexts, corpusTexts)
  t.true((fit.fittedTokens as number) > 1000, `${fit.fittedTokens} tokens fitted`)
  t.is(fit.weighting, 'corpus')
  t.is(fit.pretokenize, 'identifiers')
  t.true(phases.has('corpus') && phases.has('fit'), [...phases].join(','))
  const meta = Object.fromEntries((await inspect(fitted)).metadata.map((m) => [m.key, m.value]))
  t.is(meta['gguf-embed.static.pretokenize'], 'identifiers')
  t.is(meta['gguf-embed.static.weighting'], 'corpus')
  t.is(meta['gguf-embed.static.fitted_texts'], corpusTexts)
  const plainMeta = Object.fromEntries((await inspect(plain)).metadata.map((m) => [m.key, m.value]))
  t.is(plainMeta['gguf-embed.static.pretokenize'], 'none')
  t.is(plainMeta['gguf-embed.static.weighting'], 'zipf')
})

test('identifier splitting: a table built with it tokenises identifiers as the spaced words', async (t) => {
  await tables()
  const split = await StaticEmbedder.load(fitted)
  const none = await StaticEmbedder.load(plain)
  t.teardown(async () => (await split.dispose(), await none.dispose()))
  t.is(split.info.pretokenize, 'identifiers')
  t.is(none.info.pretokenize, 'none')
  for (const [code, words] of [
    ['parseHttpHeader(raw_bytes)', 'parse Http Header(raw bytes)'],
    ['HTTPServer.readUtf8', 'HTTP Server.read Utf 8'],
    ['größe_änderung', 'größe änderung'],
  ]) {
    t.deepEqual([...(await split.tokenize(code))], [...(await none.tokenize(words))], code)
  }
  // queries get the same treatment as documents
  const [q] = await split.embedBatch(['parseHttpHeader'], { kind: 'query' })
  const [d] = await split.embedBatch(['parse http header'], { kind: 'document' })
  t.true(cosine(q, d) > 0.999, `${cosine(q, d)}`)
})

/** Pearson correlation of two lists. */
function correlation(a: number[], b: number[]): number {
  const mean = (x: number[]) => x.reduce((s, v) => s + v, 0) / x.length
  const [ma, mb] = [mean(a), mean(b)]
  let sab = 0
  let saa = 0
  let sbb = 0
  for (let i = 0; i < a.length; i++) {
    sab += (a[i] - ma) * (b[i] - mb)
    saa += (a[i] - ma) ** 2
    sbb += (b[i] - mb) ** 2
  }
  return sab / Math.sqrt(saa * sbb)
}

test('the fit brings the table toward the teacher: pairwise similarities of corpus texts follow the model more closely', async (t) => {
  await tables()
  const texts = functions.slice(0, 80)
  const teacher = await Embedder.load(modelFile('f16'))
  const fit = await StaticEmbedder.load(fitted)
  const unfit = await StaticEmbedder.load(weightsOnly)
  t.teardown(async () => (await teacher.dispose(), await fit.dispose(), await unfit.dispose()))
  const pairs = (v: Float32Array[]) => v.flatMap((a, i) => v.slice(i + 1).map((b) => cosine(a, b)))
  const want = pairs(await teacher.embedBatch(texts))
  const withFit = correlation(pairs(await fit.embedBatch(texts)), want)
  const without = correlation(pairs(await unfit.embedBatch(texts)), want)
  t.log(
    `pairwise cosine correlation with the teacher: fitted ${withFit.toFixed(3)}, weights only ${without.toFixed(3)}`,
  )
  t.true(withFit > without + 0.05, `fitted ${withFit} vs ${without}`)
})

test('fitted table: vectors equal the computation from the file bytes (pre-tokenised tokens)', async (t) => {
  await tables()
  const s = await StaticEmbedder.load(fitted)
  t.teardown(() => s.dispose())
  const info = await inspect(fitted, { tensors: true })
  const table = info.tensors!.find((x) => x.name === 'static.table')!
  const scales = info.tensors!.find((x) => x.name === 'static.scale')!
  const bytes = readFileSync(fitted)
  for (const text of ['def readAllLines(file_path): pass', 'sort a list', 'x']) {
    const [v] = await s.embedBatch([text])
    const sum = new Float64Array(128)
    for (const tok of await s.tokenize(text)) {
      const scale = bytes.readFloatLE(scales.offset + 4 * tok)
      for (let k = 0; k < 128; k++) sum[k] += bytes.readInt8(table.offset + tok * 128 + k) * scale
    }
    const norm = Math.hypot(...sum)
    const worst = Math.max(...Array.from(sum, (x, k) => Math.abs(x / norm - v[k])))
    t.true(worst < 1e-5, `${text}: ${worst}`)
  }
})

test('distill corpus errors are INVALID_ARGUMENT naming the option, the file and the line; nothing written', async (t) => {
  const out = join(dir, 'bad.static.gguf')
  const bad = join(dir, 'bad.jsonl')
  writeFileSync(bad, '{"text": "fine"}\n{"code": "no text"}\n')
  const cases: [Record<string, unknown>, string, RegExp][] = [
    [{ corpus: join(dir, 'missing.jsonl') }, 'corpus', /missing\.jsonl/],
    [{ corpus: bad }, 'corpus', /line 2: no string "text"/],
    [{ weighting: 'corpus' }, 'weighting', /needs a corpus/],
    [{ corpus, regularization: -1 }, 'regularization', /above 0/],
    [{ pretokenize: 'camel' }, 'pretokenize', /'identifiers', 'none'/],
  ]
  for (const [options, param, message] of cases) {
    const e = await t.throwsAsync(distill(modelFile('f16'), out, options), { instanceOf: EmbedError })
    t.is(e?.code, 'INVALID_ARGUMENT', JSON.stringify(options))
    t.is(e?.param, param)
    t.regex(e?.message ?? '', message)
  }
  t.false(existsSync(out))
})

test('distill --corpus stops on abort while the corpus is embedded: ABORTED, nothing written', async (t) => {
  const out = join(dir, 'aborted.static.gguf')
  const controller = new AbortController()
  const e = await t.throwsAsync(
    distill(modelFile('f16'), out, {
      corpus,
      signal: controller.signal,
      onProgress: ({ phase }) => phase === 'corpus' && controller.abort(),
    }),
    { instanceOf: EmbedError },
  )
  t.is(e?.code, 'ABORTED')
  t.false(existsSync(out))
})

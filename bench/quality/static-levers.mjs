// Each lever of the static tier measured alone and together (issue 15): identifier splitting,
// corpus weighting, the fit to the teacher, the prior the fit starts from, PCA dimensions, bits,
// and static + BM25 fused by reciprocal rank. The fit's strength is chosen on packages held out of
// the training corpus (never on the evaluation sets); the evaluation sets only report.
//   node bench/quality/static-levers.mjs [--teacher .models/all-minilm-l6-v2.f32.gguf]
//        [--variants 'name;name'] [--languages ...] [--strengths 0.01,0.1,1,10]
// Prints markdown tables; writes .cache/static-levers/<teacher>/results.json.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { basename, dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'

import { LANGUAGES, loadSet, loadTraining } from './build-sets.mjs'
import { dotScorer, evaluate, ndcg10, rankOf } from './metrics.mjs'
import { bm25Of, scoreSet } from './score-set.mjs'
import { docQuery, packageOf, writeCorpus } from './static-corpus.mjs'

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..')
const lib = createRequire(import.meta.url)(root)
const { values: args } = parseArgs({
  options: {
    teacher: { type: 'string', default: join(root, '.models', 'all-minilm-l6-v2.f32.gguf') },
    variants: { type: 'string' },
    languages: { type: 'string', default: LANGUAGES.join(',') },
    strengths: { type: 'string', default: '0.01,0.1,1,10' },
    context: { type: 'string', default: '256' },
    'per-language': { type: 'string', default: '400' },
    'max-chars': { type: 'string', default: '600' },
  },
})
const languages = args.languages.split(',')
const teacherName = basename(args.teacher, '.gguf')
const dir = join(root, '.cache', 'static-levers', teacherName)
mkdirSync(dir, { recursive: true })
const t0 = performance.now()
const log = (m) => process.stderr.write(`[${((performance.now() - t0) / 1000).toFixed(0)}s] ${m}\n`)

const sets = Object.fromEntries(languages.map((l) => [l, loadSet(l)]))

// The corpora: every training package (the shipped recipe), and the same less a held-out fifth of
// each language's packages, whose documented functions make the validation pairs.
const corpusOptions = { perLanguage: Number(args['per-language']), maxChars: Number(args['max-chars']) }
const full = writeCorpus({ out: join(dir, 'corpus-full.jsonl'), ...corpusOptions })
const fitOnly = writeCorpus({ out: join(dir, 'corpus-fit.jsonl'), holdOut: 0.2, ...corpusOptions })
const validation = Object.fromEntries(
  languages.map((l) => {
    const rows = loadTraining(l).filter((r) => fitOnly.heldOut[l].has(packageOf(r.source)))
    const documented = rows.filter((r) => docQuery(r.doc))
    return [
      l,
      {
        queries: documented.map((r) => docQuery(r.doc)),
        codes: rows.map((r) => r.code),
        relevant: documented.map((r) => rows.indexOf(r)),
      },
    ]
  }),
)
log(
  `corpus: ${full.texts} texts (fit only: ${fitOnly.texts}); validation pairs ${languages.map((l) => `${l} ${validation[l].queries.length}`).join(', ')}`,
)

/** nDCG@10 of query i against the documents when query i's relevant document is relevant[i]. */
function ndcgWith(queries, documents, relevant) {
  const score = dotScorer(queries, documents)
  let total = 0
  for (let i = 0; i < queries.length; i++) total += ndcg10(rankOf(score(i), relevant[i]))
  return total / Math.max(1, queries.length)
}

async function evaluateStatic(file, { withBm25 = false } = {}) {
  const e = await lib.StaticEmbedder.load(file)
  const out = { languages: {}, validation: {}, fused: {} }
  let docs = 0
  let ms = 0
  for (const l of languages) {
    const scored = await scoreSet(e, sets[l], { withBm25 })
    ms += scored.documentMs
    docs += scored.documents
    out.languages[l] = scored.figures
    if (scored.fused) out.fused[l] = scored.fused
    const v = validation[l]
    if (v.queries.length) {
      const vq = await e.embedBatch(v.queries, { kind: 'query' })
      const vc = await e.embedBatch(v.codes, { kind: 'document' })
      out.validation[l] = ndcgWith(vq, vc, v.relevant)
    }
  }
  out.documentsPerSecond = docs / (ms / 1000)
  out.fileSize = (await import('node:fs')).statSync(file).size
  await e.dispose()
  return out
}

async function teacherFigures() {
  const cache = join(dir, `teacher-${args.context}.json`)
  const cached = existsSync(cache) ? JSON.parse(readFileSync(cache, 'utf8')) : { languages: {} }
  const missing = languages.filter((l) => !cached.languages[l])
  if (missing.length) {
    const e = await lib.Embedder.load(args.teacher, { contextSize: Number(args.context) })
    let docs = cached.docs ?? 0
    let ms = cached.ms ?? 0
    for (const l of missing) {
      log(`teacher: ${l} ...`)
      const scored = await scoreSet(e, sets[l])
      ms += scored.documentMs
      docs += scored.documents
      cached.languages[l] = scored.figures
    }
    await e.dispose()
    Object.assign(cached, {
      docs,
      ms,
      documentsPerSecond: docs / (ms / 1000),
      fileSize: (await import('node:fs')).statSync(args.teacher).size,
    })
    writeFileSync(cache, JSON.stringify(cached, null, 2))
  }
  return cached
}

function bm25Figures() {
  return {
    languages: Object.fromEntries(languages.map((l) => [l, evaluate(sets[l].length, bm25Of(sets[l]))])),
  }
}

const strengths = args.strengths.split(',').map(Number)
const base = { bits: 8, dimensions: 256 }
// name -> distill options; `corpus: 'fit'` is replaced by the fit-only corpus (for choosing the
// strength on held-out packages), `corpus: 'full'` by every training package.
const VARIANTS = {
  'today: token-embd rows + Zipf weights': { ...base, from: 'token-embd', pretokenize: 'none' },
  'split identifiers': { ...base, from: 'token-embd' },
  'transformer rows + split': { ...base, from: 'transformer' },
  'split + corpus SIF weights': { ...base, from: 'token-embd', corpus: 'full', fit: false },
  'transformer + split + corpus SIF': { ...base, from: 'transformer', corpus: 'full', fit: false },
  // The shipped recipe (distill's defaults with every training package), then its size levers.
  'shipped: fit @ 0.1 on every training package': { ...base, corpus: 'full' },
  'shipped, 128 dimensions': { ...base, corpus: 'full', dimensions: 128 },
  'shipped, 384 dimensions (no reduction)': { ...base, corpus: 'full', dimensions: 384 },
  'shipped, int4': { ...base, corpus: 'full', bits: 4 },
  ...Object.fromEntries(
    strengths.flatMap((r) => [
      [`fit on token-embd rows @ ${r}`, { ...base, from: 'token-embd', corpus: 'fit', regularization: r }],
      [`fit on transformer rows @ ${r}`, { ...base, from: 'transformer', corpus: 'fit', regularization: r }],
    ]),
  ),
}
const wanted = args.variants ? args.variants.split(';') : Object.keys(VARIANTS)

const results = { teacher: args.teacher, date: new Date().toISOString(), rows: {} }
const resultsFile = join(dir, 'results.json')
if (existsSync(resultsFile)) Object.assign(results.rows, JSON.parse(readFileSync(resultsFile, 'utf8')).rows)
// Merged with what is on disk at each save: runs of other variants may be going on beside this one.
const save = () => {
  const onDisk = existsSync(resultsFile) ? JSON.parse(readFileSync(resultsFile, 'utf8')).rows : {}
  writeFileSync(resultsFile, JSON.stringify({ ...results, rows: { ...onDisk, ...results.rows } }, null, 2))
}

results.rows.BM25 = bm25Figures()
save()
for (const name of wanted) {
  if (!VARIANTS[name]) throw new Error(`no variant ${name}: ${Object.keys(VARIANTS).join('; ')}`)
  const options = { ...VARIANTS[name] }
  if (options.corpus) options.corpus = options.corpus === 'fit' ? fitOnly.file : full.file
  const file = join(dir, `${name.replace(/[^a-z0-9]+/gi, '-')}.static.gguf`)
  const d0 = performance.now()
  const report = await lib.distill(args.teacher, file, options)
  const distillSeconds = (performance.now() - d0) / 1000
  log(`${name}: distilled in ${distillSeconds.toFixed(0)} s`)
  results.rows[name] = { options, distillSeconds, report, ...(await evaluateStatic(file, { withBm25: true })) }
  save()
}
// The teacher last: its figures take longest (cached per context size), the levers' come first.
results.rows['teacher F32'] = await teacherFigures()
save()

// The tables: nDCG@10 per language, mean, relative to the teacher; validation mean for the fit rows.
const teacher = results.rows['teacher F32']
const mean = (o) => languages.reduce((a, l) => a + (o[l]?.ndcg10 ?? o[l] ?? 0), 0) / languages.length
const header = ['variant', ...languages, 'mean', 'vs teacher', 'validation', 'docs/s', 'file MiB', '+BM25 (RRF) mean']
const lines = [`| ${header.join(' | ')} |`, `| ${header.map((_, i) => (i ? '---:' : '---')).join(' | ')} |`]
for (const [name, r] of Object.entries(results.rows)) {
  const rel = languages.reduce((a, l) => a + r.languages[l].ndcg10 / teacher.languages[l].ndcg10, 0) / languages.length
  lines.push(
    `| ${[
      name,
      ...languages.map((l) => r.languages[l].ndcg10.toFixed(3)),
      mean(r.languages).toFixed(3),
      `${(rel * 100).toFixed(1)}%`,
      r.validation ? mean(r.validation).toFixed(3) : '—',
      r.documentsPerSecond ? r.documentsPerSecond.toFixed(0) : '—',
      r.fileSize ? (r.fileSize / 2 ** 20).toFixed(1) : '—',
      r.fused && Object.keys(r.fused).length ? mean(r.fused).toFixed(3) : '—',
    ].join(' | ')} |`,
  )
}
console.log(lines.join('\n'))

// The quality/memory table (issue 15): every model variant in .models (each in its own process,
// variant.mjs: F32, F16, Q8_0, Q4_K_M, Q4_0 and the static tier of every model) and BM25 on the
// code-retrieval sets of six languages; quality relative to the model's own F32 and to the best
// variant; markdown tables on stdout, bench/quality/results.json and quality.svg (mean nDCG@10
// against resident memory, a colour per model).
//   node bench/quality/run.mjs [--models a.gguf,b.gguf] [--limit N|all] [--context 256]
//                              [--languages python,go] [--quick]
// --quick: all-minilm-l6-v2's variants only, 200 pairs of each language. Default: 300 pairs of each.
import { execFileSync } from 'node:child_process'
import { readdirSync, writeFileSync } from 'node:fs'
import { basename, dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'

import { buildSets, LANGUAGES, loadSet } from './build-sets.mjs'
import { evaluate } from './metrics.mjs'
import { modelOf, plot } from './plot.mjs'
import { bm25Of } from './score-set.mjs'

const here = dirname(fileURLToPath(import.meta.url))
const root = join(here, '..', '..')
const { values: args } = parseArgs({
  options: {
    models: { type: 'string' },
    limit: { type: 'string' },
    context: { type: 'string', default: '256' },
    languages: { type: 'string', default: LANGUAGES.join(',') },
    quick: { type: 'boolean', default: false },
  },
})
const languages = args.languages.split(',')
// 300 pairs of each language: estimated to keep all fifteen transformer variants and the set-up
// within the hour on 2 cores (400 pairs took 45.5 min for the variants alone, so 300 ~34, plus ~20
// of set-up); `--limit all` measures the whole sets (hours).
const limitArg = args.limit ?? (args.quick ? '200' : '300')
const limit = limitArg === 'all' ? undefined : limitArg
const order = ['f32', 'f16', 'q8_0', 'q4_k_m', 'q4_0', 'static']
const rank = (f) => {
  const i = order.findIndex((t) => f.includes(`.${t}.`))
  return i < 0 ? order.length : i
}
const models = args.models
  ? args.models.split(',')
  : readdirSync(join(root, '.models'))
      .filter((f) => f.endsWith('.gguf') && (!args.quick || f.startsWith('all-minilm-l6-v2.')))
      .sort((a, b) => modelOf(a).localeCompare(modelOf(b)) || rank(a) - rank(b) || a.localeCompare(b))
      .map((f) => join(root, '.models', f))

const manifest = buildSets(languages)
const started = performance.now()
const rows = []
for (const model of models) {
  process.stderr.write(`quality: ${basename(model)} ...`)
  const t0 = performance.now()
  const extra = ['--languages', args.languages, '--context', args.context, ...(limit ? ['--limit', limit] : [])]
  const out = execFileSync(process.execPath, [join(here, 'variant.mjs'), model, ...extra], {
    maxBuffer: 1 << 26,
    stdio: ['ignore', 'pipe', 'inherit'],
  })
  const row = { name: basename(model, '.gguf'), ...JSON.parse(out.toString()) }
  rows.push(row)
  if (row.fusedWithBm25)
    rows.push({ ...row, name: `${row.name}+bm25-rrf`, languages: row.fusedWithBm25, fusedWithBm25: undefined })
  process.stderr.write(` ${((performance.now() - t0) / 1000).toFixed(0)} s\n`)
}
const bm25 = { name: 'BM25 (no model)', languages: {} }
for (const language of languages) {
  const set = loadSet(language, limit ? Number(limit) : undefined)
  bm25.languages[language] = evaluate(set.length, bm25Of(set))
}

const mean = (r, metric = 'ndcg10') => languages.reduce((a, l) => a + r.languages[l][metric], 0) / languages.length
const best = Math.max(...rows.map((r) => mean(r)))
const ownF32 = (r) => rows.find((f) => f.name === `${modelOf(r.name)}.f32`)
const mib = (b) => (b / 2 ** 20).toFixed(1)
const pct = (x) => `${(x * 100).toFixed(1)}%`
const table = (header, body) =>
  [
    `| ${header.join(' | ')} |`,
    `| ${header.map((_, i) => (i ? '---:' : '---')).join(' | ')} |`,
    ...body.map((c) => `| ${c.join(' | ')} |`),
  ].join('\n')

const summary = table(
  [
    'variant',
    'file MiB',
    'RSS MiB',
    'RSS growth MiB',
    'load ms',
    'docs/s',
    'query p50 / p95 ms',
    'mean nDCG@10',
    'vs own F32',
    'vs best',
    'vs BM25',
  ],
  [...rows, bm25].map((r) => {
    const f32 = ownF32(r)
    return [
      r.name,
      r.fileSize ? mib(r.fileSize) : '—',
      r.rss ? mib(r.rss) : '—',
      r.rssGrowth ? mib(r.rssGrowth) : '—',
      r.loadMs ? r.loadMs.toFixed(0) : '—',
      r.documentsPerSecond ? r.documentsPerSecond.toFixed(0) : '—',
      r.queryMs ? `${r.queryMs.p50.toFixed(2)} / ${r.queryMs.p95.toFixed(2)}` : '—',
      mean(r).toFixed(3),
      f32 ? pct(mean(r) / mean(f32)) : '—',
      pct(mean(r) / best),
      pct(mean(r) / mean(bm25)),
    ]
  }),
)
const perLanguage = table(
  ['variant', ...languages.map((l) => `${l} nDCG@10`)],
  [...rows, bm25].map((r) => [r.name, ...languages.map((l) => r.languages[l].ndcg10.toFixed(3))]),
)
const details = table(
  ['variant', ...languages.flatMap((l) => [`${l} MRR`, `${l} R@1`, `${l} R@10`])],
  [...rows, bm25].map((r) => [
    r.name,
    ...languages.flatMap((l) => [
      r.languages[l].mrr.toFixed(3),
      r.languages[l].recall1.toFixed(3),
      r.languages[l].recall10.toFixed(3),
    ]),
  ]),
)
const sets = languages
  .map(
    (l) =>
      `${l}: ${manifest.languages[l].pairs} pairs (${Object.entries(manifest.languages[l].sources)
        .map(([k, v]) => `${k} ${v}`)
        .join(', ')})`,
  )
  .join('; ')
console.log(
  `Sets: ${sets}${limit ? `; ${limit} pairs of each (a hash-ordered sample)` : ''}; code side cut at ${args.context} tokens.\n`,
)
console.log(
  `${summary}\n\nnDCG@10 per language:\n\n${perLanguage}\n\nMRR (against min(999, set size - 1) distractors), Recall@1 and Recall@10 per language:\n\n${details}`,
)
console.log(`\n${rows.length} variants in ${((performance.now() - started) / 60000).toFixed(1)} min`)
const results = {
  date: new Date().toISOString(),
  context: Number(args.context),
  limit: limit ? Number(limit) : null,
  manifest,
  rows,
  bm25,
}
writeFileSync(join(here, 'results.json'), JSON.stringify(results, null, 2) + '\n')
writeFileSync(join(here, 'quality.svg'), plot(rows, bm25, languages))

// The quality/memory table: every model variant (each in its own process, variant.mjs) and BM25 on
// the code-retrieval sets, quality relative to the best variant, a markdown table on stdout, and
// bench/quality/results.json + quality.svg (nDCG@10 against resident memory).
//   node bench/quality/run.mjs [--models a.gguf,b.gguf] [--limit N] [--context 256]
// Default models: every .models/*.gguf and .models/*.static.gguf, F32 first.
import { execFileSync } from 'node:child_process'
import { existsSync, readdirSync, writeFileSync } from 'node:fs'
import { basename, dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'

import { bm25Scorer } from './bm25.mjs'
import { buildSets, loadSet } from './build-sets.mjs'
import { evaluate } from './metrics.mjs'
import { plot } from './plot.mjs'

const here = dirname(fileURLToPath(import.meta.url))
const root = join(here, '..', '..')
const { values: args } = parseArgs({
  options: {
    models: { type: 'string' },
    limit: { type: 'string' },
    context: { type: 'string', default: '256' },
    languages: { type: 'string', default: 'python,javascript' },
  },
})
const languages = args.languages.split(',')
const order = ['f32', 'f16', 'q8_0', 'q4_k_m', 'q4_0', 'distilled-int8', 'distilled-int4', 'token-embd-int8']
const rank = (f) => {
  const i = order.findIndex((t) => f.includes(`.${t}.`))
  return i < 0 ? order.length : i
}
// The static tier, distilled from the F32 model once: the model2vec recipe (int8 and int4) and the
// table taken straight from token_embd, to compare.
const lib = (await import('node:module')).createRequire(import.meta.url)(root)
const f32 = join(root, '.models', 'all-minilm-l6-v2.f32.gguf')
for (const [name, options] of [
  ['all-minilm-l6-v2.distilled-int8.static.gguf', { bits: 8, from: 'transformer' }],
  ['all-minilm-l6-v2.distilled-int4.static.gguf', { bits: 4, from: 'transformer' }],
  ['all-minilm-l6-v2.token-embd-int8.static.gguf', { bits: 8, from: 'token-embd' }],
]) {
  const out = join(root, '.models', name)
  if (!args.models && !existsSync(out)) {
    process.stderr.write(`quality: distilling ${name} ...\n`)
    await lib.distill(f32, out, options)
  }
}
const models = args.models
  ? args.models.split(',')
  : readdirSync(join(root, '.models'))
      .filter((f) => f.endsWith('.gguf'))
      .sort((a, b) => rank(a) - rank(b) || a.localeCompare(b))
      .map((f) => join(root, '.models', f))

const manifest = buildSets(languages)
const rows = []
for (const model of models) {
  process.stderr.write(`quality: ${basename(model)} ...\n`)
  const extra = [
    '--languages',
    args.languages,
    '--context',
    args.context,
    ...(args.limit ? ['--limit', args.limit] : []),
  ]
  const out = execFileSync(process.execPath, [join(here, 'variant.mjs'), model, ...extra], {
    maxBuffer: 1 << 26,
    stdio: ['ignore', 'pipe', 'inherit'],
  })
  rows.push({ name: basename(model, '.gguf'), ...JSON.parse(out.toString()) })
}
const bm25 = { name: 'BM25 (no model)', languages: {} }
for (const language of languages) {
  const set = args.limit ? loadSet(language).slice(0, Number(args.limit)) : loadSet(language)
  bm25.languages[language] = evaluate(
    set.length,
    bm25Scorer(
      set.map((p) => p.query),
      set.map((p) => p.code),
    ),
  )
}

const best = Object.fromEntries(languages.map((l) => [l, Math.max(...rows.map((r) => r.languages[l].ndcg10))]))
const mib = (b) => (b / 2 ** 20).toFixed(1)
const pct = (x) => `${(x * 100).toFixed(1)}%`
const header = [
  'variant',
  'file MiB',
  'RSS MiB',
  'RSS growth MiB',
  'load ms',
  'docs/s',
  ...languages.flatMap((l) => [`${l} MRR`, `${l} nDCG@10`, `${l} R@1`, `${l} R@10`, `${l} vs best`]),
]
const lines = [`| ${header.join(' | ')} |`, `| ${header.map((_, i) => (i ? '---:' : '---')).join(' | ')} |`]
for (const r of [...rows, bm25]) {
  const cells = [
    r.name,
    r.fileSize ? mib(r.fileSize) : '—',
    r.rss ? mib(r.rss) : '—',
    r.rssGrowth ? mib(r.rssGrowth) : '—',
    r.loadMs ? r.loadMs.toFixed(0) : '—',
    r.documentsPerSecond ? r.documentsPerSecond.toFixed(1) : '—',
    ...languages.flatMap((l) => {
      const m = r.languages[l]
      return [
        m.mrr.toFixed(3),
        m.ndcg10.toFixed(3),
        m.recall1.toFixed(3),
        m.recall10.toFixed(3),
        pct(m.ndcg10 / best[l]),
      ]
    }),
  ]
  lines.push(`| ${cells.join(' | ')} |`)
}
const sets = languages
  .map(
    (l) =>
      `${l}: ${manifest.languages[l].pairs} pairs (${Object.entries(manifest.languages[l].sources)
        .map(([k, v]) => `${k} ${v}`)
        .join(', ')})`,
  )
  .join('; ')
console.log(
  `Sets: ${sets}${args.limit ? `, first ${args.limit} of each` : ''}; code side cut at ${args.context} tokens.\n`,
)
console.log(lines.join('\n'))
const results = {
  date: new Date().toISOString(),
  context: Number(args.context),
  limit: args.limit ? Number(args.limit) : null,
  manifest,
  rows,
  bm25,
}
writeFileSync(join(here, 'results.json'), JSON.stringify(results, null, 2) + '\n')
writeFileSync(join(here, 'quality.svg'), plot(rows, bm25, languages))

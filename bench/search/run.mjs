// The code search benchmark (issue 16): a real repository of 200,000+ lines (this machine's Python
// standard library, test folders left out) with its functions' docstrings removed from what is
// indexed and their first sentences as queries; each configuration indexes it from scratch in its
// own process and answers the same queries. Prints a table and writes bench/search/results-REPO.json.
//   node bench/search/run.mjs [--limit N] [--variants cascade-static,minilm,precise,cascade-minilm]
//                             [--margins 0,0.02,0.05,0.1] [--candidates 30]
// --candidates N: how many fused candidates the cascade's precise tier re-ranks (CodeIndex's
// cascade.candidates); a value other than the default 30 is its own configuration (name@cN).
import { execFileSync, spawnSync } from 'node:child_process'
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join, dirname } from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'

const here = dirname(fileURLToPath(import.meta.url))
const root = join(here, '..', '..')
const models = process.env.GGUF_EMBED_MODELS_DIR ?? join(root, '.models')
const work = join(root, '.cache', 'bench-search')

const { values: o } = parseArgs({
  options: {
    limit: { type: 'string', default: '500' },
    variants: { type: 'string', default: 'cascade-static,minilm,precise,cascade-minilm' },
    margins: { type: 'string', default: '0,0.02,0.05,0.1' },
    candidates: { type: 'string', default: '30' },
    'max-lines': { type: 'string' },
  },
})

const m = (file) => join(models, file)
const VARIANTS = {
  minilm: { label: 'MiniLM Q8_0', fast: m('all-minilm-l6-v2.q8_0.gguf'), modes: 'keyword,vector,hybrid' },
  precise: {
    label: 'bge-small Q8_0 (precise tier alone)',
    fast: m('bge-small-en-v1.5.q8_0.gguf'),
    modes: 'vector,hybrid',
  },
  'cascade-static': {
    label: 'static bge + bge-small Q8_0 (cascade)',
    fast: m('bge-small-en-v1.5.static.gguf'),
    precise: m('bge-small-en-v1.5.q8_0.gguf'),
    modes: 'vector,hybrid,cascade',
  },
  'cascade-minilm': {
    label: 'MiniLM Q8_0 + bge-small Q8_0 (cascade)',
    fast: m('all-minilm-l6-v2.q8_0.gguf'),
    precise: m('bge-small-en-v1.5.q8_0.gguf'),
    modes: 'cascade',
  },
}

mkdirSync(work, { recursive: true })
const stdlib = execFileSync('python3', ['-c', 'import sysconfig; print(sysconfig.get_paths()["stdlib"])'])
  .toString()
  .trim()
// --max-lines: whole top-level modules and packages, in hash order, up to that many lines (a
// smaller repository for a quicker run; the default is the whole library).
const repoName = o['max-lines'] ? `python-stdlib-${o['max-lines']}` : 'python-stdlib'
const repo = join(work, repoName)
const queries = join(work, `${repoName}.jsonl`)
if (!existsSync(queries)) {
  console.error(`preparing ${repo} from ${stdlib} (docstrings out, queries in ${queries})`)
  execFileSync(
    'python3',
    [join(here, 'prepare.py'), stdlib, repo, queries, ...(o['max-lines'] ? [o['max-lines']] : [])],
    {
      stdio: 'inherit',
    },
  )
}
const lines = Number(
  execFileSync('bash', ['-c', `find '${repo}' -name '*.py' -print0 | xargs -0 cat | wc -l`]).toString(),
)
console.error(
  `repository: ${repo}, ${lines} lines of Python; ${readFileSync(queries, 'utf8').trim().split('\n').length} queries (using ${o.limit})`,
)

// Results merge with what is on disk, saved after each configuration: a long run can be split.
const saved = join(here, `results-${repoName}.json`)
const previous = existsSync(saved) ? JSON.parse(readFileSync(saved, 'utf8')) : null
const results = previous?.queries === Number(o.limit) ? previous.results : []
const db = (variant) => join(work, `${repoName}-${variant}.db`)
const save = () =>
  writeFileSync(saved, JSON.stringify({ repo: repoName, lines, queries: Number(o.limit), results }, null, 2) + '\n')
for (const variant of o.variants.split(',')) {
  const base = VARIANTS[variant]
  if (!base) throw new Error(`unknown variant ${variant}`)
  const wide = base.precise && o.candidates !== '30'
  const name = wide ? `${variant}@c${o.candidates}` : variant
  const v = wide ? { ...base, label: `${base.label.replace(/\)$/, '')}, ${o.candidates} candidates)` } : base
  console.error(`${v.label} ...`)
  const args = [join(here, 'variant.mjs'), '--repo', repo, '--queries', queries, '--db', db(name)]
  args.push('--fast', v.fast, '--modes', v.modes, '--limit', o.limit, '--margins', o.margins)
  if (v.precise) args.push('--precise', v.precise, '--candidates', o.candidates)
  const r = spawnSync(process.execPath, args, { stdio: ['ignore', 'pipe', 'inherit'], maxBuffer: 1 << 26 })
  if (r.status !== 0) throw new Error(`${name} failed (${r.status})`)
  const i = results.findIndex((x) => x.name === name)
  const result = { name, label: v.label, ...JSON.parse(r.stdout.toString()) }
  if (i >= 0) results[i] = result
  else results.push(result)
  save()
}

const f = (x, d = 3) => x.toFixed(d)
const mib = (b) => `${(b / 2 ** 20).toFixed(1)} MiB`
console.log('| configuration | mode | nDCG@10 | R@10 | MRR@10 | re-ranked | precise emb./query | p50 / p95 ms |')
console.log('| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |')
for (const v of results)
  for (const r of v.results)
    console.log(
      `| ${v.label} | ${r.mode} | ${f(r.ndcg10)} | ${f(r.recall10)} | ${f(r.mrr10)} | ${v.precise ? `${(r.reranked * 100).toFixed(0)}%` : '-'} | ${v.precise ? f(r.preciseEmbeddedPerQuery, 1) : '-'} | ${f(r.p50ms, 1)} / ${f(r.p95ms, 1)} |`,
    )
console.log('\n| configuration | chunks | build s | chunks/s | one-file update s | disk | RSS growth | peak RSS |')
console.log('| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |')
for (const v of results)
  console.log(
    `| ${v.label} | ${v.chunks} | ${f(v.buildSeconds, 1)} | ${f(v.chunksPerSecond, 1)} | ${f(v.incrementalSeconds, 2)} | ${mib(v.diskBytes)} | ${mib(v.rssAfterBuild)} | ${mib(v.peakRss)} |`,
  )

// The code search benchmark (issue 16): a real repository with its functions' documentation removed
// from what is indexed and their first sentences as queries; each configuration indexes it from
// scratch in its own process and answers the same queries. Prints a table and writes
// bench/search/results-REPO.json. Repositories (--repo):
//   python-stdlib: this machine's Python standard library, test folders left out (320,000 lines;
//     docstrings out, prepare.py);
//   guava: Guava 33.5.0-jre's sources jar from Maven Central, checked by sha256 (Java, 179,000
//     lines; Javadoc out, prepare_java.py, tree-sitter's Java grammar from PyPI in the bench venv).
//   node bench/search/run.mjs [--repo python-stdlib] [--limit N] [--margins 0,0.02,0.05,0.1]
//                             [--variants cascade-static,minilm,precise,cascade-minilm] [--candidates 30]
// --candidates N: how many fused candidates the cascade's precise tier re-ranks (CodeIndex's
// cascade.candidates); a value other than the default 30 is its own configuration (name@cN).
import { execFileSync, spawnSync } from 'node:child_process'
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { createHash } from 'node:crypto'
import { join, dirname } from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'

const here = dirname(fileURLToPath(import.meta.url))
const root = join(here, '..', '..')
const models = process.env.GGUF_EMBED_MODELS_DIR ?? join(root, '.models')
const work = join(root, '.cache', 'bench-search')

const { values: o } = parseArgs({
  options: {
    repo: { type: 'string', default: 'python-stdlib' },
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

/** A Java sources jar from Maven Central (mvn dependency:get), checked by sha256, unpacked. */
function javaSources(coordinates, sha256, dest) {
  const [group, artifact, version] = coordinates.split(':')
  const jar = join(process.env.HOME, '.m2', 'repository', ...group.split('.'), artifact, version)
  const file = join(jar, `${artifact}-${version}-sources.jar`)
  if (!existsSync(file))
    execFileSync('mvn', ['-B', '-q', 'dependency:get', `-Dartifact=${coordinates}:jar:sources`, '-Dtransitive=false'], {
      stdio: ['ignore', 'ignore', 'inherit'],
    })
  const actual = createHash('sha256').update(readFileSync(file)).digest('hex')
  if (actual !== sha256) throw new Error(`${file}: sha256 ${actual}, not the pinned ${sha256}`)
  rmSync(dest, { recursive: true, force: true })
  mkdirSync(dest, { recursive: true })
  execFileSync('unzip', ['-q', file, '-d', dest])
  return dest
}

/** The benchmark's venv (scripts/python-env.sh) with tree-sitter's Java grammar added. */
function javaPython() {
  const python = execFileSync('bash', [join(root, 'scripts', 'python-env.sh')])
    .toString()
    .trim()
  const check = spawnSync(python, ['-c', 'import tree_sitter, tree_sitter_java'])
  if (check.status !== 0)
    execFileSync(python, ['-m', 'pip', 'install', '-q', 'tree-sitter==0.25.2', 'tree-sitter-java==0.23.5'], {
      stdio: 'inherit',
    })
  return python
}

// Each repository: its language's extension, how a line comment starts (the one-file update
// appends one), and how to make the stripped copy and its queries.
const REPOS = {
  'python-stdlib': {
    ext: 'py',
    comment: '#',
    prepare(repo, queries) {
      const stdlib = execFileSync('python3', ['-c', 'import sysconfig; print(sysconfig.get_paths()["stdlib"])'])
        .toString()
        .trim()
      const args = [join(here, 'prepare.py'), stdlib, repo, queries, ...(o['max-lines'] ? [o['max-lines']] : [])]
      execFileSync('python3', args, { stdio: 'inherit' })
    },
  },
  guava: {
    ext: 'java',
    comment: '//',
    prepare(repo, queries) {
      const src = javaSources(
        'com.google.guava:guava:33.5.0-jre',
        '79423ae87a2203950e0e3ce2a00682b3b8d8557e631bbf662dba5494fe3b55cb',
        join(work, 'guava-sources'),
      )
      execFileSync(javaPython(), [join(here, 'prepare_java.py'), src, repo, queries], { stdio: 'inherit' })
    },
  },
}
const source = REPOS[o.repo]
if (!source) throw new Error(`--repo ${Object.keys(REPOS).join('|')}, not ${o.repo}`)
// --max-lines (python-stdlib): whole top-level modules and packages, in hash order, up to that
// many lines (a smaller repository for a quicker run; the default is the whole library).
const repoName = o['max-lines'] ? `${o.repo}-${o['max-lines']}` : o.repo
const repo = join(work, repoName)
const queries = join(work, `${repoName}.jsonl`)
if (!existsSync(queries)) {
  console.error(`preparing ${repo} (documentation out, queries in ${queries})`)
  source.prepare(repo, queries)
}
const lines = Number(
  execFileSync('bash', ['-c', `find '${repo}' -name '*.${source.ext}' -print0 | xargs -0 cat | wc -l`]).toString(),
)
console.error(
  `repository: ${repo}, ${lines} lines of .${source.ext}; ${readFileSync(queries, 'utf8').trim().split('\n').length} queries (using ${o.limit})`,
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
  args.push(
    '--fast',
    v.fast,
    '--modes',
    v.modes,
    '--limit',
    o.limit,
    '--margins',
    o.margins,
    '--comment',
    source.comment,
  )
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

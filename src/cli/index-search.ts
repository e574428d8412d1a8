/** `gguf-embed index` and `gguf-embed search`: a code index from the command line (CodeIndex). */
import { existsSync } from 'node:fs'
import { CodeIndex, isPostgres, type SearchMode } from '../code-index'
import { EmbedError } from '../errors'
import { parseFlags } from './args'
import { bytes, count, escapeForTerminal, json } from './format'
import { phasedProgress } from './progress'

const DEFAULT_DB = '.gguf-embed/index.db'

const INDEX_HELP = `usage: gguf-embed index DIR [--db FILE|postgres://...] [--repository NAME] [--fast MODEL] [--precise MODEL] [--vectors int8|f16]
                       [--include-vendored] [--max-file-bytes N] [--json]

Indexes the code under DIR for search: files cut into chunks along their syntax (tree-sitter:
Python, JavaScript, TypeScript, Go, Java, Rust, C, C++; other text files by lines), BM25 over
split identifiers, and a vector per chunk from the fast model. Incremental: only changed chunks
are embedded again; .gitignore'd, hidden, vendored, binary and generated files are skipped.
Default --db ${DEFAULT_DB}; default --fast .models/all-minilm-l6-v2.q8_0.gguf (npm run models).
--precise names a second model that re-ranks the fast model's candidates at search time.
A postgres:// connection string for --db keeps the index in Postgres with pgvector (npm install pg),
many repositories to a database, each named by --repository (default "default").`

const SEARCH_HELP = `usage: gguf-embed search QUERY [--db FILE|postgres://...] [--repository NAME] [--mode hybrid|keyword|vector] [-k N]
                         [--language L]... [--path GLOB]... [--fast MODEL] [--precise MODEL] [--json]

Searches an index made by "gguf-embed index". hybrid (the default) fuses BM25 and the fast model's
vectors by reciprocal rank; with --precise, the precise model re-ranks the candidates. Give the
same --fast (and --precise) models the index was made with.`

const MODES = ['hybrid', 'keyword', 'vector'] as const

export async function indexCommand(args: string[]): Promise<number> {
  const flags = parseFlags(args, INDEX_HELP, {
    db: { type: 'string', default: DEFAULT_DB },
    repository: { type: 'string' },
    fast: { type: 'string' },
    precise: { type: 'string' },
    vectors: { type: 'string', default: 'int8' },
    'include-vendored': { type: 'boolean' },
    'max-file-bytes': { type: 'string' },
    json: { type: 'boolean' },
    help: { type: 'boolean', short: 'h' },
  })
  const { values, positionals } = flags
  if (values.help) return (console.log(INDEX_HELP), 0)
  if (positionals.length !== 1) throw flags.usage('expected one DIR')
  const db = values.db ?? DEFAULT_DB
  if (!isPostgres(db)) await mkdirFor(db)
  const index = await CodeIndex.open(db, {
    repository: values.repository,
    fast: values.fast,
    precise: values.precise,
    vectors: flags.choice('vectors', ['int8', 'f16'] as const),
  })
  const show = !values.json && process.stderr.isTTY === true
  const labels = { files: 'reading files', embedding: 'embedding chunks' }
  const bars = phasedProgress(labels, show)
  const controller = new AbortController()
  const stop = () => controller.abort()
  process.once('SIGINT', stop)
  const t0 = performance.now()
  try {
    const r = await index.update(positionals[0], {
      signal: controller.signal,
      includeVendored: values['include-vendored'],
      maxFileBytes: flags.integer('max-file-bytes', { min: 1, max: Number.MAX_SAFE_INTEGER }),
      onProgress: bars.onProgress,
    })
    bars.done()
    const s = await index.stats()
    const seconds = (performance.now() - t0) / 1000
    if (values.json) {
      console.log(json({ ...r, seconds, stats: s }))
    } else {
      const skipped = r.skippedUnknown + r.skippedLarge + r.skippedBinary + r.skippedGenerated + r.skippedUnreadable
      console.log(
        `${escapeForTerminal(index.path)}: ${count(s.files)} files, ${count(s.chunks)} chunks (${s.languages.map((l) => `${l.language} ${count(l.chunks)}`).join(', ')}), ${bytes(s.diskBytes)}\n` +
          `this update: ${r.added} added, ${r.changed} changed, ${r.removed} removed, ${r.unchanged} unchanged, ${skipped} skipped; ${r.embedded} chunks embedded in ${seconds.toFixed(1)} s`,
      )
    }
    return 0
  } finally {
    process.off('SIGINT', stop)
    await index.close()
  }
}

export async function searchCommand(args: string[]): Promise<number> {
  const flags = parseFlags(args, SEARCH_HELP, {
    db: { type: 'string', default: DEFAULT_DB },
    repository: { type: 'string' },
    mode: { type: 'string', default: 'hybrid' },
    k: { type: 'string', short: 'k', default: '10' },
    language: { type: 'string', multiple: true },
    path: { type: 'string', multiple: true },
    fast: { type: 'string' },
    precise: { type: 'string' },
    json: { type: 'boolean' },
    help: { type: 'boolean', short: 'h' },
  })
  const { values, positionals } = flags
  if (values.help) return (console.log(SEARCH_HELP), 0)
  if (positionals.length === 0) throw flags.usage('expected a QUERY')
  const mode: SearchMode = flags.choice('mode', MODES) ?? 'hybrid'
  const db = values.db ?? DEFAULT_DB
  if (!isPostgres(db) && !existsSync(db))
    throw new EmbedError('IO', `no index at ${db}: make one with "gguf-embed index DIR --db ${db}"`, { path: db })
  const index = await CodeIndex.open(db, { repository: values.repository, fast: values.fast, precise: values.precise })
  try {
    const report = await index.searchReport(positionals.join(' '), {
      mode,
      k: flags.integer('k', { min: 1, max: 1000 }),
      language: values.language,
      path: values.path,
    })
    if (values.json) {
      console.log(json(report))
      return 0
    }
    for (const h of report.hits) {
      const where = `${h.path}:${h.startLine}-${h.endLine}`
      console.log(
        `${h.score.toFixed(3)}  ${escapeForTerminal(where)}  ${escapeForTerminal(h.symbol ?? '')}  (${h.via.join('+')})`,
      )
    }
    if (report.reranked) console.error(`re-ranked by the precise model (${report.preciseEmbedded} chunks embedded)`)
    return 0
  } finally {
    await index.close()
  }
}

async function mkdirFor(file: string): Promise<void> {
  const { mkdir } = await import('node:fs/promises')
  const { dirname } = await import('node:path')
  await mkdir(dirname(file), { recursive: true })
}

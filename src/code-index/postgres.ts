/**
 * The code index in Postgres with pgvector: many repositories in one database (each CodeIndex
 * names its repository), many readers, vectors as halfvec with an HNSW index per model. Files are
 * walked and chunked by the same native code as the SQLite store; BM25 is replaced by Postgres
 * full-text search (ts_rank_cd over the same split-identifier terms), so keyword and hybrid ranks
 * may differ from SQLite's where the two rankings differ. `pg` is an optional peer dependency.
 */
import type { Pool, PoolClient } from 'pg'
import * as native from '../native'
import { EmbedError, fromNative } from '../errors'
import type { IndexStore } from './store'

/** Files a transaction holds at most (as the SQLite store). */
const BATCH_FILES = 256
const SCHEMA_VERSION = '1'

const SCHEMA = `
CREATE EXTENSION IF NOT EXISTS vector;
CREATE TABLE IF NOT EXISTS gguf_embed_meta(key text PRIMARY KEY, value text NOT NULL);
CREATE TABLE IF NOT EXISTS gguf_embed_repos(id serial PRIMARY KEY, name text NOT NULL UNIQUE, generation bigint NOT NULL DEFAULT 0);
CREATE TABLE IF NOT EXISTS gguf_embed_files(
  id bigserial PRIMARY KEY,
  repo int NOT NULL REFERENCES gguf_embed_repos(id) ON DELETE CASCADE,
  path text NOT NULL, language text NOT NULL, size double precision NOT NULL, mtime double precision NOT NULL,
  hash text NOT NULL, method text NOT NULL, seen bigint NOT NULL,
  UNIQUE(repo, path));
CREATE TABLE IF NOT EXISTS gguf_embed_chunks(
  id bigserial PRIMARY KEY,
  file_id bigint NOT NULL REFERENCES gguf_embed_files(id) ON DELETE CASCADE,
  start_line int NOT NULL, end_line int NOT NULL, symbol text, hash text NOT NULL, text text NOT NULL,
  terms tsvector NOT NULL);
CREATE INDEX IF NOT EXISTS gguf_embed_chunks_file ON gguf_embed_chunks(file_id);
CREATE INDEX IF NOT EXISTS gguf_embed_chunks_hash ON gguf_embed_chunks(hash);
CREATE INDEX IF NOT EXISTS gguf_embed_chunks_terms ON gguf_embed_chunks USING gin(terms);
CREATE TABLE IF NOT EXISTS gguf_embed_models(id serial PRIMARY KEY, key text NOT NULL UNIQUE, dims int NOT NULL, encoding text NOT NULL);
INSERT INTO gguf_embed_meta(key, value) VALUES ('schema', '${SCHEMA_VERSION}') ON CONFLICT (key) DO NOTHING;
`

type Report = native.IndexUpdateReport

function loadPg(): typeof import('pg') {
  try {
    return require('pg') as typeof import('pg')
  } catch (err) {
    throw new EmbedError(
      'INVALID_ARGUMENT',
      `a Postgres index needs the pg driver: npm install pg (${(err as Error).message})`,
      {
        cause: err,
      },
    )
  }
}

const literal = (v: Float32Array | number[]) => `[${Array.from(v, (x) => (Number.isFinite(x) ? x : 0)).join(',')}]`

export class PostgresStore implements IndexStore {
  #models = new Map<string, { id: number; dims: number }>()

  private constructor(
    readonly location: string,
    private readonly pool: Pool,
    private readonly repo: number,
  ) {}

  /** Connects, creates the schema if missing, and registers the repository. */
  static async open(connection: string, repository: string): Promise<PostgresStore> {
    const { Pool } = loadPg()
    const pool = new Pool({ connectionString: connection, max: 4 })
    pool.on('error', () => {}) // an idle client's error surfaces on the next query instead
    const where = connection.replace(/\/\/[^@/]*@/, '//***@')
    try {
      const c = await pool.connect()
      try {
        await c.query('BEGIN')
        await c.query('SELECT pg_advisory_xact_lock(7411)')
        await c.query(SCHEMA)
        const v = await c.query("SELECT value FROM gguf_embed_meta WHERE key = 'schema'")
        if (v.rows[0]?.value !== SCHEMA_VERSION)
          throw new EmbedError(
            'INDEX_INVALID',
            `${where} holds index schema ${v.rows[0]?.value}; this gguf-embed reads ${SCHEMA_VERSION}`,
            {
              kind: 'Version',
            },
          )
        const r = await c.query(
          'INSERT INTO gguf_embed_repos(name) VALUES ($1) ON CONFLICT (name) DO UPDATE SET name = EXCLUDED.name RETURNING id',
          [repository],
        )
        await c.query('COMMIT')
        return new PostgresStore(where, pool, r.rows[0].id as number)
      } catch (err) {
        await c.query('ROLLBACK').catch(() => {})
        throw err
      } finally {
        c.release()
      }
    } catch (err) {
      await pool.end().catch(() => {})
      throw toError(err, where)
    }
  }

  async #q<R>(sql: string, params: unknown[] = [], client?: PoolClient): Promise<R[]> {
    try {
      return (await (client ?? this.pool).query(sql, params)).rows as R[]
    } catch (err) {
      throw toError(err, this.location)
    }
  }

  /** The model's vector table, created (with its HNSW index) on first use. */
  async #model(m: native.IndexModel): Promise<string> {
    let known = this.#models.get(m.key)
    if (!known) {
      await this.#q(
        'INSERT INTO gguf_embed_models(key, dims, encoding) VALUES ($1, $2, $3) ON CONFLICT (key) DO NOTHING',
        [m.key, m.dims, m.encoding ?? 'int8'],
      )
      const [row] = await this.#q<{ id: number; dims: number }>(
        'SELECT id, dims FROM gguf_embed_models WHERE key = $1',
        [m.key],
      )
      if (row.dims !== m.dims)
        throw new EmbedError(
          'INVALID_ARGUMENT',
          `${m.key} is in this index with ${row.dims} dimensions, asked for ${m.dims}`,
          {
            param: 'model',
          },
        )
      known = { id: row.id, dims: row.dims }
      const table = `gguf_embed_vectors_${known.id}`
      await this.#q(
        `CREATE TABLE IF NOT EXISTS ${table}(hash text PRIMARY KEY, embedding halfvec(${known.dims}) NOT NULL)`,
      )
      await this.#q(`CREATE INDEX IF NOT EXISTS ${table}_hnsw ON ${table} USING hnsw (embedding halfvec_ip_ops)`)
      this.#models.set(m.key, known)
    }
    return `gguf_embed_vectors_${known.id}`
  }

  async update(
    dir: string,
    options: native.IndexUpdateOptions,
    progress: (done: number, total: number) => void,
    signal?: AbortSignal,
  ): Promise<Report> {
    const report: Report = {
      files: 0,
      added: 0,
      changed: 0,
      unchanged: 0,
      removed: 0,
      chunksAdded: 0,
      chunksRemoved: 0,
      parseFailures: 0,
      skippedUnknown: 0,
      skippedLarge: 0,
      skippedBinary: 0,
      skippedGenerated: 0,
      skippedUnreadable: 0,
    }
    const skip = (why: string) => {
      const key = {
        unknown: 'skippedUnknown',
        large: 'skippedLarge',
        binary: 'skippedBinary',
        generated: 'skippedGenerated',
      }[why]
      report[(key ?? 'skippedUnreadable') as keyof Report]++
    }
    let tree: native.WalkedTree
    try {
      tree = await native.walkCodeFiles(dir, options.maxFileBytes, options.includeVendored)
    } catch (err) {
      throw fromNative(err, dir)
    }
    tree.skipped.forEach(skip)
    const total = tree.files.length
    progress(0, total)
    const lock = await this.pool.connect()
    try {
      // One writer per repository: the generation sweep must not race another update.
      const [got] = await this.#q<{ ok: boolean }>('SELECT pg_try_advisory_lock(7412, $1) AS ok', [this.repo], lock)
      if (!got.ok)
        throw new EmbedError('INDEX_LOCKED', `another update of this repository is running in ${this.location}`)
      const [g] = await this.#q<{ g: number }>(
        'UPDATE gguf_embed_repos SET generation = generation + 1 WHERE id = $1 RETURNING generation::float8 AS g',
        [this.repo],
      )
      for (let i = 0; i < total; i += BATCH_FILES) {
        if (signal?.aborted) throw new EmbedError('ABORTED', 'the update was aborted (what it committed is kept)')
        await this.#batch(tree.files.slice(i, i + BATCH_FILES), g.g, options, report, skip)
        progress(Math.min(i + BATCH_FILES, total), total)
      }
      const [gone] = await this.#q<{ files: number; chunks: number }>(
        `SELECT count(DISTINCT f.id)::float8 AS files, count(c.id)::float8 AS chunks FROM gguf_embed_files f
         LEFT JOIN gguf_embed_chunks c ON c.file_id = f.id WHERE f.repo = $1 AND f.seen < $2`,
        [this.repo, g.g],
      )
      await this.#q('DELETE FROM gguf_embed_files WHERE repo = $1 AND seen < $2', [this.repo, g.g])
      report.removed = gone.files
      report.chunksRemoved += gone.chunks
      const models = await this.#q<{ id: number }>('SELECT id FROM gguf_embed_models')
      for (const m of models)
        await this.#q(
          `DELETE FROM gguf_embed_vectors_${m.id} v WHERE NOT EXISTS (SELECT 1 FROM gguf_embed_chunks c WHERE c.hash = v.hash)`,
        ).catch(() => {}) // a model whose table another process has not created yet
    } finally {
      await lock.query('SELECT pg_advisory_unlock(7412, $1)', [this.repo]).catch(() => {})
      lock.release()
    }
    return report
  }

  async #batch(
    files: native.WalkedFile[],
    generation: number,
    options: native.IndexUpdateOptions,
    report: Report,
    skip: (why: string) => void,
  ) {
    const c = await this.pool.connect()
    try {
      await c.query('BEGIN')
      const known = new Map(
        (
          await this.#q<{ id: number; path: string; size: number; mtime: number; hash: string }>(
            'SELECT id::float8 AS id, path, size, mtime, hash FROM gguf_embed_files WHERE repo = $1 AND path = ANY($2)',
            [this.repo, files.map((f) => f.relative)],
            c,
          )
        ).map((r) => [r.path, r]),
      )
      const touched: number[] = []
      for (const f of files) {
        const k = known.get(f.relative)
        if (k && k.size === f.size && k.mtime === f.mtime) {
          touched.push(k.id)
          report.files++
          report.unchanged++
          continue
        }
        let chunked: native.ChunkedFile
        try {
          chunked = await native.chunkCodeFile(f.path, f.relative, options.maxChunkChars)
        } catch (err) {
          throw fromNative(err, f.path)
        }
        if (chunked.skip) {
          skip(chunked.skip)
          continue
        }
        report.files++
        if (k && k.hash === chunked.hash) {
          await this.#q(
            'UPDATE gguf_embed_files SET size = $2, mtime = $3, seen = $4 WHERE id = $1',
            [k.id, f.size, f.mtime, generation],
            c,
          )
          report.unchanged++
          continue
        }
        if (chunked.method === 'lines' && !['markdown', 'text'].includes(f.language) && isCode(f.language))
          report.parseFailures++
        let id: number
        if (k) {
          const [d] = await this.#q<{ n: number }>(
            'WITH d AS (DELETE FROM gguf_embed_chunks WHERE file_id = $1 RETURNING 1) SELECT count(*)::float8 AS n FROM d',
            [k.id],
            c,
          )
          report.chunksRemoved += d.n
          await this.#q(
            'UPDATE gguf_embed_files SET language = $2, size = $3, mtime = $4, hash = $5, method = $6, seen = $7 WHERE id = $1',
            [k.id, f.language, f.size, f.mtime, chunked.hash, chunked.method, generation],
            c,
          )
          id = k.id
          report.changed++
        } else {
          const [row] = await this.#q<{ id: number }>(
            `INSERT INTO gguf_embed_files(repo, path, language, size, mtime, hash, method, seen)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id::float8 AS id`,
            [this.repo, f.relative, f.language, f.size, f.mtime, chunked.hash, chunked.method, generation],
            c,
          )
          id = row.id
          report.added++
        }
        const ch = chunked.chunks
        if (ch.length > 0)
          await this.#q(
            `INSERT INTO gguf_embed_chunks(file_id, start_line, end_line, symbol, hash, text, terms)
             SELECT $1, s, e, sym, h, t, to_tsvector('simple', tr)
             FROM unnest($2::int[], $3::int[], $4::text[], $5::text[], $6::text[], $7::text[]) AS x(s, e, sym, h, t, tr)`,
            [
              id,
              ch.map((x) => x.startLine),
              ch.map((x) => x.endLine),
              ch.map((x) => x.symbol ?? null),
              ch.map((x) => x.hash),
              ch.map((x) => x.text),
              ch.map((x) => x.terms),
            ],
            c,
          )
        report.chunksAdded += ch.length
      }
      if (touched.length > 0)
        await this.#q('UPDATE gguf_embed_files SET seen = $2 WHERE id = ANY($1::bigint[])', [touched, generation], c)
      await c.query('COMMIT')
    } catch (err) {
      await c.query('ROLLBACK').catch(() => {})
      throw err
    } finally {
      c.release()
    }
  }

  async pending(model: native.IndexModel, after: number, limit: number): Promise<native.PendingChunks> {
    const table = await this.#model(model)
    const rows = await this.#q<{ id: number; text: string }>(
      `SELECT c.id::float8 AS id, c.text FROM gguf_embed_chunks c JOIN gguf_embed_files f ON f.id = c.file_id
       WHERE f.repo = $1 AND c.id > $2 AND NOT EXISTS (SELECT 1 FROM ${table} v WHERE v.hash = c.hash)
       ORDER BY c.id LIMIT $3`,
      [this.repo, after, limit],
    )
    return { ids: rows.map((r) => r.id), texts: rows.map((r) => r.text) }
  }

  async texts(ids: number[]): Promise<native.PendingChunks> {
    const rows = await this.#q<{ id: number; text: string }>(
      'SELECT id::float8 AS id, text FROM gguf_embed_chunks WHERE id = ANY($1::bigint[])',
      [ids],
    )
    const byId = new Map(rows.map((r) => [r.id, r.text]))
    const kept = ids.filter((id) => byId.has(id))
    return { ids: kept, texts: kept.map((id) => byId.get(id) as string) }
  }

  async putVectors(model: native.IndexModel, ids: number[], vectors: Float32Array): Promise<number> {
    if (vectors.length !== ids.length * model.dims)
      throw new EmbedError(
        'INVALID_ARGUMENT',
        `${vectors.length} values for ${ids.length} chunks of ${model.dims} dimensions`,
        {
          param: 'vectors',
        },
      )
    const table = await this.#model(model)
    const literals = ids.map((_, i) => literal(vectors.subarray(i * model.dims, (i + 1) * model.dims)))
    const rows = await this.#q<{ n: number }>(
      `WITH i AS (INSERT INTO ${table}(hash, embedding)
         SELECT DISTINCT ON (c.hash) c.hash, x.e::halfvec FROM unnest($1::bigint[], $2::text[]) AS x(id, e)
         JOIN gguf_embed_chunks c ON c.id = x.id ON CONFLICT (hash) DO NOTHING RETURNING 1)
       SELECT count(*)::float8 AS n FROM i`,
      [ids, literals],
    )
    return rows[0].n
  }

  /** Files the filter lets through, as ids; undefined when it lets everything through. */
  async #allowed(filter: native.IndexFilter): Promise<number[] | undefined> {
    const languages = filter.language ?? []
    const globs = filter.path ?? []
    if (languages.length === 0 && globs.length === 0) return undefined
    const rows = await this.#q<{ id: number; path: string }>(
      `SELECT id::float8 AS id, path FROM gguf_embed_files WHERE repo = $1 AND ($2::text[] = '{}' OR language = ANY($2))`,
      [this.repo, languages],
    )
    if (globs.length === 0) return rows.map((r) => r.id)
    let ok: boolean[]
    try {
      ok = native.matchPaths(
        globs,
        rows.map((r) => r.path),
      )
    } catch (err) {
      throw fromNative(err)
    }
    return rows.filter((_, i) => ok[i]).map((r) => r.id)
  }

  async keyword(query: string, k: number, filter: native.IndexFilter): Promise<native.IndexHit[]> {
    const words = native.queryWords(query)
    if (words.length === 0) return []
    const allowed = await this.#allowed(filter)
    return this.#q<{ id: number; score: number }>(
      `SELECT c.id::float8 AS id, ts_rank_cd(c.terms, q)::float8 AS score
       FROM gguf_embed_chunks c JOIN gguf_embed_files f ON f.id = c.file_id, to_tsquery('simple', $2) q
       WHERE f.repo = $1 AND c.terms @@ q AND ($3::bigint[] IS NULL OR f.id = ANY($3))
       ORDER BY score DESC, c.id LIMIT $4`,
      [this.repo, words.map((w) => `'${w}'`).join(' | '), allowed ?? null, k],
    )
  }

  async vector(
    model: native.IndexModel,
    query: Float32Array,
    k: number,
    filter: native.IndexFilter,
  ): Promise<native.IndexHit[]> {
    checkQuery(query, model.dims)
    const table = await this.#model(model)
    const allowed = await this.#allowed(filter)
    return this.#q<{ id: number; score: number }>(
      `SELECT c.id::float8 AS id, (-(v.embedding <#> $2::halfvec))::float8 AS score
       FROM ${table} v JOIN gguf_embed_chunks c ON c.hash = v.hash JOIN gguf_embed_files f ON f.id = c.file_id
       WHERE f.repo = $1 AND ($3::bigint[] IS NULL OR f.id = ANY($3))
       ORDER BY v.embedding <#> $2::halfvec, c.id LIMIT $4`,
      [this.repo, literal(query), allowed ?? null, k],
    )
  }

  async scores(model: native.IndexModel, query: Float32Array, ids: number[]): Promise<(number | null)[]> {
    checkQuery(query, model.dims)
    const table = await this.#model(model)
    const rows = await this.#q<{ id: number; score: number }>(
      `SELECT c.id::float8 AS id, (-(v.embedding <#> $1::halfvec))::float8 AS score
       FROM gguf_embed_chunks c JOIN ${table} v ON v.hash = c.hash WHERE c.id = ANY($2::bigint[])`,
      [literal(query), ids],
    )
    const byId = new Map(rows.map((r) => [r.id, r.score]))
    return ids.map((id) => byId.get(id) ?? null)
  }

  async chunks(ids: number[]): Promise<native.IndexChunk[]> {
    const rows = await this.#q<native.IndexChunk & { symbol: string | null }>(
      `SELECT c.id::float8 AS id, f.path, f.language, c.start_line AS "startLine", c.end_line AS "endLine", c.symbol, c.text
       FROM gguf_embed_chunks c JOIN gguf_embed_files f ON f.id = c.file_id WHERE c.id = ANY($1::bigint[])`,
      [ids],
    )
    const byId = new Map(rows.map((r) => [r.id, { ...r, symbol: r.symbol ?? undefined }]))
    return ids.flatMap((id) => (byId.has(id) ? [byId.get(id) as native.IndexChunk] : []))
  }

  async stats(): Promise<native.IndexStats> {
    const languages = await this.#q<{ language: string; files: number; chunks: number }>(
      `SELECT f.language, count(DISTINCT f.id)::float8 AS files, count(c.id)::float8 AS chunks
       FROM gguf_embed_files f LEFT JOIN gguf_embed_chunks c ON c.file_id = f.id WHERE f.repo = $1
       GROUP BY f.language ORDER BY count(c.id) DESC, f.language`,
      [this.repo],
    )
    const [lines] = await this.#q<{ n: number }>(
      "SELECT count(*)::float8 AS n FROM gguf_embed_files WHERE repo = $1 AND method = 'lines'",
      [this.repo],
    )
    const models = await this.#q<{ id: number; key: string; dims: number; encoding: string }>(
      'SELECT id, key, dims, encoding FROM gguf_embed_models ORDER BY id',
    )
    const perModel: native.IndexModelStats[] = []
    for (const m of models) {
      const [n] = await this.#q<{ with: number; without: number }>(
        `SELECT count(*) FILTER (WHERE v.hash IS NOT NULL)::float8 AS with, count(*) FILTER (WHERE v.hash IS NULL)::float8 AS without
         FROM gguf_embed_chunks c JOIN gguf_embed_files f ON f.id = c.file_id
         LEFT JOIN gguf_embed_vectors_${m.id} v ON v.hash = c.hash WHERE f.repo = $1`,
        [this.repo],
      ).catch(() => [{ with: 0, without: 0 }])
      perModel.push({ key: m.key, dims: m.dims, encoding: 'halfvec', vectors: n.with, missing: n.without })
    }
    const [size] = await this.#q<{ bytes: number }>('SELECT pg_database_size(current_database())::float8 AS bytes')
    return {
      files: languages.reduce((s, l) => s + l.files, 0),
      chunks: languages.reduce((s, l) => s + l.chunks, 0),
      languages,
      lineFiles: lines.n,
      models: perModel,
      diskBytes: size.bytes,
    }
  }

  async close(): Promise<void> {
    await this.pool.end()
  }
}

const CODE = new Set(['python', 'javascript', 'typescript', 'go', 'java', 'rust', 'c', 'cpp'])
const isCode = (language: string) => CODE.has(language)

function checkQuery(query: Float32Array, dims: number): void {
  if (query.length !== dims)
    throw new EmbedError('INVALID_ARGUMENT', `a vector of ${query.length} dimensions for a model of ${dims}`, {
      param: 'query',
    })
}

/** Postgres and connection failures as EmbedErrors: IO for the connection, INTERNAL for the rest. */
function toError(err: unknown, where: string): EmbedError {
  if (err instanceof EmbedError) return err
  const e = err as Error & { code?: string }
  const connection = typeof e.code === 'string' && /^(ECONN|ENOTFOUND|ETIMEDOUT|EAI_|08|28|3D)/.test(e.code)
  return new EmbedError(connection ? 'IO' : 'INTERNAL', `${where}: ${e.message}`, {
    path: where,
    kind: e.code,
    cause: err,
  })
}

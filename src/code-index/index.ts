/**
 * CodeIndex: code search over a directory, in one SQLite file. `update` walks the directory, cuts
 * files into chunks along their syntax (tree-sitter, in Rust), and embeds the chunks that have no
 * vector yet; `search` answers by BM25 over split identifiers (`keyword`), by the fast tier's
 * vectors (`vector`), or both fused by reciprocal rank (`hybrid`, the default). With a `precise`
 * tier, hybrid search becomes a cascade: the fast tier and BM25 pick candidates and, unless the
 * fast tier is confident, the precise tier re-ranks them, embedding on demand the candidates it has
 * not seen (and keeping those vectors).
 */
import { resolve } from 'node:path'
import type * as native from '../native'
import { EmbedError, fromNative, invalidArgument } from '../errors'
import {
  checkOptions,
  checkPath,
  throwIfAborted,
  signal,
  callback,
  integer,
  boolean,
  oneOf,
  anyObject,
  RANGES,
} from '../validate'
import { defaultModelsDir } from '../cli/models'
import { fuse } from './fuse'
import { defaultFast, loadTier, type Tier, type TierSource } from './tier'
import { SqliteStore, type IndexStore } from './store'
import { PostgresStore } from './postgres'

export type SearchMode = 'keyword' | 'vector' | 'hybrid'
/** Which retriever put a hit in the results. */
export type Retriever = 'keyword' | 'vector' | 'precise'

export interface CodeIndexOptions {
  /** With a Postgres connection string: which repository of the database this index is. @default 'default' */
  repository?: string
  /** The model (or static table) every chunk is embedded with: a GGUF path or a loaded embedder. @default .models/all-minilm-l6-v2.q8_0.gguf */
  fast?: TierSource
  /** A larger model that re-ranks the fast tier's candidates (the cascade). @default none */
  precise?: TierSource
  /** How vectors are stored: 'int8' (4x smaller than f32) or 'f16'. @default 'int8' */
  vectors?: 'int8' | 'f16'
  /** Cascade settings (with `precise`). */
  cascade?: CascadeOptions
  signal?: AbortSignal
}

export interface CascadeOptions {
  /** Candidates the precise tier re-ranks. @default 30 */
  candidates?: number
  /**
   * The fast tier is trusted, and the precise tier skipped, when its best candidate leads the
   * second by at least this cosine margin. 0 re-ranks every query. @default 0 (see BENCHMARKS.md)
   */
  margin?: number
}

export type UpdatePhase = 'files' | 'embedding'

export interface UpdateOptions {
  signal?: AbortSignal
  onProgress?: (progress: { phase: UpdatePhase; done: number; total: number }) => void
  /** Larger files are skipped. @default 1 MiB */
  maxFileBytes?: number
  /** Index node_modules, vendor, third_party and the like. @default false */
  includeVendored?: boolean
  /** Largest chunk, in characters (bigger definitions are split at statements). @default 1500 */
  maxChunkChars?: number
}

export interface UpdateReport extends native.IndexUpdateReport {
  /** Chunks the fast tier embedded in this update. */
  embedded: number
}

export interface SearchOptions {
  /** Results wanted. @default 10 */
  k?: number
  /** @default 'hybrid' */
  mode?: SearchMode
  /** Only these languages ('python', 'typescript', 'go', 'markdown', ...). */
  language?: string | string[]
  /** Only paths matching these globs, relative to the indexed directory (`src/**`, `*.py` matches top-level files only). */
  path?: string | string[]
  /** With a precise tier: false answers hybrid searches from the fast tier and BM25 alone. @default true */
  rerank?: boolean
  signal?: AbortSignal
}

export interface SearchHit {
  path: string
  startLine: number
  endLine: number
  symbol: string | null
  language: string
  /** Higher is better; comparable within one search only (BM25, cosine or fused rank by mode). */
  score: number
  via: Retriever[]
  text: string
}

export interface SearchReport {
  hits: SearchHit[]
  /** Whether the precise tier re-ranked this query. */
  reranked: boolean
  /** Chunks the precise tier embedded for this query (vectors kept for the next). */
  preciseEmbedded: number
}

/** Longest query accepted, in bytes (the native side enforces the same). */
export const MAX_QUERY_BYTES = 16 * 1024
/** Chunks a round of embedding takes during update: progress and cancellation points. */
const EMBED_BATCH = 64

const MODES = ['keyword', 'vector', 'hybrid'] as const
const stringOrList = (name: string, v: unknown) => {
  const ok = v === undefined || typeof v === 'string' || (Array.isArray(v) && v.every((x) => typeof x === 'string'))
  if (!ok) throw invalidArgument(`${name} must be a string or an array of strings`, name)
}
const SCHEMAS = {
  open: {
    repository: stringOption,
    fast: anyTier,
    precise: anyTier,
    vectors: oneOf(['int8', 'f16']),
    cascade: anyObject,
    signal,
  },
  cascade: { candidates: integer({ min: 1, max: 1000 }), margin: marginCheck },
  update: {
    signal,
    onProgress: callback,
    maxFileBytes: integer(RANGES.bytes),
    includeVendored: boolean,
    maxChunkChars: integer({ min: 64, max: 1 << 20 }),
  },
  search: {
    k: integer({ min: 1, max: 1000 }),
    mode: oneOf(MODES),
    language: stringOrList,
    path: stringOrList,
    rerank: boolean,
    signal,
  },
}

function stringOption(name: string, v: unknown): void {
  if (v !== undefined && (typeof v !== 'string' || v.length === 0))
    throw invalidArgument(`${name} must be a non-empty string`, name)
}

/** A Postgres connection string selects the Postgres store; anything else is a SQLite file. */
export const isPostgres = (location: string) => /^postgres(ql)?:\/\//.test(location)

function anyTier(name: string, v: unknown): void {
  if (v === undefined || typeof v === 'string') return
  const e = v as { embedBatch?: unknown; info?: unknown }
  if (typeof v !== 'object' || v === null || typeof e.embedBatch !== 'function' || !e.info)
    throw invalidArgument(`${name} must be a model path, an Embedder or a StaticEmbedder`, name)
}

function marginCheck(name: string, v: unknown): void {
  if (v !== undefined && !(typeof v === 'number' && v >= 0 && v <= 2))
    throw invalidArgument(`${name} must be a number from 0 to 2`, name)
}

const list = (v: string | string[] | undefined) => (v === undefined ? undefined : Array.isArray(v) ? v : [v])

export class CodeIndex {
  #store: IndexStore
  #fast: Tier
  #precise: Tier | undefined
  #cascade: Required<CascadeOptions>
  #closed = false
  readonly path: string

  private constructor(
    path: string,
    store: IndexStore,
    fast: Tier,
    precise: Tier | undefined,
    cascade: Required<CascadeOptions>,
  ) {
    this.path = path
    this.#store = store
    this.#fast = fast
    this.#precise = precise
    this.#cascade = cascade
  }

  /** Opens the index file, creating it if missing; loads the tiers. */
  static async open(db: string, options: CodeIndexOptions = {}): Promise<CodeIndex> {
    checkPath('db', db)
    checkOptions(options, SCHEMAS.open)
    checkOptions(options.cascade, SCHEMAS.cascade, 'cascade')
    throwIfAborted(options.signal)
    const encoding = options.vectors ?? 'int8'
    const file = isPostgres(db) ? db : resolve(db)
    const handle: IndexStore = isPostgres(db)
      ? await PostgresStore.open(db, options.repository ?? 'default')
      : await SqliteStore.open(file, options.signal)
    const tiers: Tier[] = []
    try {
      const fast = await loadTier(options.fast ?? defaultFast(defaultModelsDir()), encoding, options.signal)
      tiers.push(fast)
      const precise =
        options.precise === undefined ? undefined : await loadTier(options.precise, encoding, options.signal)
      if (precise) tiers.push(precise)
      if (precise && precise.model.key === fast.model.key)
        throw invalidArgument('precise is the same model as fast: a cascade needs two models', 'precise')
      const cascade = { candidates: options.cascade?.candidates ?? 30, margin: options.cascade?.margin ?? 0 }
      return new CodeIndex(handle.location, handle, fast, precise, cascade)
    } catch (err) {
      for (const t of tiers) if (t.owned) await t.embedder.dispose()
      await handle.close()
      throw err
    }
  }

  #check(): void {
    if (this.#closed) throw new EmbedError('CLOSED', 'the index is closed')
  }

  /**
   * Brings the index up to date with `dir`: new and changed files are chunked, vanished ones
   * removed, then every chunk without a fast-tier vector is embedded. Each batch is its own
   * transaction: an aborted or killed update keeps what it committed, and the next one finishes.
   */
  async update(dir: string, options: UpdateOptions = {}): Promise<UpdateReport> {
    this.#check()
    const root = resolve(checkPath('dir', dir))
    checkOptions(options, SCHEMAS.update)
    throwIfAborted(options.signal)
    const { signal, onProgress } = options
    const report = (phase: UpdatePhase, done: number, total: number) => onProgress?.({ phase, done, total })
    const files = await this.#call(() =>
      this.#store.update(
        root,
        {
          maxFileBytes: options.maxFileBytes,
          includeVendored: options.includeVendored,
          maxChunkChars: options.maxChunkChars,
        },
        (done, total) => report('files', done, total),
        signal,
      ),
    )
    report('files', files.files, files.files)
    const embedded = await this.#embedPending(this.#fast, signal, (done, total) => report('embedding', done, total))
    return { ...files, embedded }
  }

  /** Embeds every chunk without a vector of the tier, in pages by chunk id. */
  async #embedPending(
    tier: Tier,
    signal: AbortSignal | undefined,
    progress: (done: number, total: number) => void,
  ): Promise<number> {
    const stats = await this.#call(() => this.#store.stats())
    const total = stats.models.find((m) => m.key === tier.model.key)?.missing ?? stats.chunks
    let after = 0
    let done = 0
    progress(0, total)
    for (;;) {
      throwIfAborted(signal)
      const page = await this.#call(() => this.#store.pending(tier.model, after, EMBED_BATCH))
      if (page.ids.length === 0) return done
      after = page.ids[page.ids.length - 1]
      const vectors = await tier.embedder.embedBatch(page.texts, { kind: 'document', signal })
      await this.#call(() => this.#store.putVectors(tier.model, page.ids, concat(vectors, tier.model.dims)))
      done += page.ids.length
      progress(Math.min(done, total), Math.max(total, done))
    }
  }

  async #call<T>(f: () => Promise<T>): Promise<T> {
    try {
      return await f()
    } catch (err) {
      throw fromNative(err, this.path)
    }
  }

  /** The `k` best chunks for a query. */
  async search(query: string, options: SearchOptions = {}): Promise<SearchHit[]> {
    return (await this.searchReport(query, options)).hits
  }

  /** `search` with what the cascade did for this query. */
  async searchReport(query: string, options: SearchOptions = {}): Promise<SearchReport> {
    this.#check()
    if (typeof query !== 'string') throw invalidArgument('query must be a string', 'query')
    const bytes = Buffer.byteLength(query)
    if (bytes > MAX_QUERY_BYTES)
      throw new EmbedError(
        'INVALID_ARGUMENT',
        `the query has ${bytes} bytes; at most ${MAX_QUERY_BYTES} are accepted`,
        {
          param: 'query',
          limit: MAX_QUERY_BYTES,
        },
      )
    checkOptions(options, SCHEMAS.search)
    throwIfAborted(options.signal)
    const k = options.k ?? 10
    const mode = options.mode ?? 'hybrid'
    const filter: native.IndexFilter = { language: list(options.language), path: list(options.path) }
    const empty = { hits: [], reranked: false, preciseEmbedded: 0 }
    if (query.trim() === '') return empty

    if (mode === 'keyword') {
      const hits = await this.#call(() => this.#store.keyword(query, k, filter))
      return { ...empty, hits: await this.#show(hits.map((h) => ({ id: h.id, score: h.score, via: ['keyword'] }))) }
    }
    const q = await this.#fast.embedder.embed(query, { kind: 'query', signal: options.signal })
    if (mode === 'vector') {
      const hits = await this.#call(() => this.#store.vector(this.#fast.model, q, k, filter))
      return { ...empty, hits: await this.#show(hits.map((h) => ({ id: h.id, score: h.score, via: ['vector'] }))) }
    }
    const depth = Math.max(k, this.#precise ? this.#cascade.candidates : 0, 50)
    const [kw, vec] = await Promise.all([
      this.#call(() => this.#store.keyword(query, depth, filter)),
      this.#call(() => this.#store.vector(this.#fast.model, q, depth, filter)),
    ])
    const fused = fuse<Retriever>([
      { via: 'keyword', ids: kw.map((h) => h.id) },
      { via: 'vector', ids: vec.map((h) => h.id) },
    ])
    const confident = vec.length < 2 || vec[0].score - vec[1].score >= this.#cascade.margin
    const rerank = this.#precise !== undefined && options.rerank !== false
    if (!rerank || (confident && this.#cascade.margin > 0))
      return { ...empty, hits: await this.#show(fused.slice(0, k)) }
    return this.#rerank(query, fused.slice(0, this.#cascade.candidates), k, filter, options.signal)
  }

  /**
   * The cascade's second stage: the precise tier scores the candidates, embedding those it has not
   * seen. The precise vectors earlier queries stored are searched too and their best join the
   * candidates (no embedding needed): the more the index is queried, the more of it the precise
   * tier covers, and the less the answer depends on the fast tier having found it.
   */
  async #rerank(
    query: string,
    fused: { id: number; via: Retriever[] }[],
    k: number,
    filter: native.IndexFilter,
    signal?: AbortSignal,
  ): Promise<SearchReport> {
    const tier = this.#precise as Tier
    const q = await tier.embedder.embed(query, { kind: 'query', signal })
    const stored = await this.#call(() => this.#store.vector(tier.model, q, this.#cascade.candidates, filter))
    const seen = new Set(fused.map((c) => c.id))
    const candidates = [
      ...fused,
      ...stored.filter((h) => !seen.has(h.id)).map((h) => ({ id: h.id, via: [] as Retriever[] })),
    ]
    const ids = candidates.map((c) => c.id)
    let scores = await this.#call(() => this.#store.scores(tier.model, q, ids))
    const unseen = ids.filter((_, i) => scores[i] === null)
    if (unseen.length > 0) {
      const page = await this.#call(() => this.#store.texts(unseen))
      if (page.ids.length > 0) {
        const vectors = await tier.embedder.embedBatch(page.texts, { kind: 'document', signal })
        await this.#call(() => this.#store.putVectors(tier.model, page.ids, concat(vectors, tier.model.dims)))
      }
      scores = await this.#call(() => this.#store.scores(tier.model, q, ids))
    }
    const ranked = candidates
      .map((c, i) => ({ id: c.id, score: scores[i] ?? -Infinity, via: [...c.via, 'precise' as const] }))
      .filter((c) => c.score > -Infinity)
      .sort((a, b) => b.score - a.score || a.id - b.id)
    return { hits: await this.#show(ranked.slice(0, k)), reranked: true, preciseEmbedded: unseen.length }
  }

  async #show(ranked: { id: number; score: number; via: Retriever[] }[]): Promise<SearchHit[]> {
    const chunks = await this.#call(() => this.#store.chunks(ranked.map((r) => r.id)))
    const byId = new Map(chunks.map((c) => [c.id, c]))
    return ranked.flatMap((r) => {
      const c = byId.get(r.id)
      if (!c) return []
      return [
        {
          path: c.path,
          startLine: c.startLine,
          endLine: c.endLine,
          symbol: c.symbol ?? null,
          language: c.language,
          score: r.score,
          via: r.via,
          text: c.text,
        },
      ]
    })
  }

  /** What the index holds: files, chunks by language, vectors by model, bytes on disk. */
  async stats(): Promise<native.IndexStats & { fast: string; precise: string | null }> {
    this.#check()
    const s = await this.#call(() => this.#store.stats())
    return { ...s, fast: this.#fast.model.key, precise: this.#precise?.model.key ?? null }
  }

  /** Closes the database and disposes the tiers the index loaded itself. */
  async close(): Promise<void> {
    if (this.#closed) return
    this.#closed = true
    await this.#store.close()
    for (const t of [this.#fast, this.#precise]) if (t?.owned) await t.embedder.dispose()
  }
}

function concat(vectors: Float32Array[], dims: number): Float32Array {
  const out = new Float32Array(vectors.length * dims)
  vectors.forEach((v, i) => out.set(v.subarray(0, dims), i * dims))
  return out
}

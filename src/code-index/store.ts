/**
 * Where an index lives. The default is one SQLite file, kept by the native addon; `postgres.ts`
 * keeps the same index in Postgres with pgvector. Both chunk, tokenise and filter with the same
 * native code, so they hold the same chunks and answer with the same ids' meaning.
 */
import * as native from '../native'
import { fromNative } from '../errors'

export interface IndexStore {
  /** The file or database, for errors and stats. */
  readonly location: string
  update(
    dir: string,
    options: native.IndexUpdateOptions,
    progress: (done: number, total: number) => void,
    signal?: AbortSignal,
  ): Promise<native.IndexUpdateReport>
  pending(model: native.IndexModel, after: number, limit: number): Promise<native.PendingChunks>
  texts(ids: number[]): Promise<native.PendingChunks>
  putVectors(model: native.IndexModel, ids: number[], vectors: Float32Array): Promise<number>
  keyword(query: string, k: number, filter: native.IndexFilter): Promise<native.IndexHit[]>
  vector(
    model: native.IndexModel,
    query: Float32Array,
    k: number,
    filter: native.IndexFilter,
  ): Promise<native.IndexHit[]>
  scores(model: native.IndexModel, query: Float32Array, ids: number[]): Promise<(number | null)[]>
  chunks(ids: number[]): Promise<native.IndexChunk[]>
  stats(): Promise<native.IndexStats>
  close(): Promise<void>
}

/** The SQLite store: every call a task on the libuv pool (crates/index). */
export class SqliteStore implements IndexStore {
  private constructor(
    readonly location: string,
    private readonly handle: native.NativeCodeIndex,
  ) {}

  static async open(file: string, signal?: AbortSignal): Promise<SqliteStore> {
    try {
      return new SqliteStore(file, await native.openCodeIndex(file, signal))
    } catch (err) {
      throw fromNative(err, file)
    }
  }

  async update(
    dir: string,
    options: native.IndexUpdateOptions,
    progress: (done: number, total: number) => void,
    signal?: AbortSignal,
  ): Promise<native.IndexUpdateReport> {
    const polled = new native.IndexProgress()
    const cancel = new native.CancelToken()
    const onAbort = () => cancel.cancel()
    signal?.addEventListener('abort', onAbort)
    const timer = setInterval(() => polled.total && progress(polled.done, polled.total), 200)
    try {
      return await this.handle.update(dir, options, polled, cancel)
    } finally {
      clearInterval(timer)
      signal?.removeEventListener('abort', onAbort)
    }
  }

  pending(model: native.IndexModel, after: number, limit: number) {
    return this.handle.pending(model, after, limit)
  }
  texts(ids: number[]) {
    return this.handle.texts(ids)
  }
  putVectors(model: native.IndexModel, ids: number[], vectors: Float32Array) {
    return this.handle.putVectors(model, ids, vectors)
  }
  keyword(query: string, k: number, filter: native.IndexFilter) {
    return this.handle.keyword(query, k, filter)
  }
  vector(model: native.IndexModel, query: Float32Array, k: number, filter: native.IndexFilter) {
    return this.handle.vector(model, query, k, filter)
  }
  scores(model: native.IndexModel, query: Float32Array, ids: number[]) {
    return this.handle.scores(model, query, ids)
  }
  chunks(ids: number[]) {
    return this.handle.chunks(ids)
  }
  stats() {
    return this.handle.stats()
  }
  close() {
    return this.handle.close()
  }
}

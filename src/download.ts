import { createHash, randomBytes } from 'node:crypto'
import { constants, lstatSync, readFileSync } from 'node:fs'
import { lstat, mkdir, open, realpath, rename, rm, writeFile, type FileHandle } from 'node:fs/promises'
import { dirname, isAbsolute, relative } from 'node:path'

import { EmbedError, invalidArgument } from './errors'
import { describe, failed, fetchInto, type Source } from './download-http'
import { acquire } from './download-lock'
import { cacheEntry, parseModelUri, type CacheEntry } from './download-uri'

export { isModelUri, parseModelUri } from './download-uri'
export type { ModelUri } from './download-uri'

/**
 * Models by name, as node-llama-cpp and ollama users expect: `hf:OWNER/REPO/PATH/FILE.gguf`
 * (optionally `@REVISION` at the end) is downloaded from the Hugging Face hub, or a mirror that
 * answers like it, into a cache folder. See README.md, "Models by name", for what is verified.
 */
export interface PullOptions {
  /** Where models are kept. @default $GGUF_EMBED_CACHE, else ~/.cache/gguf-embed */
  cacheDir?: string
  /** The hub or a mirror. @default $GGUF_EMBED_HF_ENDPOINT, else $HF_ENDPOINT, else https://huggingface.co */
  baseUrl?: string
  /** Bearer token for gated repositories, sent to the base URL's origin only. @default $HF_TOKEN */
  token?: string
  /** Times a dropped or stalled connection is resumed before giving up. @default 5 */
  retries?: number
  /** Milliseconds within which at least 64 KiB must arrive, else the connection counts as stalled. @default 30000 */
  stallTimeout?: number
  onProgress?: (progress: { received: number; total: number | undefined }) => void
  /**
   * Told what the caller should know: `Unverified` (the origin stated no SHA-256, only the size was
   * checked), `PartialDiscarded` (a `.partial` file found in the cache was not trusted and is
   * downloaded again), `Waiting` (another process is downloading this file). @default Unverified and
   * PartialDiscarded go to process.emitWarning, Waiting is dropped
   */
  onWarning?: (warning: PullWarning) => void
  signal?: AbortSignal
}

export interface PullWarning {
  kind: 'Unverified' | 'PartialDiscarded' | 'Waiting'
  message: string
}

/** The sidecar `FILE.json`: what the origin stated when the file was downloaded. */
interface Meta {
  uri: string
  url: string
  size: number
  sha256: string
  /** The origin stated a SHA-256 and the file matched it; false: only the stated size was checked. */
  verified: boolean
}

const KNOWN = new Set(['cacheDir', 'baseUrl', 'token', 'retries', 'stallTimeout', 'onProgress', 'onWarning', 'signal'])

/** Refuses what pull cannot honour, and unknown keys, so that a misspelt option fails instead of being ignored. */
function checkOptions(o: PullOptions): void {
  if (o === null || typeof o !== 'object' || Array.isArray(o)) throw invalidArgument('pull options must be an object')
  const bad = (key: string, what: string) => invalidArgument(`pull option ${key} must be ${what}`)
  for (const key of Object.keys(o))
    if (!KNOWN.has(key)) throw invalidArgument(`${key} is not a pull option (known: ${[...KNOWN].join(', ')})`)
  for (const key of ['cacheDir', 'baseUrl', 'token'] as const)
    if (o[key] !== undefined && typeof o[key] !== 'string') throw bad(key, 'a string')
  for (const key of ['onProgress', 'onWarning'] as const)
    if (o[key] !== undefined && typeof o[key] !== 'function') throw bad(key, 'a function')
  if (o.retries !== undefined && !(Number.isInteger(o.retries) && o.retries >= 0 && o.retries <= 100))
    throw bad('retries', 'an integer from 0 to 100')
  if (
    o.stallTimeout !== undefined &&
    !(Number.isFinite(o.stallTimeout) && o.stallTimeout > 0 && o.stallTimeout <= 2 ** 31 - 1)
  )
    throw bad('stallTimeout', 'a number of milliseconds above 0')
  if (o.signal !== undefined && !(o.signal instanceof AbortSignal)) throw bad('signal', 'an AbortSignal')
  if (o.baseUrl !== undefined && !/^https?:\/\/[^/]/.test(o.baseUrl)) throw bad('baseUrl', 'an http or https URL')
}

/** Where a model URI lives in the cache. */
export function cachedPath(uri: string, options: Pick<PullOptions, 'cacheDir'> = {}): string {
  return cacheEntry(uri, options.cacheDir).path
}

/** The entry's metadata when the file is in the cache as recorded; a missing or corrupt sidecar counts as no entry. */
function cached(entry: CacheEntry): Meta | undefined {
  try {
    const st = lstatSync(entry.path)
    const meta = JSON.parse(readFileSync(entry.meta, 'utf8')) as Partial<Meta> | null
    if (st.isFile() && meta?.size === st.size && typeof meta.verified === 'boolean') return meta as Meta
  } catch {
    // absent or unreadable: download (or re-verify) it
  }
  return undefined
}

async function writeMeta(entry: CacheEntry, meta: Meta): Promise<void> {
  // Written aside with O_EXCL, then renamed: a symlink planted as FILE.json is replaced, never followed.
  const tmp = `${entry.meta}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`
  await writeFile(tmp, JSON.stringify(meta) + '\n', { flag: 'wx' })
  await rename(tmp, entry.meta)
}

async function sha256Of(file: FileHandle): Promise<string> {
  const hash = createHash('sha256')
  const buf = Buffer.allocUnsafe(1 << 20)
  for (let pos = 0; ;) {
    const { bytesRead } = await file.read(buf, 0, buf.length, pos)
    if (bytesRead === 0) return hash.digest('hex')
    hash.update(buf.subarray(0, bytesRead))
    pos += bytesRead
  }
}

/** The folder must resolve inside the cache root: a symlinked folder planted in a shared cache does not redirect writes. */
async function checkFolder(entry: CacheEntry): Promise<void> {
  await mkdir(dirname(entry.path), { recursive: true })
  const rel = relative(await realpath(entry.root), await realpath(dirname(entry.path)))
  if (isAbsolute(rel) || rel.split(/[\\/]/)[0] === '..')
    throw failed('UnsafeCache', `${dirname(entry.path)} resolves outside the cache ${entry.root}`)
}

/**
 * Opens `.partial` for writing without following a symlink. What is already in it is kept only when
 * `resumable` (the origin stated a SHA-256 that will cover those bytes too) and it is a regular file.
 */
async function openPartial(path: string, resumable: boolean, warn: (w: PullWarning) => void): Promise<FileHandle> {
  const st = await lstat(path).catch(() => undefined)
  if (st && (!st.isFile() || !resumable)) {
    await rm(path, { recursive: true, force: true })
    const why = st.isFile() ? 'the origin states no SHA-256 to check its bytes against' : 'it is not a regular file'
    warn({ kind: 'PartialDiscarded', message: `${path} was not trusted (${why}): downloading from the start` })
  }
  let file: FileHandle
  try {
    file = await open(
      path,
      constants.O_RDWR | constants.O_CREAT | (constants.O_NOFOLLOW ?? 0) | (constants.O_NONBLOCK ?? 0),
      0o644,
    )
  } catch (err) {
    throw failed('UnsafeCache', `${path}: ${(err as Error).message}`, err)
  }
  if (!(await file.stat()).isFile()) {
    await file.close()
    throw failed('UnsafeCache', `${path} is not a regular file`)
  }
  return file
}

/** Downloads `source` into the entry's `.partial`, checks it, and renames it into place. */
async function download(
  uri: string,
  url: string,
  entry: CacheEntry,
  source: Source,
  options: PullOptions,
  warn: (w: PullWarning) => void,
): Promise<Meta> {
  const file = await openPartial(entry.partial, source.sha256 !== undefined, warn)
  const transfer = {
    signal: options.signal,
    stallTimeout: options.stallTimeout ?? 30_000,
    onProgress: options.onProgress,
  }
  const retries = options.retries ?? 5
  let size: number
  let sha256: string
  try {
    for (let attempt = 0; ; attempt++) {
      let have = (await file.stat()).size
      if (source.size !== undefined && have > source.size) await file.truncate((have = 0))
      try {
        size = await fetchInto(source, file, have, transfer)
        if (source.size === undefined || size >= source.size) break
        if (attempt >= retries)
          throw failed('Interrupted', `${url}: ${size} of ${source.size} bytes after ${attempt + 1} attempts`)
      } catch (err) {
        const retry = err instanceof EmbedError && ['Network', 'Interrupted', 'Stalled'].includes(err.kind ?? '')
        if (!retry || attempt >= retries) throw err
      }
    }
    if (source.size !== undefined && size !== source.size)
      throw failed('SizeMismatch', `${url}: received ${size} bytes, the origin stated ${source.size}`)
    sha256 = await sha256Of(file)
    if (source.sha256 && sha256 !== source.sha256)
      throw failed('ChecksumMismatch', `${url}: SHA-256 ${sha256}, the origin stated ${source.sha256}`)
  } catch (err) {
    if (err instanceof EmbedError && (err.kind === 'SizeMismatch' || err.kind === 'ChecksumMismatch'))
      await rm(entry.partial, { force: true })
    throw err
  } finally {
    await file.close()
  }
  await rename(entry.partial, entry.path)
  return { uri, url, size, sha256, verified: source.sha256 !== undefined }
}

/** A file already in place without a usable sidecar is kept when it matches the SHA-256 the origin states. */
async function reverify(entry: CacheEntry, source: Source): Promise<string | undefined> {
  if (!source.sha256) return undefined
  const st = await lstat(entry.path).catch(() => undefined)
  if (!st?.isFile() || (source.size !== undefined && st.size !== source.size)) return undefined
  const file = await open(entry.path, constants.O_RDONLY | (constants.O_NOFOLLOW ?? 0))
  try {
    return (await sha256Of(file)) === source.sha256 ? source.sha256 : undefined
  } finally {
    await file.close()
  }
}

async function pullLocked(
  uri: string,
  entry: CacheEntry,
  options: PullOptions,
  warn: (w: PullWarning) => void,
): Promise<Meta> {
  const { owner, repo, file, revision } = parseModelUri(uri)
  const base = (
    options.baseUrl ??
    process.env.GGUF_EMBED_HF_ENDPOINT ??
    process.env.HF_ENDPOINT ??
    'https://huggingface.co'
  ).replace(/\/+$/, '')
  const url = `${base}/${owner}/${repo}/resolve/${encodeURIComponent(revision)}/${file.split('/').map(encodeURIComponent).join('/')}`
  const token = options.token ?? process.env.HF_TOKEN
  const transfer = { signal: options.signal, stallTimeout: options.stallTimeout ?? 30_000 }
  const source = await describe(url, token ? `Bearer ${token}` : undefined, transfer)
  if (source.size === undefined && source.sha256 === undefined) {
    throw failed(
      'Unverifiable',
      `${url}: the origin states neither a size nor a SHA-256, so nothing it sends could be checked`,
    )
  }
  const sha256 = await reverify(entry, source)
  if (sha256) return { uri, url, size: (await lstat(entry.path)).size, sha256, verified: true }
  return download(uri, url, entry, source, options, warn)
}

/**
 * Downloads `uri` into the cache (or finds it there) and returns the local path. Concurrent calls
 * for one file, in this process or others, take turns on `FILE.lock`; the later ones find the file
 * in the cache. Rejects with INVALID_ARGUMENT (a malformed URI, `kind` naming the part), ABORTED,
 * or DOWNLOAD_FAILED with `kind`: NotFound, Unauthorized, Http, Network, Interrupted, Stalled,
 * SizeMismatch, ChecksumMismatch, Unverifiable, UnsafeCache or Io.
 */
export async function pull(uri: string, options: PullOptions = {}): Promise<string> {
  checkOptions(options)
  const entry = cacheEntry(uri, options.cacheDir)
  const warn = (w: PullWarning) => {
    if (options.onWarning) options.onWarning(w)
    else if (w.kind !== 'Waiting') process.emitWarning(w.message, { code: `GGUF_EMBED_${w.kind.toUpperCase()}` })
  }
  const found = (meta: Meta) => {
    if (!meta.verified)
      warn({ kind: 'Unverified', message: `${entry.path}: the origin stated no SHA-256; only its size was checked` })
    return entry.path
  }
  try {
    const hit = cached(entry)
    if (hit) return found(hit)
    await checkFolder(entry)
    const lock = await acquire(entry.lock, {
      signal: options.signal,
      onWait: (h) =>
        warn({
          kind: 'Waiting',
          message: `${entry.path} is being downloaded by process ${h.pid ?? '?'}${h.host ? `@${h.host}` : ''}; waiting`,
        }),
    })
    try {
      const again = cached(entry)
      if (again) return found(again)
      const meta = await pullLocked(uri, entry, options, warn)
      await writeMeta(entry, meta)
      return found(meta)
    } finally {
      await lock.release()
    }
  } catch (err) {
    if (options.signal?.aborted)
      throw new EmbedError('ABORTED', 'the download was aborted (a partial file is kept to resume)', { cause: err })
    if (err instanceof EmbedError) throw err
    throw failed('Io', `${entry.path}: ${(err as Error).message}`, err)
  }
}

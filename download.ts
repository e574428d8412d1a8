import { createHash } from 'node:crypto'
import { createReadStream, createWriteStream, existsSync, mkdirSync, renameSync, rmSync, statSync, writeFileSync, readFileSync } from 'node:fs'
import { homedir } from 'node:os'
import { dirname, join } from 'node:path'

import { EmbedError, invalidArgument } from './errors'

/**
 * Models by name, as node-llama-cpp and ollama users expect: `hf:OWNER/REPO/PATH/FILE.gguf`
 * (optionally `@REVISION` at the end) is downloaded from the Hugging Face hub, or a mirror that
 * answers like it, into a cache folder. A download resumes where it stopped (HTTP Range), checks the
 * size and SHA-256 the server states, and never leaves a half-written file under the final name
 * (it is written as `.partial`, then renamed).
 */
export interface PullOptions {
  /** Where models are kept. @default $GGUF_EMBED_CACHE, else ~/.cache/gguf-embed */
  cacheDir?: string
  /** The hub or a mirror. @default $GGUF_EMBED_HF_ENDPOINT, else $HF_ENDPOINT, else https://huggingface.co */
  baseUrl?: string
  /** Bearer token for gated repositories. @default $HF_TOKEN */
  token?: string
  /** Times a dropped connection is resumed before giving up. @default 5 */
  retries?: number
  onProgress?: (progress: { received: number; total: number | undefined }) => void
  signal?: AbortSignal
}

export interface ModelUri {
  owner: string
  repo: string
  file: string
  revision: string
}

const URI = /^hf:([\w.-]+)\/([\w.-]+)\/((?:[\w.\-+ ]+\/)*[\w.\-+ ]+?)(?:@([\w.\-/]+))?$/

/** Whether a model argument names a hub file rather than a local path. */
export function isModelUri(s: string): boolean {
  return s.startsWith('hf:')
}

export function parseModelUri(uri: string): ModelUri {
  const m = URI.exec(uri)
  if (!m || m[3].split('/').some((part) => part === '..' || part === '.')) {
    throw invalidArgument(`not a model URI: ${JSON.stringify(uri)} (expected hf:OWNER/REPO/FILE.gguf[@REVISION])`)
  }
  return { owner: m[1], repo: m[2], file: m[3], revision: m[4] ?? 'main' }
}

function failed(kind: string, message: string, cause?: unknown): EmbedError {
  return new EmbedError('DOWNLOAD_FAILED', message, { kind, cause })
}

/** Where a model URI lives in the cache. */
export function cachedPath(uri: string, options: Pick<PullOptions, 'cacheDir'> = {}): string {
  const { owner, repo, file, revision } = parseModelUri(uri)
  const root = options.cacheDir ?? process.env.GGUF_EMBED_CACHE ?? join(homedir(), '.cache', 'gguf-embed')
  return join(root, 'hf', owner, repo, revision.replace(/\//g, '%2F'), file)
}

interface Expected {
  size?: number
  sha256?: string
  url: string
}

const SHA256 = /^"?([0-9a-f]{64})"?$/

/** The hub's answer for a file: its size and SHA-256 (LFS files state both on the resolve redirect). */
async function resolve(url: string, headers: Record<string, string>, signal?: AbortSignal): Promise<Expected> {
  let res: Response
  try {
    res = await fetch(url, { method: 'HEAD', redirect: 'manual', headers, signal })
  } catch (err) {
    throw failed('Network', `cannot reach ${url}: ${(err as Error).message}`, err)
  }
  if (res.status === 404) throw failed('NotFound', `${url}: not found (404)`)
  if (res.status === 401 || res.status === 403) throw failed('Unauthorized', `${url}: ${res.status} (a gated repository needs HF_TOKEN)`)
  const location = res.headers.get('location')
  const next = res.status >= 300 && res.status < 400 && location ? new URL(location, url).toString() : url
  if (res.status >= 400) throw failed('Http', `${url}: HTTP ${res.status}`)
  const size = Number(res.headers.get('x-linked-size') ?? res.headers.get('content-length') ?? NaN)
  const etag = res.headers.get('x-linked-etag') ?? res.headers.get('etag') ?? ''
  return { url: next, size: Number.isFinite(size) ? size : undefined, sha256: SHA256.exec(etag)?.[1] }
}

async function sha256Of(path: string): Promise<string> {
  const hash = createHash('sha256')
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer)
  return hash.digest('hex')
}

/** One attempt: appends to `.partial` from its current length (or starts it over when the server sends the whole file). */
async function fetchInto(partial: string, want: Expected, headers: Record<string, string>, options: PullOptions): Promise<void> {
  const have = existsSync(partial) ? statSync(partial).size : 0
  const res = await fetch(want.url, {
    headers: have > 0 ? { ...headers, range: `bytes=${have}-` } : headers,
    signal: options.signal,
  })
  if (res.status === 404) throw failed('NotFound', `${want.url}: not found (404)`)
  if (res.status === 416) return // the partial already holds everything
  if (!res.ok || !res.body) throw failed('Http', `${want.url}: HTTP ${res.status}`)
  // 206: the server resumes; 200: it sends the whole file again, so start over.
  const resumed = res.status === 206
  const total = want.size ?? (Number(res.headers.get('content-length')) + (resumed ? have : 0) || undefined)
  let received = resumed ? have : 0
  const out = createWriteStream(partial, { flags: resumed ? 'a' : 'w' })
  try {
    for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
      received += chunk.length
      if (!out.write(chunk)) await new Promise<void>((r) => out.once('drain', () => r()))
      options.onProgress?.({ received, total })
    }
  } finally {
    await new Promise<void>((r, j) => out.end((err?: Error | null) => (err ? j(err) : r())))
  }
}

/**
 * Downloads `uri` into the cache (or finds it there) and returns the local path. A dropped
 * connection is resumed with a Range request; a size or checksum that differs from what the
 * server stated deletes the download and rejects with DOWNLOAD_FAILED (kind `SizeMismatch`,
 * `ChecksumMismatch`), as do `NotFound` (404), `Unauthorized`, `Http` and `Network`.
 */
export async function pull(uri: string, options: PullOptions = {}): Promise<string> {
  const { owner, repo, file, revision } = parseModelUri(uri)
  const path = cachedPath(uri, options)
  const meta = `${path}.json`
  if (existsSync(path) && existsSync(meta)) {
    const known = JSON.parse(readFileSync(meta, 'utf8')) as { size?: number }
    if (known.size === undefined || known.size === statSync(path).size) return path
  }
  const base = (options.baseUrl ?? process.env.GGUF_EMBED_HF_ENDPOINT ?? process.env.HF_ENDPOINT ?? 'https://huggingface.co').replace(/\/+$/, '')
  const url = `${base}/${owner}/${repo}/resolve/${encodeURIComponent(revision)}/${file.split('/').map(encodeURIComponent).join('/')}`
  const token = options.token ?? process.env.HF_TOKEN
  const headers: Record<string, string> = token ? { authorization: `Bearer ${token}` } : {}
  const want = await resolve(url, headers, options.signal)
  mkdirSync(dirname(path), { recursive: true })
  const partial = `${path}.partial`
  const retries = options.retries ?? 5
  for (let attempt = 0; ; attempt++) {
    try {
      await fetchInto(partial, want, headers, options)
      const size = statSync(partial).size
      if (want.size === undefined || size >= want.size) break
      if (attempt >= retries) throw failed('Interrupted', `${url}: ${size} of ${want.size} bytes after ${attempt + 1} attempts`)
    } catch (err) {
      if (options.signal?.aborted) throw new EmbedError('ABORTED', 'the download was aborted (the partial file is kept to resume)')
      if (err instanceof EmbedError) throw err
      if (attempt >= retries) throw failed('Interrupted', `${url}: ${(err as Error).message} after ${attempt + 1} attempts`, err)
    }
  }
  const size = statSync(partial).size
  if (want.size !== undefined && size !== want.size) {
    rmSync(partial, { force: true })
    throw failed('SizeMismatch', `${url}: received ${size} bytes, the server stated ${want.size}`)
  }
  const sha256 = await sha256Of(partial)
  if (want.sha256 && sha256 !== want.sha256) {
    rmSync(partial, { force: true })
    throw failed('ChecksumMismatch', `${url}: SHA-256 ${sha256}, the server stated ${want.sha256}`)
  }
  renameSync(partial, path)
  writeFileSync(meta, JSON.stringify({ uri, url, size, sha256, verified: want.sha256 !== undefined }) + '\n')
  return path
}

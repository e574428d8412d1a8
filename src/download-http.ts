import type { FileHandle } from 'node:fs/promises'

import { EmbedError } from './errors'

export function failed(kind: string, message: string, cause?: unknown): EmbedError {
  return new EmbedError('DOWNLOAD_FAILED', message, { kind, cause })
}

/** What the origin states about a file and where to fetch it; `authorization` only while still on the token's origin. */
export interface Source {
  url: string
  size?: number
  sha256?: string
  authorization?: string
}

export interface Transfer {
  signal?: AbortSignal
  /** Milliseconds in which at least STALL_BYTES must arrive. */
  stallTimeout: number
  onProgress?: (progress: { received: number; total: number | undefined }) => void
}

const MAX_REDIRECTS = 10
// A trickle of a few bytes a second would otherwise keep a connection alive for ever.
const STALL_BYTES = 64 * 1024
const SHA256 = /^(?:W\/)?"?([0-9a-f]{64})"?$/

/** Aborts a request that receives less than STALL_BYTES in `ms` (headers count as progress). */
class Watchdog {
  readonly #own = new AbortController()
  readonly signal: AbortSignal
  #bytes = 0
  readonly #timer: NodeJS.Timeout

  constructor(ms: number, outer?: AbortSignal) {
    this.signal = outer ? AbortSignal.any([outer, this.#own.signal]) : this.#own.signal
    this.#timer = setTimeout(() => this.#own.abort(), ms)
  }

  progress(bytes: number, reset = false): void {
    this.#bytes += bytes
    if (reset || this.#bytes >= STALL_BYTES) {
      this.#bytes = 0
      this.#timer.refresh()
    }
  }

  /** The error to report for `err`, thrown while the request or its body was in flight. */
  error(err: unknown, outer: AbortSignal | undefined, what: string, streaming: boolean): EmbedError {
    if (err instanceof EmbedError) return err
    if (outer?.aborted)
      return new EmbedError('ABORTED', 'the download was aborted (a partial file is kept to resume)', { cause: err })
    // A file system error (a full disk) is not the connection's fault and is not retried.
    if ((err as NodeJS.ErrnoException)?.syscall) return failed('Io', `${what}: ${(err as Error).message}`, err)
    if (this.#own.signal.aborted)
      return failed('Stalled', `${what}: less than ${STALL_BYTES} bytes arrived in the stall timeout`, err)
    const detail =
      (err as Error)?.cause instanceof Error ? ((err as Error).cause as Error).message : (err as Error)?.message
    return failed(streaming ? 'Interrupted' : 'Network', `${what}: ${detail}`, err)
  }

  dispose(): void {
    clearTimeout(this.#timer)
  }
}

function byteCount(value: string | null): number | undefined {
  return value !== null && /^\d{1,15}$/.test(value.trim()) ? Number(value) : undefined
}

/**
 * One request that follows redirects by hand, so that the token never reaches an origin other than
 * the one it was given for: once a hop leaves that origin the rest of the chain goes without it
 * (as huggingface_hub does). `stop` ends the chain early on a redirect worth reading itself.
 */
async function request(
  url: string,
  method: 'GET' | 'HEAD',
  headers: Record<string, string>,
  authorization: string | undefined,
  signal: AbortSignal,
  stop: (res: Response) => boolean = () => false,
): Promise<{ res: Response; url: string; authorization?: string }> {
  for (let hops = 0; ; hops++) {
    // identity: a compressed answer would state the compressed size, not the file's.
    const all = { ...headers, 'accept-encoding': 'identity', ...(authorization ? { authorization } : {}) }
    const res = await fetch(url, { method, headers: all, redirect: 'manual', signal })
    const location = res.headers.get('location')
    if (res.status < 300 || res.status >= 400 || !location || stop(res)) return { res, url, authorization }
    await res.body?.cancel()
    if (hops >= MAX_REDIRECTS) throw failed('Http', `${url}: more than ${MAX_REDIRECTS} redirects`)
    const next = web(location, url)
    if (next.origin !== new URL(url).origin) authorization = undefined
    url = next.toString()
  }
}

/** A redirect target, which must be http or https. */
function web(location: string, from: string): URL {
  const next = URL.canParse(location, from) ? new URL(location, from) : undefined
  if (next?.protocol !== 'https:' && next?.protocol !== 'http:')
    throw failed('Http', `${from}: redirect to ${JSON.stringify(location)}`)
  return next
}

function httpError(url: string, status: number): EmbedError {
  if (status === 404) return failed('NotFound', `${url}: not found (404)`)
  if (status === 401 || status === 403)
    return failed('Unauthorized', `${url}: ${status} (a gated repository needs HF_TOKEN)`)
  return failed('Http', `${url}: HTTP ${status}`)
}

/**
 * Asks the origin what it states about a file: the hub answers a HEAD on `resolve` with a redirect
 * carrying x-linked-size and x-linked-etag (the SHA-256); a plain server answers 200 with
 * content-length and perhaps an etag.
 */
export async function describe(url: string, authorization: string | undefined, transfer: Transfer): Promise<Source> {
  const dog = new Watchdog(transfer.stallTimeout, transfer.signal)
  try {
    const linked = (res: Response) => res.headers.has('x-linked-size') || res.headers.has('x-linked-etag')
    const hop = await request(url, 'HEAD', {}, authorization, dog.signal, linked)
    const { res } = hop
    await res.body?.cancel()
    const location = res.headers.get('location')
    const redirected = res.status >= 300 && res.status < 400 && location !== null
    if (!redirected && !res.ok) throw httpError(hop.url, res.status)
    const next = redirected ? web(location, hop.url) : new URL(hop.url)
    const etag = res.headers.get('x-linked-etag') ?? res.headers.get('etag') ?? ''
    return {
      url: next.toString(),
      size:
        byteCount(res.headers.get('x-linked-size')) ??
        (redirected ? undefined : byteCount(res.headers.get('content-length'))),
      sha256: SHA256.exec(etag.trim())?.[1],
      authorization: next.origin === new URL(hop.url).origin ? hop.authorization : undefined,
    }
  } catch (err) {
    throw dog.error(err, transfer.signal, url, false)
  } finally {
    dog.dispose()
  }
}

/**
 * One attempt: writes the file into `file` from byte `have` (a Range request) or from the start when
 * the server sends it whole, never past the size the origin stated. Returns the bytes the file holds.
 */
export async function fetchInto(source: Source, file: FileHandle, have: number, transfer: Transfer): Promise<number> {
  const dog = new Watchdog(transfer.stallTimeout, transfer.signal)
  let streaming = false
  try {
    const { res, url } = await request(
      source.url,
      'GET',
      have > 0 ? { range: `bytes=${have}-` } : {},
      source.authorization,
      dog.signal,
    )
    dog.progress(0, true)
    if (res.status === 416 && have > 0) {
      await res.body?.cancel()
      return have
    }
    if (!res.ok || !res.body) throw httpError(url, res.status)
    let received = 0
    if (res.status === 206) {
      const start = /^bytes (\d+)-/.exec(res.headers.get('content-range') ?? '')?.[1]
      if (Number(start) !== have)
        throw failed(
          'Http',
          `${url}: asked for bytes from ${have}, got content-range ${res.headers.get('content-range')}`,
        )
      received = have
    } else {
      await file.truncate(0)
    }
    const total = source.size ?? ((byteCount(res.headers.get('content-length')) ?? NaN) + received || undefined)
    streaming = true
    for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
      if (source.size !== undefined && received + chunk.length > source.size) {
        throw failed('SizeMismatch', `${url}: more than the ${source.size} bytes the origin stated`)
      }
      await file.write(chunk, 0, chunk.length, received)
      received += chunk.length
      dog.progress(chunk.length)
      transfer.onProgress?.({ received, total })
    }
    return received
  } catch (err) {
    throw dog.error(err, transfer.signal, source.url, streaming)
  } finally {
    dog.dispose()
  }
}

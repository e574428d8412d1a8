/** Reading a request body as JSON, bounded in bytes and in what it may claim to be. */
import type { IncomingMessage } from 'node:http'

import { HttpError, badRequest } from './errors'

/** The client went away before its request was read or answered: nothing is sent back. */
export class ClientGone extends Error {
  constructor() {
    super('the client closed the connection')
    this.name = 'ClientGone'
  }
}

export const tooLarge = (limit: number) =>
  new HttpError(
    413,
    'invalid_request_error',
    'request_too_large',
    `the request body is larger than the limit of ${limit} bytes`,
  )

/** A declared Content-Length above the limit, or null when the body may be read. */
export function declaredTooLarge(req: IncomingMessage, limit: number): HttpError | null {
  const declared = req.headers['content-length']
  return declared !== undefined && Number(declared) > limit ? tooLarge(limit) : null
}

/**
 * Reads the body and parses it as JSON. A body over `limit` bytes is refused with 413 as soon as
 * it is declared (Content-Length) or reached (chunked), and the rest is not buffered: the caller
 * answers and closes the connection. Only JSON is accepted, uncompressed: a browser cannot send
 * `application/json` cross-origin without a CORS preflight this server never grants.
 */
export function readJson(req: IncomingMessage, limit: number): Promise<unknown> {
  const type = req.headers['content-type']
  if (type === undefined || !/^application\/([\w.+-]+\+)?json\s*(;|$)/i.test(type)) {
    return Promise.reject(
      new HttpError(
        415,
        'invalid_request_error',
        'unsupported_media_type',
        `the body must be JSON (Content-Type: application/json), got ${type ?? 'no Content-Type'}`,
      ),
    )
  }
  const encoding = req.headers['content-encoding']
  if (encoding !== undefined && encoding.toLowerCase() !== 'identity') {
    return Promise.reject(
      new HttpError(
        415,
        'invalid_request_error',
        'unsupported_media_type',
        `Content-Encoding ${encoding} is not accepted`,
      ),
    )
  }
  const declared = declaredTooLarge(req, limit)
  if (declared) return Promise.reject(declared)

  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = []
    let size = 0
    const cleanup = () => {
      req.off('data', onData)
      req.off('end', onEnd)
      req.off('close', onClose)
      req.off('error', onClose)
    }
    const onData = (chunk: Buffer) => {
      size += chunk.length
      if (size > limit) {
        cleanup()
        req.pause()
        chunks.length = 0
        reject(tooLarge(limit))
        return
      }
      chunks.push(chunk)
    }
    const onEnd = () => {
      cleanup()
      const text = Buffer.concat(chunks, size).toString('utf8')
      try {
        resolve(JSON.parse(text))
      } catch (err) {
        reject(badRequest(`the body is not valid JSON: ${(err as Error).message}`, null, 'invalid_json'))
      }
    }
    const onClose = () => {
      cleanup()
      reject(new ClientGone())
    }
    req.on('data', onData)
    req.on('end', onEnd)
    req.on('close', onClose)
    req.on('error', onClose)
  })
}

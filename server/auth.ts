/** Bearer-key check for the embedding routes. */
import { createHash, timingSafeEqual } from 'node:crypto'

import { HttpError } from './errors'
import { invalidArgument } from '../errors'

const digest = (s: string) => createHash('sha256').update(s, 'utf8').digest()

/**
 * Returns a check that throws 401 unless the Authorization header carries `Bearer <key>`. Both
 * sides are hashed first so timingSafeEqual compares equal-length digests: the comparison takes
 * the same time whatever the guess, and the key's length does not leak either.
 * The body matches OpenAI's (type invalid_request_error, code invalid_api_key).
 * With no key, every request passes (the server binds to loopback unless told otherwise).
 */
export function bearerCheck(key: string | undefined): (authorization: string | undefined) => void {
  if (key === undefined) return () => {}
  if (typeof key !== 'string' || key.length === 0) throw invalidArgument('apiKey must be a non-empty string')
  const expected = digest(key)
  return (authorization) => {
    const match = /^Bearer +(\S+) *$/i.exec(authorization ?? '')
    if (!match) {
      throw new HttpError(401, 'invalid_request_error', 'missing_api_key', 'an API key is required: send "Authorization: Bearer <key>"')
    }
    if (!timingSafeEqual(digest(match[1]), expected)) {
      throw new HttpError(401, 'invalid_request_error', 'invalid_api_key', 'the API key is not valid')
    }
  }
}

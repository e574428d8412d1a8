/** API keys: what a key may be, which addresses may go without one, and the bearer check itself. */
import { createHash, timingSafeEqual } from 'node:crypto'
import { BlockList, isIP } from 'node:net'

import { HttpError } from './errors'
import { invalidArgument } from '../errors'

/**
 * Why `key` cannot be an API key, or null when it can. Clients send the key as a bearer token, a
 * run of visible ASCII: a key with a space, a control character or a non-ASCII letter would be
 * accepted at start and then match no request, every one answered 401.
 */
export function apiKeyProblem(key: unknown): string | null {
  if (typeof key !== 'string') return 'must be a string'
  if (key.length === 0) return 'is empty'
  if (!/^[\x21-\x7e]+$/.test(key))
    return 'may hold only visible ASCII characters (no spaces, control or non-ASCII characters), as a bearer token does'
  return null
}

const loopback = new BlockList()
loopback.addSubnet('127.0.0.0', 8, 'ipv4')
loopback.addAddress('::1', 'ipv6')

/** Whether binding `host` keeps the server reachable from this machine only: 127.0.0.0/8, ::1 (also IPv4-mapped) or localhost. */
export function isLoopback(host: string): boolean {
  if (/^localhost\.?$/i.test(host)) return true
  const family = isIP(host)
  return family !== 0 && loopback.check(host, family === 4 ? 'ipv4' : 'ipv6')
}

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
  const problem = apiKeyProblem(key)
  if (problem) throw invalidArgument(`apiKey ${problem}`)
  const expected = digest(key)
  return (authorization) => {
    const match = /^Bearer +(\S+) *$/i.exec(authorization ?? '')
    if (!match) {
      throw new HttpError(
        401,
        'invalid_request_error',
        'missing_api_key',
        'an API key is required: send "Authorization: Bearer <key>"',
      )
    }
    if (!timingSafeEqual(digest(match[1]), expected)) {
      throw new HttpError(401, 'invalid_request_error', 'invalid_api_key', 'the API key is not valid')
    }
  }
}

/**
 * The `input` of an embeddings request as OpenAI (and TEI) clients send it: a string, an array of
 * strings, one token array (number[]), or an array of token arrays. Checked here so that a wrong
 * type is a 400 naming the field, before anything is queued.
 */
import type { EmbedInput } from '../embedder'
import { badRequest } from './errors'

/** A short description of a wrong value for an error message (never the whole value: it may be megabytes). */
export function preview(v: unknown): string {
  if (v === null) return 'null'
  if (Array.isArray(v)) return `an array`
  if (typeof v === 'object') return 'an object'
  const s = JSON.stringify(v) ?? typeof v
  return s.length > 40 ? `${s.slice(0, 37)}...` : s
}

const isTokenId = (v: unknown): v is number =>
  typeof v === 'number' && Number.isInteger(v) && v >= 0 && v <= 2 ** 31 - 1

/** What a deployment accepts as `input`, beyond the types. */
export interface InputRules {
  /** Inputs per request. */
  maxInputs: number
  /**
   * Token arrays (number[] or number[][]). A client that tokenizes for another model (LangChain's
   * OpenAIEmbeddings sends tiktoken ids by default) gets vectors of the wrong tokens, silently: a
   * deployment that never expects ids refuses them instead.
   */
  tokenInput: boolean
}

function tokenArray(value: unknown[], where: string, param: string, rules: InputRules): number[] {
  if (!rules.tokenInput) {
    throw badRequest(
      `${where} is a token array; this server accepts text only (token ids are read as its own model's, not the client's tokenizer's)`,
      param,
      'token_input_disabled',
    )
  }
  if (value.length === 0) throw badRequest(`${where} is an empty token array`, param)
  for (let j = 0; j < value.length; j++) {
    if (!isTokenId(value[j]))
      throw badRequest(`${where}[${j}] must be a token id (a non-negative integer), got ${preview(value[j])}`, param)
  }
  return value as number[]
}

/**
 * Token arrays are passed as given: ids outside the vocabulary are refused by the library (400),
 * and no prefix or special tokens are added, as with OpenAI's token input.
 */
export function parseInput(value: unknown, param: string, rules: InputRules): EmbedInput[] {
  if (value === undefined || value === null) throw badRequest(`"${param}" is required`, param)
  if (typeof value === 'string') {
    if (value.length === 0) throw badRequest(`"${param}" must not be an empty string`, param)
    return [value]
  }
  if (!Array.isArray(value)) {
    throw badRequest(`"${param}" must be a string, an array of strings, or token arrays, got ${typeof value}`, param)
  }
  if (value.length === 0) throw badRequest(`"${param}" must not be an empty array`, param)
  // An array whose first element is a number is one token sequence.
  if (typeof value[0] === 'number') return [tokenArray(value, param, param, rules)]
  if (value.length > rules.maxInputs)
    throw badRequest(`"${param}" has ${value.length} inputs, more than the limit of ${rules.maxInputs}`, param)
  return value.map((item, i) => {
    const where = `${param}[${i}]`
    if (typeof item === 'string') {
      if (item.length === 0) throw badRequest(`${where} must not be an empty string`, param)
      return item
    }
    if (Array.isArray(item)) return tokenArray(item, where, param, rules)
    throw badRequest(
      `${where} must be a string or an array of token ids, got ${item === null ? 'null' : typeof item}`,
      param,
    )
  })
}

/** An optional positive integer field (dimensions). */
export function optionalPositiveInt(value: unknown, param: string): number | undefined {
  if (value === undefined || value === null) return undefined
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1 || value > 2 ** 31 - 1) {
    throw badRequest(`"${param}" must be a positive integer, got ${preview(value)}`, param)
  }
  return value
}

/** The request body must be a JSON object (not an array, string or null). */
export function requireObject(body: unknown): Record<string, unknown> {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) {
    throw badRequest(
      `the body must be a JSON object, got ${body === null ? 'null' : Array.isArray(body) ? 'an array' : typeof body}`,
    )
  }
  return body as Record<string, unknown>
}

/** POST /v1/embeddings as OpenAI defines it: request checks and the response body. */
import { endianness } from 'node:os'

import type { EmbedInput, Kind } from '../embedder'
import { badRequest } from './errors'
import { optionalPositiveInt, parseInput, preview, requireObject, type InputRules } from './input'

export interface OpenAIRequest {
  inputs: EmbedInput[]
  dimensions?: number
  encoding: 'float' | 'base64'
  /** Extension (as Voyage and NVIDIA NIM name it): which prefix of the model profile to add. @default 'document' */
  kind?: Kind
}

/** Unknown fields are ignored, as OpenAI-compatible servers do, so newer clients keep working. */
export function parseRequest(body: unknown, rules: InputRules): OpenAIRequest {
  const o = requireObject(body)
  const inputs = parseInput(o.input, 'input', rules)
  if (o.model !== undefined && o.model !== null && typeof o.model !== 'string') {
    throw badRequest(`"model" must be a string, got ${preview(o.model)}`, 'model')
  }
  if (o.user !== undefined && o.user !== null && typeof o.user !== 'string') {
    throw badRequest(`"user" must be a string, got ${preview(o.user)}`, 'user')
  }
  const format = o.encoding_format ?? 'float'
  if (format !== 'float' && format !== 'base64') {
    throw badRequest(`"encoding_format" must be "float" or "base64", got ${preview(format)}`, 'encoding_format')
  }
  const kind = o.input_type ?? undefined
  if (kind !== undefined && kind !== 'query' && kind !== 'document') {
    throw badRequest(`"input_type" must be "query" or "document", got ${preview(kind)}`, 'input_type')
  }
  return { inputs, dimensions: optionalPositiveInt(o.dimensions, 'dimensions'), encoding: format, kind }
}

const bigEndian = endianness() === 'BE'

/** The vector's float32 values as little-endian bytes in base64: what the openai client decodes. */
export function base64(v: Float32Array): string {
  const bytes = Buffer.from(v.buffer, v.byteOffset, v.byteLength)
  return (bigEndian ? Buffer.from(bytes).swap32() : bytes).toString('base64')
}

export function responseBody(
  vectors: Float32Array[],
  tokens: number[],
  encoding: 'float' | 'base64',
  model: string,
): string {
  const promptTokens = tokens.reduce((a, b) => a + b, 0)
  return JSON.stringify({
    object: 'list',
    data: vectors.map((v, index) => ({
      object: 'embedding',
      index,
      embedding: encoding === 'base64' ? base64(v) : Array.from(v),
    })),
    model,
    usage: { prompt_tokens: promptTokens, total_tokens: promptTokens },
  })
}

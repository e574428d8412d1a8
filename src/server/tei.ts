/**
 * POST /embed as Hugging Face text-embeddings-inference (TEI) defines it, for clients written
 * against TEI. Options the loaded Embedder cannot honour per request (normalize, truncate, the
 * truncation side) are refused with 400 when asked for explicitly, never silently ignored.
 */
import type { EmbedderInfo, EmbedInput, Kind } from '../embedder'
import { HttpError, badRequest } from './errors'
import { optionalPositiveInt, parseInput, preview, requireObject, type InputRules } from './input'

export interface TeiRequest {
  inputs: EmbedInput[]
  dimensions?: number
  kind?: Kind
}

function optionalBool(value: unknown, param: string): boolean | undefined {
  if (value === undefined || value === null) return undefined
  if (typeof value !== 'boolean') throw badRequest(`"${param}" must be a boolean, got ${preview(value)}`, param)
  return value
}

export function parseRequest(body: unknown, rules: InputRules, info: EmbedderInfo): TeiRequest {
  const o = requireObject(body)
  const inputs = parseInput(o.inputs, 'inputs', rules)
  const normalize = optionalBool(o.normalize, 'normalize')
  if (normalize !== undefined && normalize !== info.normalize) {
    throw badRequest(
      `this server's model is loaded with normalize: ${info.normalize}; "normalize": ${normalize} cannot be honoured`,
      'normalize',
    )
  }
  // The Embedder cuts over-long inputs (truncate 'end') or refuses them ('error'), for every call.
  const truncate = optionalBool(o.truncate, 'truncate')
  if (truncate !== undefined && truncate !== (info.truncate === 'end')) {
    throw badRequest(
      truncate
        ? `this server refuses over-long inputs (limit ${info.contextSize} tokens); "truncate": true cannot be honoured`
        : `this server cuts over-long inputs to ${info.contextSize} tokens; "truncate": false cannot be honoured`,
      'truncate',
    )
  }
  const direction = o.truncation_direction ?? undefined
  if (direction !== undefined && direction !== 'Right' && direction !== 'right') {
    throw badRequest(
      `"truncation_direction" ${preview(direction)} cannot be honoured: only "Right" (the end is cut)`,
      'truncation_direction',
    )
  }
  // TEI's prompt_name picks a prompt of the model's configuration; ours are the profile's query and document prefixes.
  const prompt = o.prompt_name ?? undefined
  if (prompt !== undefined && prompt !== 'query' && prompt !== 'document') {
    throw badRequest(`"prompt_name" must be "query" or "document", got ${preview(prompt)}`, 'prompt_name')
  }
  return { inputs, dimensions: optionalPositiveInt(o.dimensions, 'dimensions'), kind: prompt }
}

/** TEI's error body: `{ error, error_type }`. */
export function errorBody(err: HttpError): string {
  const type =
    err.status === 429
      ? 'Overloaded'
      : err.status === 503
        ? 'Unhealthy'
        : err.status === 401
          ? 'Unauthorized'
          : err.status >= 500
            ? 'Backend'
            : 'Validation'
  return JSON.stringify({ error: err.message, error_type: type })
}

/** number[][]: one array of floats per input. */
export function responseBody(vectors: Float32Array[]): string {
  return JSON.stringify(vectors.map((v) => Array.from(v)))
}

/**
 * Argument checks for every public call, in one place. A value of the wrong type, outside its range
 * or closed set, or an option the call does not know is INVALID_ARGUMENT naming it, before anything
 * reaches the native binding: its u32 conversion would truncate 2.5, wrap -5 and 2^32 + 1 and turn
 * NaN into 0, and a wrongly typed option would come back as INTERNAL.
 */
import { EmbedError, invalidArgument } from './errors'
import type * as native from './native'
import type { EmbedInput } from './embedder'

/** Inclusive bounds of an integer option; `only` narrows it to a few values. */
export interface IntRange {
  readonly min: number
  readonly max: number
  readonly only?: readonly number[]
}

/** The ranges of every numeric option and CLI flag (the CLI parses flags against the same ones). */
export const RANGES = {
  /** The engine's own bound on inference threads. */
  threads: { min: 1, max: 1024 },
  /** Tokens, dimensions, queue slots: the engine holds them in 32-bit signed ints. */
  count: { min: 1, max: 2 ** 31 - 1 },
  bytes: { min: 1, max: Number.MAX_SAFE_INTEGER },
  bits: { min: 4, max: 8, only: [8, 4] },
  /** Reader limits: 0 is a valid (refuse everything) bound. */
  limit: { min: 0, max: Number.MAX_SAFE_INTEGER },
  alignment: { min: 0, max: 2 ** 32 - 1 },
} as const satisfies Record<string, IntRange>

/**
 * The values of a closed set whose type the binding declares (crates/node/src/choices.rs), for
 * checking arguments at run time. It does not compile unless it lists every value of `T`, so the
 * list cannot drift from the Rust enum.
 */
const closedSet =
  <T extends string>() =>
  <const A extends readonly T[]>(
    values: A & ([T] extends [A[number]] ? unknown : ['missing', Exclude<T, A[number]>]),
  ): A =>
    values

export const POOLINGS = closedSet<native.Pooling>()(['model', 'mean', 'cls', 'last'])
export const TRUNCATES = closedSet<native.Truncate>()(['end', 'error'])
export const KINDS = closedSet<native.Kind>()(['query', 'document'])
export const DISTILL_SOURCES = closedSet<native.TableSource>()(['auto', 'token-embd', 'transformer'])
export const PRETOKENIZE_RULES = closedSet<native.PretokenizeRule>()(['identifiers', 'none'])
export const TOKEN_WEIGHTINGS = closedSet<native.TokenWeighting>()(['corpus', 'zipf'])
export const CONVERT_TYPES = closedSet<native.ConvertType>()(['f32', 'f16', 'q8_0'])
export const QUANTIZE_TYPES = closedSet<native.QuantizeType>()([
  'q4_0',
  'q4_1',
  'q5_0',
  'q5_1',
  'q8_0',
  'q2_k',
  'q3_k_s',
  'q3_k_m',
  'q3_k_l',
  'q4_k_s',
  'q4_k_m',
  'q5_k_s',
  'q5_k_m',
  'q6_k',
  'f16',
  'f32',
])

/** A value as an error message shows it, briefly; never throws (a Symbol in a template literal would). */
export function describe(v: unknown): string {
  if (typeof v === 'string')
    return v.length > 40 ? `${JSON.stringify(v.slice(0, 40))}... (${v.length} characters)` : JSON.stringify(v)
  if (typeof v === 'bigint') return `${v}n`
  if (typeof v === 'symbol') return v.toString()
  if (v === null) return 'null'
  if (Array.isArray(v)) return 'an array'
  if (typeof v === 'object') return 'an object'
  if (typeof v === 'function') return 'a function'
  return String(v)
}

export function rangeText(r: IntRange): string {
  return r.only ? r.only.join(' or ') : `an integer from ${r.min} to ${r.max}`
}

/** Checks one value; `undefined` means "not given" and passes unless wrapped in `required`. */
type Check = (name: string, value: unknown) => void

const fail = (name: string, what: string, v: unknown) => {
  throw argumentError(name, `${name} must be ${what}, got ${describe(v)}`)
}

/**
 * INVALID_ARGUMENT for the argument `name` as this module builds names (`dimensions`,
 * `limits.maxKvCount`, `texts[2]`, `inputs[0][1]`): `param` is the name without its indices,
 * `index` the first index, the input in the caller's batch.
 */
function argumentError(name: string, message: string): EmbedError {
  const bracket = name.indexOf('[')
  if (bracket < 0) return invalidArgument(message, name)
  const index = Number(name.slice(bracket + 1, name.indexOf(']', bracket)))
  return new EmbedError('INVALID_ARGUMENT', message, { param: name.slice(0, bracket), index })
}

export function inRange(v: unknown, r: IntRange): v is number {
  return typeof v === 'number' && Number.isSafeInteger(v) && v >= r.min && v <= r.max && (!r.only || r.only.includes(v))
}

export function checkInteger(name: string, v: unknown, range: IntRange): void {
  if (v !== undefined && !inRange(v, range)) fail(name, rangeText(range), v)
}

/** A positive 32-bit count (dimensions, tokens): the adapters check their own settings with it. */
export function positiveInt(name: string, v: unknown): void {
  checkInteger(name, v, RANGES.count)
}

export const integer =
  (range: IntRange): Check =>
  (name, v) =>
    checkInteger(name, v, range)

export const oneOf =
  (allowed: readonly string[]): Check =>
  (name, v) => {
    if (v !== undefined && !allowed.includes(v as string))
      fail(name, `one of ${allowed.map((a) => `'${a}'`).join(', ')}`, v)
  }

const ofType =
  (type: 'boolean' | 'string' | 'function'): Check =>
  (name, v) => {
    if (v !== undefined && typeof v !== type) fail(name, `a ${type}`, v)
  }
export const boolean = ofType('boolean')
export const string = ofType('string')
export const callback = ofType('function')

/** A finite number above zero (a strength, a scale). */
export const positiveNumber: Check = (name, v) => {
  if (v !== undefined && !(typeof v === 'number' && Number.isFinite(v) && v > 0))
    fail(name, 'a finite number above 0', v)
}

/** Duck-typed rather than `instanceof`: signals from another realm or a polyfill work too. */
export const signal: Check = (name, v) => {
  if (v === undefined) return
  const s = v as Partial<AbortSignal> | null
  const ok =
    typeof s === 'object' &&
    s !== null &&
    typeof s.aborted === 'boolean' &&
    typeof s.addEventListener === 'function' &&
    typeof s.removeEventListener === 'function'
  if (!ok) fail(name, 'an AbortSignal', v)
}

/** An already-aborted signal: ABORTED before anything is queued or started. */
export function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw new EmbedError('ABORTED', 'the signal was aborted before the call')
}

/** An object checked by its owner (pull options are checked by `pull`). */
export const anyObject: Check = (name, v) => {
  if (v !== undefined && (v === null || typeof v !== 'object' || Array.isArray(v))) fail(name, 'an object', v)
}

export const object =
  (schema: Schema): Check =>
  (name, v) => {
    if (v !== undefined) checkOptions(v, schema, name)
  }

export const required =
  (check: Check): Check =>
  (name, v) => {
    if (v === undefined) throw argumentError(name, `${name} is required`)
    check(name, v)
  }

export type Schema = Readonly<Record<string, Check>>

/**
 * Checks an options object against its schema. Unknown keys are refused rather than ignored, so a
 * misspelt option (`dimension: 64`) fails loudly instead of silently taking the default.
 */
export function checkOptions(value: unknown, schema: Schema, name = 'options'): void {
  anyObject(name, value)
  value ??= {}
  const where = (key: string) => (name === 'options' ? key : `${name}.${key}`)
  for (const key of Object.keys(value as object)) {
    if (!Object.hasOwn(schema, key)) {
      throw argumentError(where(key), `${where(key)} is not an option here (known: ${Object.keys(schema).join(', ')})`)
    }
  }
  for (const [key, check] of Object.entries(schema)) check(where(key), (value as Record<string, unknown>)[key])
}

export function checkPath(name: string, v: unknown): string {
  if (typeof v !== 'string' || v.length === 0) fail(name, 'a non-empty string', v)
  if ((v as string).includes('\0')) throw argumentError(name, `${name} must not contain NUL characters`)
  return v as string
}

/** A path (or name) option: absent, or a non-empty string without NUL. */
const optionalPath: Check = (name, v) => {
  if (v !== undefined) checkPath(name, v)
}

export function checkText(name: string, v: unknown): string {
  if (typeof v !== 'string') fail(name, 'a string', v)
  return v as string
}

function checkArray(name: string, v: unknown): unknown[] {
  if (!Array.isArray(v)) fail(name, 'an array', v)
  return v as unknown[]
}

// Arrays are read by index, not with forEach: a hole (`['a', , 'b']`, `new Array(3)`, a sparse
// array) is then reported as the missing element it is, where forEach would skip it and pass
// `undefined` (or a token id of 0) to the native side.

export function checkTexts(name: string, v: unknown): string[] {
  const texts = checkArray(name, v)
  for (let i = 0; i < texts.length; i++) checkText(`${name}[${i}]`, texts[i])
  return texts as string[]
}

const TOKEN_IDS: IntRange = { min: 0, max: 2 ** 31 - 1 }
const TOKEN_ID = `a token id (${rangeText(TOKEN_IDS)})`

/** Texts and token arrays; token arrays come back as Int32Array (ids in the vocabulary are checked natively). */
export function checkInputs(name: string, v: unknown): EmbedInput[] {
  const inputs = checkArray(name, v)
  const out: EmbedInput[] = new Array(inputs.length)
  for (let i = 0; i < inputs.length; i++) {
    const input = inputs[i]
    if (typeof input === 'string' || input instanceof Int32Array) {
      out[i] = input
      continue
    }
    if (!Array.isArray(input)) fail(`${name}[${i}]`, 'a string or an array of token ids', input)
    const ids = new Int32Array((input as unknown[]).length)
    for (let j = 0; j < ids.length; j++) {
      const id = (input as unknown[])[j]
      if (!inRange(id, TOKEN_IDS)) fail(`${name}[${i}][${j}]`, TOKEN_ID, id)
      ids[j] = id as number
    }
    out[i] = ids
  }
  return out
}

/**
 * A caller's callback (onProgress) as our own code calls it. What it throws, or the promise it
 * returns rejecting, becomes `error`: INVALID_ARGUMENT naming it, with the exception as `cause`,
 * which the call then rejects with. It would otherwise surface as INTERNAL, or as an uncaught
 * exception from a timer. It is not called again after failing.
 */
export class Callback<A> {
  error: EmbedError | undefined

  constructor(
    readonly name: string,
    readonly fn: ((arg: A) => unknown) | undefined,
  ) {}

  call(arg: A): void {
    if (!this.fn || this.error) return
    try {
      const result = this.fn(arg)
      if (result instanceof Promise) result.catch((err) => this.#fail(err))
    } catch (err) {
      this.#fail(err)
    }
  }

  /** Throws the callback's failure, if it failed. */
  check(): void {
    if (this.error) throw this.error
  }

  #fail(err: unknown): void {
    const message = err instanceof Error ? err.message : describe(err)
    this.error ??= new EmbedError('INVALID_ARGUMENT', `${this.name} threw: ${message}`, {
      param: this.name,
      cause: err,
    })
  }
}

const EMBED: Schema = { kind: oneOf(KINDS), dimensions: integer(RANGES.count), signal }

/** The options of each public call. */
export const SCHEMAS = {
  load: {
    threads: integer(RANGES.threads),
    contextSize: integer(RANGES.count),
    batchTokens: integer(RANGES.count),
    pooling: oneOf(POOLINGS),
    normalize: boolean,
    truncate: oneOf(TRUNCATES),
    prefixes: object({ query: string, document: string }),
    maxQueue: integer(RANGES.count),
    memoryBudget: integer(RANGES.bytes),
    pull: anyObject,
    signal,
  },
  embed: EMBED,
  embedBatch: { ...EMBED, onProgress: callback },
  staticLoad: { maxTokens: integer(RANGES.count), pull: anyObject, signal },
  distill: {
    dimensions: integer(RANGES.count),
    bits: integer(RANGES.bits),
    from: oneOf(DISTILL_SOURCES),
    threads: integer(RANGES.threads),
    pretokenize: oneOf(PRETOKENIZE_RULES),
    corpus: optionalPath,
    weighting: oneOf(TOKEN_WEIGHTINGS),
    fit: boolean,
    regularization: positiveNumber,
    onProgress: callback,
    signal,
  },
  inspect: {
    tensors: boolean,
    limits: object({
      maxKvCount: integer(RANGES.limit),
      maxTensorCount: integer(RANGES.limit),
      maxKeyLength: integer(RANGES.limit),
      maxStringLength: integer(RANGES.limit),
      maxArrayLength: integer(RANGES.limit),
      maxAlignment: integer(RANGES.alignment),
    }),
    signal,
  },
  convert: {
    type: oneOf(CONVERT_TYPES),
    tokenizer: optionalPath,
    pooling: oneOf(POOLINGS),
    name: optionalPath,
    signal,
  },
  quantize: { type: required(oneOf(QUANTIZE_TYPES)), threads: integer(RANGES.threads), signal },
} as const satisfies Record<string, Schema>

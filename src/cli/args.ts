/**
 * Command-line parsing shared by the commands: flags, strict numbers and closed sets, and the usage
 * error that cli.ts turns into exit 2 before any work starts.
 */
import { parseArgs } from 'node:util'

import { inRange, rangeText, type IntRange } from '../validate'

/** A mistake in the command line. `help` is the command's usage, printed with it. */
export class UsageError extends Error {
  constructor(
    message: string,
    readonly help?: string,
  ) {
    super(message)
    this.name = 'UsageError'
  }
}

/** parseArgs' own errors (unknown flag, missing value) are usage errors too. */
export function asUsageError(err: unknown, help?: string): UsageError | undefined {
  if (err instanceof UsageError) return err.help || !help ? err : new UsageError(err.message, help)
  const code = (err as { code?: unknown } | null)?.code
  return typeof code === 'string' && code.startsWith('ERR_PARSE_ARGS_')
    ? new UsageError((err as Error).message, help)
    : undefined
}

/**
 * A number flag: decimal digits only, within the flag's range. Number() alone would take "2.5",
 * "1e3", "0x10", " 7" and "" (as 0), and the native u32 conversion would then cut or wrap it.
 */
export function parseInteger(flag: string, text: string, range: IntRange): number {
  const n = /^[0-9]+$/.test(text) ? Number(text) : NaN
  if (!inRange(n, range)) throw new UsageError(`--${flag} must be ${rangeText(range)}, got ${JSON.stringify(text)}`)
  return n
}

/** One of a closed set, in any case: llama.cpp users write Q4_K_M. */
export function parseChoice<C extends string>(flag: string, text: string, allowed: readonly C[]): C {
  const choice = text.toLowerCase() as C
  if (!allowed.includes(choice))
    throw new UsageError(`--${flag} must be one of ${allowed.join(', ')}, got ${JSON.stringify(text)}`)
  return choice
}

/** The flags a command takes: strings (numbers and choices are read through the strict parsers) and booleans. */
type FlagSpec = Readonly<Record<string, { type: 'string' | 'boolean'; short?: string; default?: string | boolean }>>

export interface Flags<T extends FlagSpec> {
  values: { [K in keyof T]?: T[K]['type'] extends 'boolean' ? boolean : string }
  positionals: string[]
  /** Throw it for a command line of the wrong shape (missing operands). */
  usage(message: string): UsageError
  /** A number flag through `parseInteger`; undefined when not given. */
  integer(flag: keyof T & string, range: IntRange): number | undefined
  /** A closed-set flag through `parseChoice`; undefined when not given. */
  choice<C extends string>(flag: keyof T & string, allowed: readonly C[]): C | undefined
}

/** parseArgs with positionals, and with the command's help attached to every usage error. */
export function parseFlags<const T extends FlagSpec>(args: string[], help: string, options: T): Flags<T> {
  const wrap = <R>(read: () => R): R => {
    try {
      return read()
    } catch (err) {
      throw asUsageError(err, help) ?? err
    }
  }
  const { values, positionals } = wrap(() => parseArgs({ args, options, allowPositionals: true }))
  const text = (flag: string) => (values as Record<string, unknown>)[flag] as string | undefined
  return {
    values: values as Flags<T>['values'],
    positionals,
    usage: (message) => new UsageError(message, help),
    integer: (flag, range) => {
      const t = text(flag)
      return t === undefined ? undefined : wrap(() => parseInteger(flag, t, range))
    },
    choice: (flag, allowed) => {
      const t = text(flag)
      return t === undefined ? undefined : wrap(() => parseChoice(flag, t, allowed))
    },
  }
}

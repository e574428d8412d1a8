/** A function of the Python standard library, as extract_python.py found it. */
export interface PyFunction {
  /** The file, relative to the standard library's directory. */
  readonly path: string
  /** The line of its first decorator, or of `def` (1-based). */
  readonly line: number
  readonly name: string
  /** As __qualname__: Class.method, outer.<locals>.inner. */
  readonly qualname: string
  /** Its source as written (decorators, signature, docstring, body), dedented. */
  readonly text: string
  /** The `def` / `async def` line, stripped. */
  readonly defLine: string
  /** The first paragraph of its docstring, or null. */
  readonly doc: string | null
  /** text without the docstring's lines. */
  readonly code: string
  /** Non-blank lines after the first, the docstring's not counted. */
  readonly bodyLines: number
  /** In test code (only documented() returns such functions). */
  readonly test: boolean
}

export type SampleName = 'tests' | 'demo' | 'throughput' | 'portable' | 'concurrency' | 'adapters'

/** Paths of test code, which the corpus leaves out. */
export const TEST_PATH: RegExp
/** The interpreter the corpus comes from (`PYTHON`, default python3). */
export function python(): { executable: string; implementation: string; version: string; stdlib: string }
/** Every function outside test code, in extraction order. */
export function functions(): PyFunction[]
/** Every documented function, test code included, in extraction order. */
export function documented(): PyFunction[]
/** The first n functions of a use's sample, in the corpus's fixed order; throws when there are fewer. */
export function sample(use: SampleName, n: number): PyFunction[]
/** One function by file and qualified name. */
export function named(path: string, qualname: string): PyFunction
/** Each sample's rule, in words. */
export function rules(): Record<SampleName, string>

import { existsSync, readdirSync } from 'node:fs'
import { join } from 'node:path'

export const root = join(__dirname, '..')
export const fixtures = join(root, '.cache', 'fixtures')
export const llamaModels = join(root, '.cache', 'llama.cpp', 'models')

export function requireDir(dir: string, how: string): string {
  if (!existsSync(dir)) throw new Error(`${dir} is missing: run ${how} (npm test does it)`)
  return dir
}

/** The vocab-only GGUF files made by llama.cpp's own tools. */
export function llamaVocabFiles(): string[] {
  const dir = requireDir(llamaModels, 'scripts/llama-cpp-source.sh')
  return readdirSync(dir)
    .filter((f) => f.endsWith('.gguf'))
    .map((f) => join(dir, f))
}

export interface CorpusCase {
  file: string
  kind: string | null
  code: string | null
}

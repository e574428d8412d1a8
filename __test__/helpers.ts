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

import { execFileSync } from 'node:child_process'
import { sample } from '../bench/corpus/index.cjs'

export const models = join(root, '.models')
export const checkpoint = join(models, 'sources', 'all-minilm-l6-v2')
export const modelFile = (type: string) => join(requireDir(models, 'npm run models'), `all-minilm-l6-v2.${type}.gguf`)

/** The first `limit` functions of the corpus's 'tests' sample (bench/corpus: the functions of this
 *  machine's Python standard library, found by Python's ast, in one fixed order), each cut to
 *  `maxChars`. A smaller limit gives a prefix of a larger one. */
export function pythonFunctions(limit: number, maxChars = 2000): string[] {
  return sample('tests', limit).map((f) => f.text.slice(0, maxChars))
}

/** Token ids (and vectors) from the independent reference: HF tokenizers + a NumPy BERT. */
export function reference(texts: string[], idsOnly = false): { ids: number[][]; vectors: number[][] } {
  const python = join(root, '.cache', 'venv', 'bin', 'python')
  requireDir(python, 'scripts/python-env.sh')
  const args = [join(root, 'scripts', 'oracle', 'bert_reference.py'), checkpoint]
  if (idsOnly) args.push('--ids-only')
  return JSON.parse(execFileSync(python, args, { input: JSON.stringify(texts), maxBuffer: 1 << 30 }).toString())
}

export function cosine(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let dot = 0
  let na = 0
  let nb = 0
  for (let i = 0; i < a.length; i++) {
    dot += a[i] * b[i]
    na += a[i] * a[i]
    nb += b[i] * b[i]
  }
  return dot / Math.sqrt(na * nb)
}

/** The models `npm run models` converts from ONNX exports (Maven Central), with their pooling. */
export const ONNX_MODELS = [
  { name: 'bge-small-en-v1.5', pooling: 'cls' },
  { name: 'e5-small-v2', pooling: 'mean' },
] as const

/** A converted model's GGUF file of one type. */
export const onnxModelFile = (name: string, type: string) =>
  join(requireDir(models, 'npm run models'), `${name}.${type}.gguf`)

/** The ONNX export and tokenizer a model was converted from. */
export function onnxSource(name: string): { onnx: string; tokenizer: string } {
  const dir = requireDir(join(models, 'sources', name), 'npm run models')
  return { onnx: join(dir, `${name}.onnx`), tokenizer: join(dir, `${name}-tokenizer.json`) }
}

function venvPython(): string {
  return requireDir(join(root, '.cache', 'venv', 'bin', 'python'), 'scripts/python-env.sh')
}

/** Token ids (and vectors) from onnxruntime running the original ONNX export, with HF tokenizers. */
export function onnxReference(
  name: string,
  pooling: string,
  texts: string[],
  idsOnly = false,
): { ids: number[][]; vectors: number[][] } {
  const { onnx, tokenizer } = onnxSource(name)
  const args = [join(root, 'scripts', 'oracle', 'onnx_reference.py'), onnx, tokenizer, pooling]
  if (idsOnly) args.push('--ids-only')
  return JSON.parse(execFileSync(venvPython(), args, { input: JSON.stringify(texts), maxBuffer: 1 << 30 }).toString())
}

/** Our F32 GGUF's tensors against the export's initializers, read by the `onnx` package. */
export function onnxTensorCheck(name: string): { compared: number; mismatches: string[]; unused: string[] } {
  const { onnx } = onnxSource(name)
  const script = join(root, 'scripts', 'oracle', 'onnx_tensors.py')
  const ggufPy = join(requireDir(join(root, '.cache', 'llama.cpp'), 'scripts/llama-cpp-source.sh'), 'gguf-py')
  const out = execFileSync(venvPython(), [script, onnx, onnxModelFile(name, 'f32'), ggufPy], { maxBuffer: 1 << 26 })
  return JSON.parse(out.toString())
}

import test from 'ava'
import { execFileSync } from 'node:child_process'
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

import { root } from './helpers'

// The adapters' declarations as a TypeScript user compiles against them: from ESM and CommonJS,
// under each moduleResolution in use (node10 reads `typesVersions`, the others `exports`). The
// LangChain and LlamaIndex entries are generic over the framework copy, because the CommonJS and ESM
// declarations of @langchain/core are distinct types (protected members): an ESM user's
// `Embeddings` must accept ours.
const consumer = `
import { embed, embedMany, createProviderRegistry } from 'ai'
import { Settings } from '@llamaindex/core/global'
import { BaseEmbedding } from '@llamaindex/core/embeddings'
import { Embeddings } from '@langchain/core/embeddings'
import { Embedder } from 'gguf-embed'
import { createGgufEmbed, ggufEmbedding, ggufEmbed } from 'gguf-embed/ai-sdk'
import { GgufEmbedding } from 'gguf-embed/llamaindex'
import { GgufEmbeddings } from 'gguf-embed/langchain'

export async function main(): Promise<void> {
  const gguf = createGgufEmbed({ loadOptions: { threads: 2 } })
  const r = await embedMany({ model: gguf.embeddingModel('m.gguf'), values: ['a'], providerOptions: { 'gguf-embed': { kind: 'query' } } })
  const tokens: number = r.usage.tokens
  const registry = createProviderRegistry({ gguf, ggufEmbed })
  await embed({ model: registry.embeddingModel('gguf:m.gguf'), value: 'x' })
  const e = await Embedder.load('m.gguf')
  await embed({ model: ggufEmbedding(e, { kind: 'query', dimensions: 64 }), value: 'x' })
  const li: BaseEmbedding = new GgufEmbedding({ embedder: e })
  Settings.embedModel = li
  Settings.embedModel = new GgufEmbedding({ model: 'm.gguf', dimensions: 64 })
  const q: number[] | null = await li.getQueryEmbedding({ type: 'text', text: 'x' })
  const lc: Embeddings = new GgufEmbeddings({ embedder: e })
  class Mine extends GgufEmbeddings {
    extra(): number { return 1 }
  }
  const v: number[] = await new Mine({ embedder: e }).embedQuery('x')
  console.log(tokens, q, lc, v)
}
`

test('the adapters type-check for ESM and CommonJS users under nodenext, bundler and node10 resolution', (t) => {
  const work = mkdtempSync(join(tmpdir(), 'gguf-types-'))
  t.teardown(() => rmSync(work, { recursive: true, force: true }))
  mkdirSync(join(work, 'node_modules'))
  symlinkSync(root, join(work, 'node_modules', 'gguf-embed'))
  for (const p of ['ai', '@ai-sdk', '@langchain', '@llamaindex', '@types'])
    symlinkSync(join(root, 'node_modules', p), join(work, 'node_modules', p))
  writeFileSync(join(work, 'package.json'), JSON.stringify({ name: 'consumer', private: true, type: 'module' }))
  writeFileSync(join(work, 'esm.ts'), consumer)
  writeFileSync(join(work, 'cjs.cts'), consumer)
  const tsc = join(root, 'node_modules', 'typescript', 'bin', 'tsc')
  const base = ['--noEmit', '--strict', '--target', 'es2022', '--skipLibCheck', '--types', 'node']
  const runs: Array<[string, string[]]> = [
    ['esm.ts', ['--module', 'nodenext', '--moduleResolution', 'nodenext']],
    ['cjs.cts', ['--module', 'nodenext', '--moduleResolution', 'nodenext']],
    ['esm.ts', ['--module', 'esnext', '--moduleResolution', 'bundler']],
    ['cjs.cts', ['--module', 'commonjs', '--moduleResolution', 'node', '--esModuleInterop']],
  ]
  for (const [file, flags] of runs) {
    try {
      execFileSync(process.execPath, [tsc, ...base, ...flags, file], { cwd: work, encoding: 'utf8', stdio: 'pipe' })
      t.pass()
    } catch (err) {
      t.fail(`${file} ${flags.join(' ')}:\n${(err as { stdout?: string }).stdout}`)
    }
  }
})

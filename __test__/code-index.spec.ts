import test from 'ava'
import { spawn, execFile } from 'node:child_process'
import { mkdirSync, mkdtempSync, renameSync, rmSync, symlinkSync, unlinkSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'

import { CodeIndex, EmbedError } from '../index'
import { models, modelFile, root } from './helpers'
import { REPO, write } from './code-repo'

const scratch = mkdtempSync(join(tmpdir(), 'gguf-index-'))
test.after.always(() => rmSync(scratch, { recursive: true, force: true }))
let n = 0
const fresh = (name: string) => join(scratch, `${name}-${n++}`)

const fast = () => modelFile('q8_0')

/** The test repository indexed with MiniLM as the fast tier and bge-small as the precise one. */
async function cascadeIndex(cascade?: { candidates: number }): Promise<CodeIndex> {
  const dir = fresh('cascade')
  write(dir, REPO)
  const index = await CodeIndex.open(fresh('db') + '.db', {
    fast: fast(),
    precise: join(models, 'bge-small-en-v1.5.q8_0.gguf'),
    cascade,
  })
  await index.update(dir)
  return index
}

test('update indexes a repository; keyword, vector and hybrid search find functions by name and by meaning', async (t) => {
  const dir = fresh('repo')
  write(dir, REPO)
  const index = await CodeIndex.open(fresh('db') + '.db', { fast: fast() })
  const phases = new Set<string>()
  const r = await index.update(dir, { onProgress: (p) => phases.add(p.phase) })
  t.is(r.files, 6)
  const chunks = (await index.stats()).chunks
  t.true(chunks >= 6)
  t.is(r.embedded, chunks)
  t.deepEqual([...phases], ['files', 'embedding'])
  const s = await index.stats()
  t.deepEqual(s.languages.map((l) => l.language).sort(), ['go', 'java', 'markdown', 'python', 'typescript'])
  t.is(s.models[0].vectors, chunks)

  const [kw] = await index.search('parse http header', { mode: 'keyword', k: 1 })
  t.like(kw, {
    path: 'src/http.py',
    symbol: 'parseHttpHeader',
    startLine: 1,
    endLine: 4,
    language: 'python',
    via: ['keyword'],
  })
  t.true(kw.text.startsWith('def parseHttpHeader'))

  const [vec] = await index.search('euclid algorithm for the gcd of two integers', { mode: 'vector', k: 1 })
  t.like(vec, { symbol: 'greatest_common_divisor', via: ['vector'] })
  t.true(vec.score > 0 && vec.score <= 1.01)

  const hybrid = await index.search('shuffle a list randomly', { k: 3 })
  t.is(hybrid[0].symbol, 'Shuffle', 'a class that fits one chunk is one chunk')
  t.deepEqual(hybrid[0].via.sort(), ['keyword', 'vector'])

  t.deepEqual(
    [...new Set((await index.search('read lines of a file', { language: 'go' })).map((h) => h.language))],
    ['go'],
  )
  const underSrc = await index.search('function', { path: 'src/**', mode: 'vector' })
  t.true(underSrc.length === 2 && underSrc.every((h) => h.path.startsWith('src/')))
  t.deepEqual(await index.search('   '), [])
  await index.close()
})

test('updates are incremental: unchanged chunks are not embedded again, renames keep vectors, deletions leave', async (t) => {
  const dir = fresh('inc')
  write(dir, REPO)
  const index = await CodeIndex.open(fresh('db') + '.db', { fast: fast() })
  t.is((await index.update(dir)).embedded, (await index.stats()).chunks)
  t.like(await index.update(dir), { embedded: 0, unchanged: 6, added: 0 })

  write(dir, { 'src/maths.py': REPO['src/maths.py'].replace('abs(a)', 'a if a >= 0 else -a') })
  t.like(await index.update(dir), { changed: 1, embedded: 1 })

  renameSync(join(dir, 'web/dates.ts'), join(dir, 'web/format.ts'))
  t.like(await index.update(dir), { added: 1, removed: 1, embedded: 0 })
  t.is((await index.search('format iso date', { k: 1 }))[0].path, 'web/format.ts')

  unlinkSync(join(dir, 'cmd/files.go'))
  t.like(await index.update(dir), { removed: 1, embedded: 0 })
  t.false((await index.search('read lines', { k: 10 })).some((h) => h.path === 'cmd/files.go'))
  await index.close()
})

test('the cascade: the precise model re-ranks the candidates, embedding each one once', async (t) => {
  const index = await cascadeIndex()
  const first = await index.searchReport('compute the greatest common divisor', { k: 3 })
  t.true(first.reranked)
  t.true(first.preciseEmbedded > 0)
  t.is(first.hits[0].symbol, 'greatest_common_divisor')
  t.true(first.hits[0].via.includes('precise'))
  const again = await index.searchReport('compute the greatest common divisor', { k: 3 })
  t.is(again.preciseEmbedded, 0, 'vectors the precise tier computed are kept')
  t.deepEqual(
    again.hits.map((h) => h.symbol),
    first.hits.map((h) => h.symbol),
  )
  const s = await index.stats()
  t.is(s.models.length, 2)
  t.is(s.models[1].vectors, first.preciseEmbedded)
  await index.close()
})

test('the cascade searches the precise vectors earlier queries stored: they join the candidates', async (t) => {
  // One candidate from the fast tier and BM25: only the stored precise vectors can add another.
  const index = await cascadeIndex({ candidates: 1 })
  const first = await index.searchReport('compute the greatest common divisor', { k: 3 })
  t.deepEqual(
    first.hits.map((h) => h.symbol),
    ['greatest_common_divisor'],
  )
  const second = await index.searchReport('split an HTTP header line into name and value', { k: 3 })
  t.is(second.preciseEmbedded, 1)
  t.deepEqual(second.hits.map((h) => h.symbol).sort(), ['greatest_common_divisor', 'parseHttpHeader'])
  t.is(second.hits[0].symbol, 'parseHttpHeader', 'the precise tier ranks the answer first')
  t.deepEqual(second.hits[1].via, ['precise'], 'found by the stored precise vectors alone')
  await index.close()
})

test('bad input: huge queries, foreign files, bad options, a closed index', async (t) => {
  const db = fresh('db') + '.db'
  const index = await CodeIndex.open(db, { fast: fast() })
  const huge = 'x'.repeat(10 * 1024 * 1024)
  const e = await t.throwsAsync(index.search(huge), { instanceOf: EmbedError })
  t.like(e, { code: 'INVALID_ARGUMENT', param: 'query', limit: 16384 })
  await t.throwsAsync(index.search('q', { mode: 'fuzzy' as never }), { code: 'INVALID_ARGUMENT' } as never)
  await t.throwsAsync(index.search('q', { k: 0 }), { code: 'INVALID_ARGUMENT' } as never)
  await t.throwsAsync(index.search('q', { path: '[' }), { code: 'INVALID_ARGUMENT' } as never)
  await t.throwsAsync(index.update(join(scratch, 'no-such-dir')), { code: 'IO' } as never)
  await index.close()
  await t.throwsAsync(index.search('q'), { code: 'CLOSED' } as never)

  const text = fresh('notes') + '.txt'
  writeFileSync(text, 'these are my notes, not an index')
  const err = await t.throwsAsync(CodeIndex.open(text, { fast: fast() }), { instanceOf: EmbedError })
  t.like(err, { code: 'INDEX_INVALID', kind: 'NotAnIndex' })
  t.like(await t.throwsAsync(CodeIndex.open(db, { fast: fast(), precise: fast() })), {
    code: 'INVALID_ARGUMENT',
    param: 'precise',
  })
  t.like(await t.throwsAsync(CodeIndex.open(db, { fast: 42 as never })), { code: 'INVALID_ARGUMENT', param: 'fast' })
})

test('many empty files and a symlink loop get a defined answer', async (t) => {
  const dir = fresh('empty')
  mkdirSync(dir)
  for (let i = 0; i < 20_000; i++) writeFileSync(join(dir, `f${i}.py`), '')
  symlinkSync(dir, join(dir, 'loop'))
  const index = await CodeIndex.open(fresh('db') + '.db', { fast: fast() })
  const r = await index.update(dir)
  t.like(r, { files: 20_000, embedded: 0 })
  t.is((await index.stats()).chunks, 0)
  await index.close()
})

/** A repository big enough that an update takes seconds. */
function bigRepo(dir: string, files: number): void {
  for (let i = 0; i < files; i++) {
    write(dir, {
      [`pkg${i % 10}/mod${i}.py`]: `def compute_value_${i}(items):\n    """Adds ${i} to each item."""\n    return [x + ${i} for x in items]\n\n\ndef describe_${i}():\n    return "module ${i} of the test repository, with enough text to be its own chunk"\n`,
    })
  }
}

const child = (db: string, dir: string) =>
  spawn(
    process.execPath,
    [
      '-e',
      `const { CodeIndex } = require(${JSON.stringify(join(root, 'dist', 'index.js'))});
       (async () => {
         const idx = await CodeIndex.open(${JSON.stringify(db)}, { fast: ${JSON.stringify(fast())} })
         await idx.update(${JSON.stringify(dir)}, { onProgress: (p) => p.phase === 'embedding' && p.done > 0 && console.log('embedding', p.done) })
         await idx.close()
         console.log('finished')
       })()`,
    ],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  )

test('a killed update leaves a usable index and the next update finishes the work', async (t) => {
  const dir = fresh('killed')
  bigRepo(dir, 250)
  const db = fresh('db') + '.db'
  const proc = child(db, dir)
  await new Promise<void>((resolve) => {
    proc.stdout.on('data', (d: Buffer) => {
      if (d.toString().includes('embedding')) {
        proc.kill('SIGKILL')
        resolve()
      }
    })
  })
  await new Promise((r) => proc.once('exit', r))
  const index = await CodeIndex.open(db, { fast: fast() })
  const before = await index.stats()
  t.true(before.files > 0, 'what was committed is there')
  t.true(before.models[0].missing > 0, 'killed before embedding everything')
  t.true((await index.search('compute value', { mode: 'keyword' })).length > 0, 'and it answers')
  const r = await index.update(dir)
  t.is(r.embedded, before.models[0].missing, 'the next update embeds exactly what was left')
  const after = await index.stats()
  t.like(after, { files: 250, chunks: before.chunks })
  t.is(after.models[0].missing, 0)
  await index.close()
})

test('a reader searches while another process writes, and sees whole transactions', async (t) => {
  const dir = fresh('concurrent')
  bigRepo(dir, 200)
  const db = fresh('db') + '.db'
  const reader = await CodeIndex.open(db, { fast: fast() })
  const proc = child(db, dir)
  let done = false
  proc.once('exit', () => (done = true))
  let searches = 0
  while (!done) {
    const hits = await reader.search('compute value 7', { k: 5 })
    t.true(hits.every((h) => h.path.endsWith('.py') && h.text.length > 0))
    const s = await reader.stats()
    t.true(s.chunks === 0 || s.chunks % 2 === 0, 'files commit whole: two chunks each')
    searches++
    await new Promise((r) => setTimeout(r, 50))
  }
  t.is(proc.exitCode, 0)
  t.true(searches > 1)
  t.is((await reader.stats()).files, 200)
  await reader.close()
})

test('the CLI indexes and searches', async (t) => {
  const dir = fresh('cli')
  write(dir, REPO)
  const db = fresh('db') + '.db'
  const cli = join(root, 'dist', 'src', 'cli.js')
  const run = promisify(execFile)
  const indexed = await run(process.execPath, [cli, 'index', dir, '--db', db, '--fast', fast(), '--json'])
  const summary = JSON.parse(indexed.stdout)
  t.like(summary, { files: 6, embedded: summary.stats.chunks })
  const found = await run(process.execPath, [
    cli,
    'search',
    'parse an http header',
    '--db',
    db,
    '--fast',
    fast(),
    '--json',
    '-k',
    '2',
  ])
  const report = JSON.parse(found.stdout)
  t.is(report.hits[0].symbol, 'parseHttpHeader')
  t.is(report.hits.length, 2)
  const text = await run(process.execPath, [
    cli,
    'search',
    'greatest common divisor',
    '--db',
    db,
    '--fast',
    fast(),
    '--mode',
    'keyword',
    '--language',
    'python',
  ])
  t.regex(text.stdout, /src\/maths\.py:1-5/)
  const missing = await run(process.execPath, [cli, 'search', 'x', '--db', join(scratch, 'none.db')]).catch((e) => e)
  t.is(missing.code, 1)
  t.regex(missing.stderr, /no index/)
})

test('the MCP server answers search_code through the official SDK client', async (t) => {
  const { Client } = await import('@modelcontextprotocol/sdk/client/index.js')
  const { StdioClientTransport } = await import('@modelcontextprotocol/sdk/client/stdio.js')
  const dir = fresh('mcp')
  write(dir, REPO)
  const db = fresh('db') + '.db'
  const index = await CodeIndex.open(db, { fast: fast() })
  await index.update(dir)
  await index.close()

  const transport = new StdioClientTransport({
    command: process.execPath,
    args: [join(root, 'dist', 'src', 'cli.js'), 'mcp', '--db', db, '--fast', fast()],
    stderr: 'inherit',
  })
  const client = new Client({ name: 'gguf-embed-test', version: '1.0.0' })
  await client.connect(transport)
  try {
    const { tools } = await client.listTools()
    t.deepEqual(
      tools.map((x) => x.name),
      ['search_code'],
    )
    t.deepEqual(Object.keys(tools[0].inputSchema.properties ?? {}).sort(), ['k', 'language', 'mode', 'path', 'query'])

    const result = await client.callTool({ name: 'search_code', arguments: { query: 'parse an http header', k: 2 } })
    const text = (result.content as { type: string; text: string }[])[0].text
    t.falsy(result.isError)
    t.regex(text, /^src\/http\.py:1-4 parseHttpHeader \(python/)
    t.regex(text, /def parseHttpHeader\(line\):/)

    const filtered = await client.callTool({
      name: 'search_code',
      arguments: { query: 'read lines', language: ['go'], k: 5 },
    })
    t.regex((filtered.content as { text: string }[])[0].text, /^cmd\/files\.go/)

    const bad = await client.callTool({ name: 'search_code', arguments: { query: 'x', path: ['['] } })
    t.true(bad.isError)
    t.regex((bad.content as { text: string }[])[0].text, /INVALID_ARGUMENT/)
    const invalid = await client
      .callTool({ name: 'search_code', arguments: { query: 'x'.repeat(20_000) } })
      .catch((e: Error) => e)
    t.truthy(
      invalid instanceof Error || (invalid as { isError?: boolean }).isError,
      'a query past the limit is refused',
    )
  } finally {
    await client.close()
  }
})

// The code index on Postgres with pgvector. This machine kind has no Postgres with pgvector, so the
// tests run against PGlite's pgvector build (Postgres compiled to WASM) behind its socket server,
// reached through the same pg driver and connection string a real server would be.
import test from 'ava'
import { mkdtempSync, renameSync, rmSync, unlinkSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { PGlite } from '@electric-sql/pglite'
import { vector } from '@electric-sql/pglite-pgvector'
import { PGLiteSocketServer } from '@electric-sql/pglite-socket'

import { CodeIndex } from '../index'
import { modelFile, models } from './helpers'
import { REPO, write } from './code-repo'

const scratch = mkdtempSync(join(tmpdir(), 'gguf-pg-'))
let db: PGlite
let server: PGLiteSocketServer
let url = ''

test.before(async () => {
  db = await PGlite.create({ extensions: { vector } })
  server = new PGLiteSocketServer({ db, port: 0, maxConnections: 16 })
  await server.start()
  url = `postgres://postgres:postgres@${server.getServerConn()}/postgres`
})
test.after.always(async () => {
  await server?.stop()
  await db?.close()
  rmSync(scratch, { recursive: true, force: true })
})

const fast = () => modelFile('q8_0')
let n = 0
const fresh = (name: string) => join(scratch, `${name}-${n++}`)
const where = (h: { path: string; startLine: number; endLine: number }) => `${h.path}:${h.startLine}-${h.endLine}`

test.serial(
  'Postgres and SQLite hold the same chunks and give the same vector results; keyword ranks compared',
  async (t) => {
    t.log(
      `store: PGlite ${(await db.query<{ v: string }>('SELECT version() AS v')).rows[0].v.split(' on ')[0]} with pgvector, over its socket server`,
    )
    const dir = fresh('repo')
    write(dir, REPO)
    const pg = await CodeIndex.open(url, { fast: fast(), repository: 'same-data' })
    const lite = await CodeIndex.open(fresh('db') + '.db', { fast: fast() })
    const a = await pg.update(dir)
    const b = await lite.update(dir)
    t.like(a, { files: b.files, added: b.added, chunksAdded: b.chunksAdded, embedded: b.embedded })
    const [sa, sb] = [await pg.stats(), await lite.stats()]
    t.is(sa.chunks, sb.chunks)
    t.deepEqual(sa.languages, sb.languages)

    const queries = [
      'parse an http header',
      'greatest common divisor',
      'format a date as iso',
      'read lines of a file',
      'shuffle a list',
      'gzip',
    ]
    let keywordAgree = 0
    for (const q of queries) {
      const [va, vb] = [await pg.search(q, { mode: 'vector', k: 5 }), await lite.search(q, { mode: 'vector', k: 5 })]
      // halfvec (Postgres) and int8 (SQLite) round differently: the same order except among
      // scores closer than their rounding.
      t.is(va.length, vb.length)
      va.forEach((h, i) =>
        t.true(Math.abs(h.score - vb[i].score) < 0.01, `rank ${i + 1} of "${q}": ${where(h)} ${where(vb[i])}`),
      )
      t.deepEqual(va.slice(0, 3).map(where), vb.slice(0, 3).map(where), `top results for "${q}"`)
      const [ka, kb] = [await pg.search(q, { mode: 'keyword', k: 5 }), await lite.search(q, { mode: 'keyword', k: 5 })]
      t.deepEqual(new Set(ka.map(where)), new Set(kb.map(where)), `the same chunks match "${q}"`)
      if (ka.map(where).join() === kb.map(where).join()) keywordAgree++
    }
    t.log(
      `keyword: same chunks match every query; same order in ${keywordAgree} of ${queries.length} (ts_rank_cd against SQLite's BM25)`,
    )
    const h = await pg.search('read lines of a file', { language: 'go' })
    t.deepEqual([...new Set(h.map((x) => x.language))], ['go'])
    const p = await pg.search('function', { path: 'src/**', mode: 'vector' })
    t.true(p.length === 2 && p.every((x) => x.path.startsWith('src/')))
    await pg.close()
    await lite.close()
  },
)

test.serial('Postgres updates are incremental; repositories in one database are apart', async (t) => {
  const dir = fresh('inc')
  write(dir, REPO)
  const pg = await CodeIndex.open(url, { fast: fast(), repository: 'incremental' })
  await pg.update(dir)
  t.is(
    (await pg.stats()).models[0].missing,
    0,
    'every chunk has a vector (shared by content hash with the other repositories)',
  )
  t.like(await pg.update(dir), { unchanged: 6, embedded: 0 })
  write(dir, { 'src/maths.py': REPO['src/maths.py'].replace('abs(a)', 'a if a >= 0 else -a') })
  t.like(await pg.update(dir), { changed: 1, embedded: 1 })
  renameSync(join(dir, 'web/dates.ts'), join(dir, 'web/format.ts'))
  t.like(await pg.update(dir), { added: 1, removed: 1, embedded: 0 })
  unlinkSync(join(dir, 'cmd/files.go'))
  t.like(await pg.update(dir), { removed: 1 })
  t.is((await pg.stats()).files, 5)

  const other = fresh('other')
  write(other, {
    'only/here.py': 'def only_in_the_other_repository(x):\n    """A function."""\n    return x * 2 + 1\n',
  })
  const pg2 = await CodeIndex.open(url, { fast: fast(), repository: 'other' })
  await pg2.update(other)
  t.deepEqual(
    (await pg2.search('parse http header', { mode: 'keyword' })).length,
    0,
    'another repository is not searched',
  )
  t.is((await pg2.search('only in the other repository', { k: 1 }))[0].path, 'only/here.py')
  t.is((await pg.stats()).files, 5, 'nor counted')
  await pg2.close()
  await pg.close()
})

test.serial('the cascade on Postgres keeps the precise vectors it computes', async (t) => {
  const dir = fresh('cascade')
  write(dir, REPO)
  const pg = await CodeIndex.open(url, {
    fast: fast(),
    precise: join(models, 'bge-small-en-v1.5.q8_0.gguf'),
    repository: 'cascade',
  })
  await pg.update(dir)
  const first = await pg.searchReport('compute the greatest common divisor', { k: 3 })
  t.true(first.reranked && first.preciseEmbedded > 0)
  t.is(first.hits[0].symbol, 'greatest_common_divisor')
  t.is((await pg.searchReport('compute the greatest common divisor', { k: 3 })).preciseEmbedded, 0)
  await pg.close()
})

test.serial('a Postgres that cannot be reached is an IO error', async (t) => {
  const e = await t.throwsAsync(CodeIndex.open('postgres://nobody@127.0.0.1:1/none', { fast: fast() }))
  t.like(e, { code: 'IO' })
})

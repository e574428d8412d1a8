import test from 'ava'
import { createHash, randomBytes } from 'node:crypto'
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync, mkdirSync } from 'node:fs'
import { createServer, type Server } from 'node:http'
import { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'

import { cachedPath, Embedder, EmbedError, parseModelUri, pull } from 'gguf-embed'
import { modelFile } from './helpers'

// A local server that answers like the Hugging Face hub: /OWNER/REPO/resolve/REV/FILE redirects to
// a CDN path with x-linked-size and x-linked-etag (the SHA-256), and the CDN honours Range.
const blob = randomBytes(3 * 1024 * 1024 + 123)
const model = readFileSync(modelFile('q8_0'))
const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex')
const files: Record<string, { body: Buffer; etag: string; drop?: boolean }> = {
  'model.gguf': { body: blob, etag: sha(blob), drop: true },
  'bad.gguf': { body: blob, etag: sha(Buffer.from('something else')) },
  'minilm.gguf': { body: model, etag: sha(model) },
}
const requests: { path: string; range?: string }[] = []
let server: Server
let base: string
let cache: string

test.before(async () => {
  cache = mkdtempSync(join(tmpdir(), 'gguf-pull-'))
  const dropped = new Set<string>()
  server = createServer((req, res) => {
    requests.push({ path: req.url ?? '', range: req.headers.range })
    const resolve = /^\/acme\/models\/resolve\/main\/(.+)$/.exec(req.url ?? '')
    const cdn = /^\/cdn\/(.+)$/.exec(req.url ?? '')
    const name = resolve?.[1] ?? cdn?.[1] ?? ''
    const f = files[name]
    if (!f) return res.writeHead(404).end('not found')
    if (resolve) {
      return res.writeHead(302, { location: `/cdn/${name}`, 'x-linked-size': String(f.body.length), 'x-linked-etag': `"${f.etag}"` }).end()
    }
    const range = /^bytes=(\d+)-$/.exec(req.headers.range ?? '')
    const start = range ? Number(range[1]) : 0
    if (start >= f.body.length) return res.writeHead(416).end()
    const part = f.body.subarray(start)
    res.writeHead(range ? 206 : 200, {
      'content-length': String(part.length),
      ...(range ? { 'content-range': `bytes ${start}-${f.body.length - 1}/${f.body.length}` } : {}),
    })
    if (req.method === 'HEAD') return res.end()
    if (f.drop && !dropped.has(name)) {
      // the first download of this file: half of it, then the connection drops
      dropped.add(name)
      res.write(part.subarray(0, part.length >> 1), () => res.destroy())
      return
    }
    res.end(part)
  })
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
})
test.after.always(() => {
  server?.close()
  rmSync(cache, { recursive: true, force: true })
})

test.serial('a dropped connection is resumed with a Range request; the file is verified and renamed into place', async (t) => {
  let last = { received: 0, total: 0 as number | undefined }
  const path = await pull('hf:acme/models/model.gguf', { baseUrl: base, cacheDir: cache, onProgress: (p) => (last = p) })
  t.is(path, cachedPath('hf:acme/models/model.gguf', { cacheDir: cache }))
  t.true(readFileSync(path).equals(blob))
  t.false(existsSync(`${path}.partial`))
  t.true(requests.some((r) => r.path === '/cdn/model.gguf' && r.range !== undefined), 'resumed with Range')
  t.is(last.received, blob.length)
  t.is(last.total, blob.length)
  const before = requests.length
  t.is(await pull('hf:acme/models/model.gguf', { baseUrl: base, cacheDir: cache }), path)
  t.is(requests.length, before, 'a verified file in the cache is not downloaded again')
})

test.serial('a partial file left by an earlier process is resumed, not restarted', async (t) => {
  const uri = 'hf:acme/models/minilm.gguf'
  const path = cachedPath(uri, { cacheDir: cache })
  mkdirSync(dirname(path), { recursive: true })
  writeFileSync(`${path}.partial`, model.subarray(0, 1_000_000))
  const e = await Embedder.load(uri, { pull: { baseUrl: base, cacheDir: cache } })
  t.teardown(() => e.dispose())
  t.true(requests.some((r) => r.path === '/cdn/minilm.gguf' && r.range === 'bytes=1000000-'))
  t.true(readFileSync(path).equals(model))
  t.is((await e.embed('a real model, downloaded over HTTP')).length, 384)
})

test('a wrong checksum rejects with DOWNLOAD_FAILED and leaves no file behind', async (t) => {
  const err = await t.throwsAsync(pull('hf:acme/models/bad.gguf', { baseUrl: base, cacheDir: cache }), { instanceOf: EmbedError })
  t.is(err?.code, 'DOWNLOAD_FAILED')
  t.is(err?.kind, 'ChecksumMismatch')
  const path = cachedPath('hf:acme/models/bad.gguf', { cacheDir: cache })
  t.false(existsSync(path))
  t.false(existsSync(`${path}.partial`))
})

test('a 404 rejects with DOWNLOAD_FAILED NotFound; bad URIs are INVALID_ARGUMENT', async (t) => {
  const err = await t.throwsAsync(pull('hf:acme/models/missing.gguf', { baseUrl: base, cacheDir: cache }), { instanceOf: EmbedError })
  t.is(err?.code, 'DOWNLOAD_FAILED')
  t.is(err?.kind, 'NotFound')
  for (const bad of ['hf:acme', 'hf:acme/models', 'hf:acme/models/../../etc/passwd', 'http://x/y.gguf']) {
    t.is(t.throws(() => parseModelUri(bad), { instanceOf: EmbedError })?.code, 'INVALID_ARGUMENT', bad)
  }
  t.deepEqual(parseModelUri('hf:acme/models/sub/dir/m.q8_0.gguf@v1.2'), { owner: 'acme', repo: 'models', file: 'sub/dir/m.q8_0.gguf', revision: 'v1.2' })
})

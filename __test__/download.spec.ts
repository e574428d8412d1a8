import test, { type ExecutionContext } from 'ava'
import { execFile, spawn } from 'node:child_process'
import { createHash, randomBytes } from 'node:crypto'
import {
  existsSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs'
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { dirname, join, relative } from 'node:path'
import { Readable } from 'node:stream'
import { promisify } from 'node:util'

import { cachedPath, Embedder, EmbedError, parseModelUri, pull, type PullOptions } from 'gguf-embed'
import { modelFile, root } from './helpers'

// A local server that answers like the Hugging Face hub: /OWNER/REPO/resolve/REV/FILE redirects to
// a CDN path with x-linked-size and x-linked-etag (the SHA-256), and the CDN honours Range. Some
// files misbehave the way a hostile or broken mirror would.
const blob = randomBytes(3 * 1024 * 1024 + 123)
const small = randomBytes(200 * 1024)
const model = readFileSync(modelFile('q8_0'))
const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex')
interface Served {
  body: Buffer
  /** The SHA-256 stated; null: none. @default the body's */
  etag?: string | null
  /** The size stated; null: none. @default the body's */
  size?: number | null
  /** The first download sends half the file, then the connection drops. */
  drop?: boolean
  /** What the CDN does instead of sending the body: a byte every few ms, nothing, or 16 MiB. */
  cdn?: 'drip' | 'hang' | 'flood'
}
const files: Record<string, Served> = {
  'model.gguf': { body: blob, drop: true },
  'bad.gguf': { body: blob, etag: sha(Buffer.from('something else')) },
  'minilm.gguf': { body: model },
  'link.gguf': { body: small },
  'shared.gguf': { body: small },
  'locked.gguf': { body: small },
  'sidecar.gguf': { body: small },
  'sizeonly.gguf': { body: small, etag: null },
  'nosize.gguf': { body: small, etag: null, size: null },
  'liar.gguf': { body: small.subarray(0, 1000), cdn: 'flood' },
  'drip.gguf': { body: small, cdn: 'drip' },
  'hang.gguf': { body: small, cdn: 'hang' },
}
const requests: { method: string; path: string; range?: string }[] = []
let server: Server
let base: string
let cache: string

/** Answers a CDN request for `body`: HEAD, GET, and GET with `Range: bytes=N-`. */
function sendBytes(req: IncomingMessage, res: ServerResponse, body: Buffer, drop: boolean): void {
  const range = /^bytes=(\d+)-$/.exec(req.headers.range ?? '')
  const start = range ? Number(range[1]) : 0
  if (start >= body.length) return void res.writeHead(416).end()
  const part = body.subarray(start)
  res.writeHead(range ? 206 : 200, {
    'content-length': String(part.length),
    ...(range ? { 'content-range': `bytes ${start}-${body.length - 1}/${body.length}` } : {}),
  })
  if (req.method === 'HEAD') return void res.end()
  // half of it, then the connection drops
  if (drop) return void res.write(part.subarray(0, part.length >> 1), () => res.destroy())
  res.end(part)
}

function misbehave(req: IncomingMessage, res: ServerResponse, f: Served): void {
  if (f.cdn === 'flood') {
    res.writeHead(200) // chunked: no content-length to reject it by
    if (req.method === 'HEAD') return void res.end()
    const chunk = randomBytes(64 * 1024)
    Readable.from(
      (function* () {
        for (let i = 0; i < 256; i++) yield chunk
      })(),
    ).pipe(res)
    return
  }
  res.writeHead(200, { 'content-length': String(f.body.length) })
  if (req.method === 'HEAD') return void res.end()
  res.flushHeaders()
  if (f.cdn === 'drip') {
    let sent = 0
    const timer = setInterval(() => res.write(f.body.subarray(sent, ++sent)), 5)
    res.on('close', () => clearInterval(timer))
  }
}

/** A server on 127.0.0.1 with a random port; closed, connections and all, after the test (or all tests). */
async function listen(
  handler: (req: IncomingMessage, res: ServerResponse) => void,
): Promise<{ server: Server; base: string }> {
  const s = createServer(handler)
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r))
  return { server: s, base: `http://127.0.0.1:${(s.address() as AddressInfo).port}` }
}

function stop(s: Server | undefined): void {
  s?.closeAllConnections()
  s?.close()
}

function tempDir(t: ExecutionContext, prefix = 'gguf-pull-'): string {
  const dir = mkdtempSync(join(tmpdir(), prefix))
  t.teardown(() => rmSync(dir, { recursive: true, force: true }))
  return dir
}

const gets = (path: string) => requests.filter((r) => r.method === 'GET' && r.path === path).length

test.before(async () => {
  cache = mkdtempSync(join(tmpdir(), 'gguf-pull-'))
  const dropped = new Set<string>()
  ;({ server, base } = await listen((req, res) => {
    requests.push({ method: req.method ?? '', path: req.url ?? '', range: req.headers.range })
    const resolve = /^\/acme\/models\/resolve\/main\/(.+)$/.exec(req.url ?? '')
    const cdn = /^\/cdn\/(.+)$/.exec(req.url ?? '')
    const name = resolve?.[1] ?? cdn?.[1] ?? ''
    const f = files[name]
    if (!f) return void res.writeHead(404).end('not found')
    if (resolve) {
      const size = f.size === undefined ? f.body.length : f.size
      const etag = f.etag === undefined ? sha(f.body) : f.etag
      return void res
        .writeHead(302, {
          location: `/cdn/${name}`,
          ...(size === null ? {} : { 'x-linked-size': String(size) }),
          ...(etag === null ? {} : { 'x-linked-etag': `"${etag}"` }),
        })
        .end()
    }
    if (f.cdn) return misbehave(req, res, f)
    if (f.size === null) return void res.writeHead(200).end(req.method === 'HEAD' ? undefined : f.body) // chunked: no size stated
    const drop = f.drop === true && req.method === 'GET' && !dropped.has(name)
    if (drop) dropped.add(name)
    sendBytes(req, res, f.body, drop)
  }))
})
test.after.always(() => {
  stop(server)
  rmSync(cache, { recursive: true, force: true })
})

/** Pulls into its own cache folder, collecting warnings. */
async function pullFresh(t: ExecutionContext, uri: string, options: PullOptions = {}) {
  const cacheDir = options.cacheDir ?? tempDir(t)
  const warnings: string[] = []
  const path = await pull(uri, { baseUrl: base, cacheDir, onWarning: (w) => warnings.push(w.kind), ...options })
  return { path, warnings, cacheDir }
}

async function rejects(t: ExecutionContext, promise: Promise<unknown>): Promise<EmbedError> {
  const err = await t.throwsAsync(promise, { instanceOf: EmbedError })
  return err as EmbedError
}

test.serial(
  'a dropped connection is resumed with a Range request; the file is verified and renamed into place',
  async (t) => {
    let last = { received: 0, total: 0 as number | undefined }
    const path = await pull('hf:acme/models/model.gguf', {
      baseUrl: base,
      cacheDir: cache,
      onProgress: (p) => (last = p),
    })
    t.is(path, cachedPath('hf:acme/models/model.gguf', { cacheDir: cache }))
    t.true(readFileSync(path).equals(blob))
    t.false(existsSync(`${path}.partial`))
    t.true(
      requests.some((r) => r.path === '/cdn/model.gguf' && r.range !== undefined),
      'resumed with Range',
    )
    t.is(last.received, blob.length)
    t.is(last.total, blob.length)
    const before = requests.length
    t.is(await pull('hf:acme/models/model.gguf', { baseUrl: base, cacheDir: cache }), path)
    t.is(requests.length, before, 'a verified file in the cache is not downloaded again')
  },
)

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
  const err = await rejects(t, pull('hf:acme/models/bad.gguf', { baseUrl: base, cacheDir: cache }))
  t.is(err.code, 'DOWNLOAD_FAILED')
  t.is(err.kind, 'ChecksumMismatch')
  const path = cachedPath('hf:acme/models/bad.gguf', { cacheDir: cache })
  t.false(existsSync(path))
  t.false(existsSync(`${path}.partial`))
})

test('a 404 rejects with DOWNLOAD_FAILED NotFound; bad URIs and options are INVALID_ARGUMENT', async (t) => {
  const err = await rejects(t, pull('hf:acme/models/missing.gguf', { baseUrl: base, cacheDir: cache }))
  t.is(err.code, 'DOWNLOAD_FAILED')
  t.is(err.kind, 'NotFound')
  for (const bad of [
    'hf:acme',
    'hf:acme/models',
    'hf:acme/models/../../etc/passwd',
    'http://x/y.gguf',
    'hf:acme/models/notes.txt',
  ]) {
    t.is(t.throws(() => parseModelUri(bad), { instanceOf: EmbedError })?.code, 'INVALID_ARGUMENT', bad)
  }
  t.deepEqual(parseModelUri('hf:acme/models/sub/dir/m.q8_0.gguf@v1.2'), {
    owner: 'acme',
    repo: 'models',
    file: 'sub/dir/m.q8_0.gguf',
    revision: 'v1.2',
  })
  t.is(parseModelUri('hf:acme/models/m.gguf@refs/pr/1').revision, 'refs/pr/1')
  const typo = await rejects(t, pull('hf:acme/models/m.gguf', { cacheDir: cache, retry: 3 } as PullOptions))
  t.is(typo.code, 'INVALID_ARGUMENT')
})

// Finding 3: every part of the URI becomes a path component in the cache.
test('no part of an hf: URI leads outside the cache; each bad part is INVALID_ARGUMENT naming it', async (t) => {
  const outer = tempDir(t)
  const cacheDir = join(outer, 'a', 'b', 'cache')
  // A mirror that answers every path with a file it vouches for, so only the URI checks stand in the way.
  const body = Buffer.from('ssh-ed25519 AAAA attacker\n')
  const { server: anything, base: anywhere } = await listen((req, res) => {
    res.writeHead(200, {
      'content-length': String(body.length),
      'x-linked-size': String(body.length),
      'x-linked-etag': `"${sha(body)}"`,
    })
    res.end(req.method === 'HEAD' ? undefined : body)
  })
  t.teardown(() => stop(anything))
  const cases: [string, string][] = [
    ['hf:../../authorized_keys.gguf@..', 'Owner'],
    ['hf:../models/x.gguf', 'Owner'],
    ['hf:.ssh/models/x.gguf', 'Owner'],
    ['hf:-x/models/x.gguf', 'Owner'],
    ['hf:acme/../x.gguf', 'Repo'],
    ['hf:acme/.../x.gguf', 'Repo'],
    ['hf:acme/models/x.gguf@..', 'Revision'],
    ['hf:acme/models/x.gguf@../../../../x', 'Revision'],
    ['hf:acme/models/x.gguf@main/../..', 'Revision'],
    ['hf:acme/models/x.gguf@/etc', 'Revision'],
    ['hf:acme/models/x.gguf@a\\b', 'Revision'],
    ['hf:acme/models/x.gguf@a\0b', 'Revision'],
    ['hf:acme/models/../../../../x.gguf', 'File'],
    ['hf:acme/models//etc/x.gguf', 'File'],
    ['hf:acme/models/sub\\..\\..\\x.gguf', 'File'],
    ['hf:acme/models/x\0.gguf', 'File'],
    ['hf:acme/models/x.gguf.partial', 'File'],
  ]
  for (const [uri, kind] of cases) {
    const err = await rejects(t, pull(uri, { baseUrl: anywhere, cacheDir, retries: 0 }))
    t.is(err.code, 'INVALID_ARGUMENT', uri)
    t.is(err.kind, kind, uri)
    t.is(t.throws(() => cachedPath(uri, { cacheDir }), { instanceOf: EmbedError })?.code, 'INVALID_ARGUMENT', uri)
  }
  const outside: string[] = []
  const walk = (dir: string) => {
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      const p = join(dir, e.name)
      if (e.isDirectory()) walk(p)
      else if (relative(cacheDir, p).startsWith('..')) outside.push(p)
    }
  }
  walk(outer)
  t.deepEqual(outside, [], 'nothing was written outside the cache')
})

// Finding 4: the token belongs to the hub's origin; a redirect elsewhere goes without it.
test('HF_TOKEN never reaches another origin: not on HEAD or GET redirects, not on Range resumes', async (t) => {
  const seen = { hub: [] as (string | undefined)[], cdn: [] as { auth?: string; range?: string }[] }
  const dropped = new Set<string>()
  const { server: cdnServer, base: cdn } = await listen((req, res) => {
    seen.cdn.push({ auth: req.headers.authorization, range: req.headers.range })
    const drop = req.method === 'GET' && !dropped.has(req.url ?? '')
    if (drop) dropped.add(req.url ?? '')
    sendBytes(req, res, small, drop)
  })
  t.teardown(() => stop(cdnServer))
  const linked = { 'x-linked-size': String(small.length), 'x-linked-etag': `"${sha(small)}"` }
  const { server: hubServer, base: hub } = await listen((req, res) => {
    seen.hub.push(req.headers.authorization)
    // head.gguf: the HEAD is redirected to the CDN (the hub's LFS answer); get.gguf: the HEAD is
    // answered here, and the GET redirected.
    if (req.url?.endsWith('/head.gguf') || req.method === 'GET')
      return void res.writeHead(302, { location: `${cdn}/blob/${req.url?.split('/').pop()}`, ...linked }).end()
    res.writeHead(200, { 'content-length': String(small.length), ...linked }).end()
  })
  t.teardown(() => stop(hubServer))
  for (const name of ['head.gguf', 'get.gguf']) {
    const { path } = await pullFresh(t, `hf:acme/models/${name}`, { baseUrl: hub, token: 'secret-token' })
    t.true(readFileSync(path).equals(small))
  }
  t.true(seen.hub.includes('Bearer secret-token'), 'the hub got the token')
  t.is(seen.cdn.filter((r) => r.range !== undefined).length, 2, 'both files were resumed with Range')
  t.deepEqual(
    seen.cdn.filter((r) => r.auth !== undefined),
    [],
    'the CDN never saw Authorization',
  )
})

// Finding 6: a planted .partial (or sidecar) is never written through, and never trusted unchecked.
test('a symlink planted as FILE.partial or FILE.json is replaced, its target untouched', async (t) => {
  const cacheDir = tempDir(t)
  const victim = join(tempDir(t), 'precious')
  writeFileSync(victim, 'precious')
  const path = cachedPath('hf:acme/models/link.gguf', { cacheDir })
  mkdirSync(dirname(path), { recursive: true })
  symlinkSync(victim, `${path}.partial`)
  symlinkSync(victim, `${path}.json`)
  const { warnings } = await pullFresh(t, 'hf:acme/models/link.gguf', { cacheDir })
  t.is(readFileSync(victim, 'utf8'), 'precious')
  t.true(readFileSync(path).equals(small))
  t.false(lstatSync(`${path}.json`).isSymbolicLink())
  t.true(warnings.includes('PartialDiscarded'))
})

test('a pre-sized .partial is not resumed when the origin states no checksum; the result is marked unverified', async (t) => {
  const cacheDir = tempDir(t)
  const path = cachedPath('hf:acme/models/sizeonly.gguf', { cacheDir })
  mkdirSync(dirname(path), { recursive: true })
  writeFileSync(`${path}.partial`, Buffer.alloc(small.length, 0x41))
  const { warnings } = await pullFresh(t, 'hf:acme/models/sizeonly.gguf', { cacheDir })
  t.true(readFileSync(path).equals(small), 'downloaded from the start, not taken from the planted file')
  t.true(warnings.includes('PartialDiscarded'))
  t.true(warnings.includes('Unverified'))
  t.false(JSON.parse(readFileSync(`${path}.json`, 'utf8')).verified)
})

// Finding 9: what a mirror sends is bounded by what it states, in bytes and in time.
test('a body longer than the stated size is cut off at that size: SizeMismatch, nothing kept', async (t) => {
  let most = 0
  const cacheDir = tempDir(t)
  const err = await rejects(
    t,
    pullFresh(t, 'hf:acme/models/liar.gguf', { cacheDir, onProgress: (p) => (most = Math.max(most, p.received)) }),
  )
  t.is(err.code, 'DOWNLOAD_FAILED')
  t.is(err.kind, 'SizeMismatch')
  t.true(most <= 1000, `received ${most} bytes past a stated 1000`)
  const path = cachedPath('hf:acme/models/liar.gguf', { cacheDir })
  t.false(existsSync(path))
  t.false(existsSync(`${path}.partial`))
})

test('an origin that states neither size nor checksum is refused: Unverifiable, nothing downloaded', async (t) => {
  const cacheDir = tempDir(t)
  const err = await rejects(t, pullFresh(t, 'hf:acme/models/nosize.gguf', { cacheDir }))
  t.is(err.code, 'DOWNLOAD_FAILED')
  t.is(err.kind, 'Unverifiable')
  t.false(existsSync(cachedPath('hf:acme/models/nosize.gguf', { cacheDir })))
  t.is(gets('/cdn/nosize.gguf'), 0)
})

test('a drip of bytes, or silence, after the headers fails with Stalled after the retries', async (t) => {
  t.timeout(60_000)
  for (const name of ['drip.gguf', 'hang.gguf']) {
    const err = await rejects(t, pullFresh(t, `hf:acme/models/${name}`, { stallTimeout: 200, retries: 1 }))
    t.is(err.code, 'DOWNLOAD_FAILED', name)
    t.is(err.kind, 'Stalled', name)
    t.is(gets(`/cdn/${name}`), 2, `${name}: tried, then retried once`)
  }
})

test('concurrent pulls of one file, in this process and another, share one download', async (t) => {
  const cacheDir = tempDir(t)
  const uri = 'hf:acme/models/shared.gguf'
  const script = `require(${JSON.stringify(join(root, 'dist', 'src', 'download.js'))}).pull(${JSON.stringify(uri)}, { baseUrl: ${JSON.stringify(base)}, cacheDir: ${JSON.stringify(cacheDir)} })
    .then((p) => console.log(p), (e) => { console.error(e.code, e.kind, e.message); process.exit(1) })`
  const [child, ...paths] = await Promise.all([
    promisify(execFile)(process.execPath, ['-e', script], { encoding: 'utf8' }),
    ...Array.from({ length: 6 }, () => pull(uri, { baseUrl: base, cacheDir })),
  ])
  const path = cachedPath(uri, { cacheDir })
  t.deepEqual([child.stdout.trim(), ...paths], Array(7).fill(path))
  t.true(readFileSync(path).equals(small))
  t.is(gets('/cdn/shared.gguf'), 1, 'downloaded once; the others waited and found it in the cache')
  t.false(existsSync(`${path}.lock`))
})

test('a pull waits while a live process holds the lock, and takes it over once that process is gone', async (t) => {
  const cacheDir = tempDir(t)
  const uri = 'hf:acme/models/locked.gguf'
  const path = cachedPath(uri, { cacheDir })
  mkdirSync(dirname(path), { recursive: true })
  const holder = spawn(
    process.execPath,
    [
      '-e',
      `require(${JSON.stringify(join(root, 'dist', 'src', 'download-lock.js'))}).acquire(${JSON.stringify(`${path}.lock`)})
    .then(() => { console.log('locked'); setInterval(() => {}, 1e6) })`,
    ],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  )
  t.teardown(() => holder.kill('SIGKILL'))
  await new Promise<void>((r, j) => {
    holder.stdout.on('data', (d: Buffer) => d.toString().includes('locked') && r())
    holder.on('exit', () => j(new Error('the lock holder exited')))
  })
  let requestsWhileHeld = -1
  const warnings: string[] = []
  await pull(uri, {
    baseUrl: base,
    cacheDir,
    onWarning: (w) => {
      warnings.push(w.kind)
      if (w.kind !== 'Waiting') return
      requestsWhileHeld = requests.filter((r) => r.path.endsWith('/locked.gguf')).length
      holder.kill('SIGKILL') // it dies holding the lock, which is then stale
    },
  })
  t.true(warnings.includes('Waiting'))
  t.is(requestsWhileHeld, 0, 'nothing was fetched while the lock was held')
  t.true(readFileSync(path).equals(small))
  t.false(existsSync(`${path}.lock`))
})

test('a corrupt metadata sidecar counts as absent: the file is checked again, not refused', async (t) => {
  const { path, cacheDir } = await pullFresh(t, 'hf:acme/models/sidecar.gguf')
  writeFileSync(`${path}.json`, '{"size": 20')
  t.is((await pullFresh(t, 'hf:acme/models/sidecar.gguf', { cacheDir })).path, path)
  t.true(readFileSync(path).equals(small))
  t.is(typeof JSON.parse(readFileSync(`${path}.json`, 'utf8')).size, 'number')
  t.is(gets('/cdn/sidecar.gguf'), 1, 'the file in place matched the stated SHA-256, so it was not downloaded again')
})

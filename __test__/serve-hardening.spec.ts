import test from 'ava'
import autocannon from 'autocannon'
import { execFile } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { connect } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'

import { modelFile, root } from './helpers'
import { call, post, rssOf, samples, spawnServe, type ServerProcess } from './serve-helpers'
import { waitFor } from './wait'

// `gguf-embed serve` as operators run it: a child process of the built CLI, under many clients,
// slow clients, bad keys and signals. One test at a time: each one's server keeps both cores busy.

const run = promisify(execFile)
const cli = join(root, 'dist', 'src', 'cli.js')

async function serveCli(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return serveCliWith({}, args)
}

/** `gguf-embed serve ARGS` with these environment variables set (undefined: unset). */
async function serveCliWith(
  vars: Record<string, string | undefined>,
  args: string[],
): Promise<{ code: number; stdout: string; stderr: string }> {
  const env = { ...process.env, ...vars }
  for (const [k, v] of Object.entries(vars)) if (v === undefined) delete env[k]
  try {
    const { stdout, stderr } = await run(process.execPath, [cli, 'serve', ...args], { env })
    return { code: 0, stdout, stderr }
  } catch (e) {
    const err = e as { code: number; stdout: string; stderr: string }
    return { code: err.code, stdout: err.stdout, stderr: err.stderr }
  }
}

function kill(s: ServerProcess): Promise<unknown> {
  if (s.child.exitCode === null && s.child.signalCode === null) s.child.kill('SIGKILL')
  return s.exited
}

/** Polls until the engine holds a request (queued or in inference), or fails after a minute. */
async function engineBusy(url: string): Promise<void> {
  for (const end = Date.now() + 60_000; ; await new Promise((r) => setTimeout(r, 20))) {
    const m = samples((await call(url, '/metrics')).text)
    if (m.get('gguf_embed_queue_depth')! + m.get('gguf_embed_inference_in_flight')! > 0) return
    if (Date.now() > end) throw new Error('the request never reached the engine')
  }
}

test.serial('usage errors exit 2 before loading anything; a missing model exits 1 with its code', async (t) => {
  t.is((await serveCli('--help')).code, 0)
  t.is((await serveCli()).code, 2)
  for (const flags of [
    ['--port', '70000'],
    ['--port', 'x'],
    ['--max-body', 'lots'],
    ['--max-tokens', '0'],
    ['--request-timeout=-1'],
    ['--request-timeout', '-1'],
    ['--threads', '1.5'],
    ['--max-connections', '0'],
    ['--no-such-flag'],
  ]) {
    const r = await serveCli(modelFile('q4_0'), ...flags)
    t.is(r.code, 2, flags.join(' '))
    t.regex(r.stderr, new RegExp(flags[0].replace(/=.*/, '')))
  }
  const r = await serveCli('/nonexistent/model.gguf', '--port', '0')
  t.is(r.code, 1)
  t.regex(r.stderr, /gguf-embed: IO: /)
})

test.serial(
  'API keys: an empty or untransmittable key exits 2; beyond loopback a key is required unless --insecure-no-auth',
  async (t) => {
    // The model does not exist: a command that gets past the key checks ends in IO (exit 1), one
    // refused by them exits 2 before anything is loaded or bound.
    const model = '/nonexistent/model.gguf'
    const unset = { GGUF_EMBED_API_KEY: undefined }
    // None of these is an address of this machine (TEST-NET-1, IPv6 documentation, a reserved name):
    // a server that wrongly got past the check could not listen there either.
    const remote = ['192.0.2.1', '2001:db8::1', 'gguf-embed.invalid']
    const refused: Array<[Record<string, string | undefined>, string[]]> = [
      [{ GGUF_EMBED_API_KEY: '' }, []],
      [unset, ['--api-key=']],
      [{ GGUF_EMBED_API_KEY: 'sk-from-env' }, ['--api-key=']],
      [unset, ['--api-key', 'sk with space']],
      [{ GGUF_EMBED_API_KEY: ' sk-padded' }, []],
      [{ GGUF_EMBED_API_KEY: 'sk-caf\u00e9' }, []],
      [{ GGUF_EMBED_API_KEY: 'sk-\x01-control' }, []],
      ...remote.map((host): [Record<string, string | undefined>, string[]] => [unset, ['--host', host]]),
    ]
    for (const [vars, flags] of refused) {
      const r = await serveCliWith(vars, [model, '--port', '0', ...flags])
      t.is(r.code, 2, `${JSON.stringify(vars)} ${flags.join(' ')}: ${r.stderr}`)
    }
    const accepted: Array<[Record<string, string | undefined>, string[]]> = [
      [unset, []],
      [unset, ['--host', 'localhost']],
      [{ GGUF_EMBED_API_KEY: 'sk-remote' }, ['--host', remote[0]]],
      [unset, ['--api-key', 'sk-remote', '--host', remote[0]]],
    ]
    for (const [vars, flags] of accepted) {
      const r = await serveCliWith(vars, [model, '--port', '0', ...flags])
      t.is(r.code, 1, `${JSON.stringify(vars)} ${flags.join(' ')}: ${r.stderr}`)
      t.notRegex(r.stderr, /WARNING/)
    }
    // Without a key beyond loopback only on request, and loudly.
    const insecure = await serveCliWith(unset, [model, '--port', '0', '--host', remote[0], '--insecure-no-auth'])
    t.is(insecure.code, 1, insecure.stderr)
    t.regex(insecure.stderr, /WARNING.*--insecure-no-auth/)
  },
)

test.serial('SIGHUP drains like SIGTERM: the request in flight is answered and the process exits 0', async (t) => {
  const s = await spawnServe([modelFile('q4_0'), '--port', '0'])
  t.teardown(() => kill(s))
  const texts = Array.from(
    { length: 128 },
    (_, i) => `def view_${i}(request):\n    return render(request, "page_${i}.html", {"n": ${i}})`,
  )
  const inFlight = post(s.url, '/v1/embeddings', { input: texts })
  await engineBusy(s.url)
  s.child.kill('SIGHUP')
  const r = await inFlight
  t.is(r.status, 200)
  t.is(r.json.data.length, 128)
  t.deepEqual(await s.exited, { code: 0, signal: null })
})

test.serial('the ready line escapes control characters from the model file and its path', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'gguf-embed-serve-'))
  t.teardown(() => rmSync(dir, { recursive: true, force: true }))
  // general.name rewritten in place, same length: ESC sequences, CR and BEL where the name was.
  const bytes = readFileSync(modelFile('q4_0'))
  const key = bytes.indexOf('general.name')
  t.true(key > 0, 'the model has a general.name')
  t.is(bytes.readUInt32LE(key + 'general.name'.length), 8, 'a string value')
  const length = Number(bytes.readBigUInt64LE(key + 'general.name'.length + 4))
  const start = key + 'general.name'.length + 12
  Buffer.from('\x1b[2J\x1b[31m\r\x07'.padEnd(length, 'X')).copy(bytes, start, 0, length)
  const file = join(dir, 'model-\x1b]0;title\x07\r.gguf')
  writeFileSync(file, bytes)
  const s = await spawnServe([file, '--port', '0'])
  t.teardown(() => kill(s))
  const ready = s
    .stdout()
    .split('\n')
    .find((line) => line.startsWith('ready:'))!
  t.regex(ready, /\\x1b/, 'the escape is written out, not sent')
  t.notRegex(s.stdout(), /[\x00-\x09\x0b-\x1f\x7f-\x9f]/, 'no control character but the newlines between lines')
})

test.serial(
  'binds to loopback by default, takes the key from GGUF_EMBED_API_KEY; SIGTERM drains the request in flight and exits 0',
  async (t) => {
    const s = await spawnServe([modelFile('q8_0'), '--port', '0', '--drain-timeout', '240'], {
      GGUF_EMBED_API_KEY: 'sk-from-env',
    })
    t.teardown(() => kill(s))
    t.regex(s.url, /^http:\/\/127\.0\.0\.1:\d+$/)
    t.is((await post(s.url, '/v1/embeddings', { input: 'x' })).status, 401)
    const auth = { authorization: 'Bearer sk-from-env' }
    t.is((await post(s.url, '/v1/embeddings', { input: 'x' }, auth)).status, 200)

    const texts = Array.from(
      { length: 256 },
      (_, i) => `def handler_${i}(request):\n    return render(request, "page_${i}.html", {"items": load(${i})})`,
    )
    const inFlight = post(s.url, '/v1/embeddings', { input: texts }, auth)
    // SIGTERM once the engine holds the request.
    await engineBusy(s.url)
    s.child.kill('SIGTERM')
    await waitFor(() => /draining/.test(s.stderr()), 'the drain message')
    t.regex(s.stderr(), /SIGTERM: draining 1 request\(s\) in flight/)
    // No new connections while it drains.
    await t.throwsAsync(call(s.url, '/health'), { code: 'ECONNREFUSED' })
    const r = await inFlight
    t.is(r.status, 200)
    t.is(r.json.data.length, 256)
    t.is(r.json.data[255].embedding.length, 384)
    t.deepEqual(await s.exited, { code: 0, signal: null })
    t.regex(s.stderr(), /closed/)
  },
)

test.serial(
  '1,000 concurrent connections: each request answered once, only 200 or 429, memory flat between rounds',
  async (t) => {
    const s = await spawnServe([modelFile('q8_0'), '--port', '0'])
    t.teardown(() => kill(s))
    const connections = 1000
    const amount = connections
    const body = JSON.stringify({
      input: 'def read_lines(path):\n    with open(path) as f:\n        return f.read().splitlines()',
      model: 'minilm',
    })
    const round = async () => {
      let responses = 0
      const instance = autocannon({
        url: `${s.url}/v1/embeddings`,
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body,
        connections,
        amount,
        // Latency is not under test here (the queue serves 1,000 clients on two cores): no client-side timeouts.
        timeout: 600,
      })
      instance.on('response', () => responses++)
      const result = await instance
      return { result, responses }
    }
    // A first round warms up (V8 sizes its heap to the load); the two after it are compared.
    const warm = await round()
    const first = await round()
    const rss1 = rssOf(s.child.pid!)
    const second = await round()
    const rss2 = rssOf(s.child.pid!)
    for (const { result, responses } of [warm, first, second]) {
      const statuses = Object.keys(result.statusCodeStats)
      t.log(
        `${result.requests.total} requests: ${JSON.stringify(result.statusCodeStats)}, errors ${result.errors}, timeouts ${result.timeouts}, ${result.requests.average} req/s, p99 ${result.latency.p99} ms`,
      )
      t.is(result.errors, 0)
      t.is(result.timeouts, 0)
      t.is(responses, amount, 'one response per request')
      t.true(
        statuses.every((code) => code === '200' || code === '429'),
        statuses.join(' '),
      )
      t.is(result.non2xx, (result.statusCodeStats as Record<string, { count: number }>)['429']?.count ?? 0)
    }
    const m = samples((await call(s.url, '/metrics')).text)
    const answered = [...m]
      .filter(([k]) => k.startsWith('gguf_embed_http_requests_total{route="/v1/embeddings"'))
      .reduce((n, [, v]) => n + v, 0)
    t.is(answered, 3 * amount, 'the server answered every request once')
    t.is(m.get('gguf_embed_http_requests_total{route="/v1/embeddings",status="499"}'), undefined)
    t.log(
      `RSS after round 2 ${(rss1 / 2 ** 20).toFixed(1)} MiB, after round 3 ${(rss2 / 2 ** 20).toFixed(1)} MiB; ${m.get('gguf_embed_engine_batches_total')} batches for ${m.get('gguf_embed_engine_inputs_total')} inputs`,
    )
    t.true(rss2 < rss1 * 1.25, 'a second round of the same load does not grow the server by a quarter')
  },
)

test.serial('slow clients are cut off: headers past --headers-timeout, a body past --request-timeout', async (t) => {
  const s = await spawnServe([modelFile('q4_0'), '--port', '0', '--headers-timeout', '1', '--request-timeout', '2'])
  t.teardown(() => kill(s))
  const { port } = new URL(s.url)
  const trickle = (head: string, drip: string) =>
    new Promise<string>((resolve) => {
      const socket = connect(Number(port), '127.0.0.1')
      let received = ''
      socket.on('data', (c) => (received += c.toString()))
      socket.on('error', () => {})
      socket.write(head)
      // One byte every 200 ms: alive, never done.
      const timer = setInterval(() => socket.writable && socket.write(drip), 200)
      socket.on('close', () => {
        clearInterval(timer)
        resolve(received)
      })
    })
  const headers = await trickle('POST /v1/embeddings HTTP/1.1\r\nHost: x\r\n', 'X')
  t.regex(headers, /^HTTP\/1\.1 408/)
  const body = await trickle(
    'POST /v1/embeddings HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100000\r\n\r\n{"input":"',
    'a',
  )
  t.regex(body, /^HTTP\/1\.1 408/)
  t.is((await post(s.url, '/v1/embeddings', { input: 'still serving' })).status, 200)
})

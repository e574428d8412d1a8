import test from 'ava'
import autocannon from 'autocannon'
import { execFile } from 'node:child_process'
import { connect } from 'node:net'
import { join } from 'node:path'
import { promisify } from 'node:util'

import { modelFile, root } from './helpers'
import { call, post, rssOf, samples, spawnServe, type ServerProcess } from './serve-helpers'

// `gguf-embed serve` as operators run it: a child process of the built CLI, under many clients,
// slow clients and SIGTERM. One test at a time: each one's server keeps both cores busy.

const run = promisify(execFile)
const cli = join(root, 'dist', 'cli.js')

async function serveCli(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, [cli, 'serve', ...args])
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

test.serial('usage errors exit 2 before loading anything; a missing model exits 1 with its code', async (t) => {
  t.is((await serveCli('--help')).code, 0)
  t.is((await serveCli()).code, 2)
  for (const flags of [['--port', '70000'], ['--port', 'x'], ['--max-body', 'lots'], ['--max-tokens', '0'], ['--request-timeout=-1'], ['--request-timeout', '-1'], ['--threads', '1.5'], ['--no-such-flag']]) {
    const r = await serveCli(modelFile('q4_0'), ...flags)
    t.is(r.code, 2, flags.join(' '))
    t.regex(r.stderr, new RegExp(flags[0].replace(/=.*/, '')))
  }
  const r = await serveCli('/nonexistent/model.gguf', '--port', '0')
  t.is(r.code, 1)
  t.regex(r.stderr, /gguf-embed: IO: /)
})

test.serial('binds to loopback by default, takes the key from GGUF_EMBED_API_KEY; SIGTERM drains the request in flight and exits 0', async (t) => {
  const s = await spawnServe([modelFile('q8_0'), '--port', '0', '--drain-timeout', '240'], { GGUF_EMBED_API_KEY: 'sk-from-env' })
  t.teardown(() => kill(s))
  t.regex(s.url, /^http:\/\/127\.0\.0\.1:\d+$/)
  t.is((await post(s.url, '/v1/embeddings', { input: 'x' })).status, 401)
  const auth = { authorization: 'Bearer sk-from-env' }
  t.is((await post(s.url, '/v1/embeddings', { input: 'x' }, auth)).status, 200)

  const texts = Array.from({ length: 256 }, (_, i) => `def handler_${i}(request):\n    return render(request, "page_${i}.html", {"items": load(${i})})`)
  const inFlight = post(s.url, '/v1/embeddings', { input: texts }, auth)
  // SIGTERM once the engine holds the request.
  for (;;) {
    const m = samples((await call(s.url, '/metrics')).text)
    if (m.get('gguf_embed_queue_depth')! + m.get('gguf_embed_inference_in_flight')! > 0) break
    await new Promise((r) => setTimeout(r, 20))
  }
  s.child.kill('SIGTERM')
  while (!/draining/.test(s.stderr())) await new Promise((r) => setTimeout(r, 10))
  t.regex(s.stderr(), /SIGTERM: draining 1 request\(s\) in flight/)
  // No new connections while it drains.
  await t.throwsAsync(call(s.url, '/health'), { code: 'ECONNREFUSED' })
  const r = await inFlight
  t.is(r.status, 200)
  t.is(r.json.data.length, 256)
  t.is(r.json.data[255].embedding.length, 384)
  t.deepEqual(await s.exited, { code: 0, signal: null })
  t.regex(s.stderr(), /closed/)
})

test.serial('1,000 concurrent connections: each request answered once, only 200 or 429, memory flat between rounds', async (t) => {
  const s = await spawnServe([modelFile('q8_0'), '--port', '0'])
  t.teardown(() => kill(s))
  const connections = 1000
  const amount = connections
  const body = JSON.stringify({ input: 'def read_lines(path):\n    with open(path) as f:\n        return f.read().splitlines()', model: 'minilm' })
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
    t.log(`${result.requests.total} requests: ${JSON.stringify(result.statusCodeStats)}, errors ${result.errors}, timeouts ${result.timeouts}, ${result.requests.average} req/s, p99 ${result.latency.p99} ms`)
    t.is(result.errors, 0)
    t.is(result.timeouts, 0)
    t.is(responses, amount, 'one response per request')
    t.true(statuses.every((code) => code === '200' || code === '429'), statuses.join(' '))
    t.is(result.non2xx, (result.statusCodeStats as Record<string, { count: number }>)['429']?.count ?? 0)
  }
  const m = samples((await call(s.url, '/metrics')).text)
  const answered = [...m].filter(([k]) => k.startsWith('gguf_embed_http_requests_total{route="/v1/embeddings"')).reduce((n, [, v]) => n + v, 0)
  t.is(answered, 3 * amount, 'the server answered every request once')
  t.is(m.get('gguf_embed_http_requests_total{route="/v1/embeddings",status="499"}'), undefined)
  t.log(`RSS after round 2 ${(rss1 / 2 ** 20).toFixed(1)} MiB, after round 3 ${(rss2 / 2 ** 20).toFixed(1)} MiB; ${m.get('gguf_embed_engine_batches_total')} batches for ${m.get('gguf_embed_engine_inputs_total')} inputs`)
  t.true(rss2 < rss1 * 1.25, 'a second round of the same load does not grow the server by a quarter')
})

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
  const body = await trickle('POST /v1/embeddings HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100000\r\n\r\n{"input":"', 'a')
  t.regex(body, /^HTTP\/1\.1 408/)
  t.is((await post(s.url, '/v1/embeddings', { input: 'still serving' })).status, 200)
})

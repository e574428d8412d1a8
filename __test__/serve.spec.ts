import test from 'ava'
import { request } from 'node:http'
import { connect } from 'node:net'
import OpenAI from 'openai'

import { Embedder, type EmbedderOptions } from 'gguf-embed'
import { createServer, serve, type EmbeddingServer, type ServerOptions } from 'gguf-embed/server'
import { isLoopback } from '../src/server/auth'
import { printable } from '../src/server/log'
import { cosine, modelFile } from './helpers'
import { call, post, samples, sendThenRead } from './serve-helpers'
import { waitFor } from './wait'

// The server in this process over a real model, driven by the official openai client and by raw
// HTTP for what no well-behaved client sends.

async function start(
  load: EmbedderOptions = {},
  options: ServerOptions = {},
): Promise<{ embedder: Embedder; server: EmbeddingServer; url: string }> {
  const embedder = await Embedder.load(modelFile('q8_0'), load)
  const server = createServer(embedder, options)
  const { port } = await server.listen(0)
  return { embedder, server, url: `http://127.0.0.1:${port}` }
}

async function stop(s: { embedder: Embedder; server: EmbeddingServer }): Promise<void> {
  await s.server.close()
  await s.embedder.dispose()
}

const code = [
  'def add(a, b):\n    return a + b',
  'function readLines(path) { return fs.readFileSync(path, "utf8").split("\\n") }',
  'SELECT name FROM users WHERE id = ?',
]

test('the openai client: a string, strings, token arrays, dimensions, float and base64 all equal the library', async (t) => {
  const s = await start(
    { prefixes: { query: 'query: ', document: '' } },
    { apiKey: 'sk-local-test', modelName: 'minilm' },
  )
  t.teardown(() => stop(s))
  const client = new OpenAI({ baseURL: `${s.url}/v1`, apiKey: 'sk-local-test', maxRetries: 0 })
  const direct = await s.embedder.embedBatch(code)

  // No encoding_format: the client asks for base64 and decodes it (little-endian float32).
  const one = await client.embeddings.create({ model: 'minilm', input: code[0] })
  t.is(one.object, 'list')
  t.is(one.model, 'minilm')
  t.is(one.data.length, 1)
  t.is(one.data[0].object, 'embedding')
  t.is(one.data[0].index, 0)
  t.is(one.data[0].embedding.length, 384)
  t.true(cosine(one.data[0].embedding, direct[0]) > 0.99999)
  t.is(one.usage.prompt_tokens, await s.embedder.countTokens(code[0]))
  t.is(one.usage.total_tokens, one.usage.prompt_tokens)

  const floats = await client.embeddings.create({ model: 'minilm', input: code, encoding_format: 'float' })
  t.deepEqual(
    floats.data.map((d) => d.index),
    [0, 1, 2],
  )
  floats.data.forEach((d, i) => t.true(cosine(d.embedding, direct[i]) > 0.99999, `input ${i}`))
  const counts = await Promise.all(code.map((c) => s.embedder.countTokens(c)))
  t.is(
    floats.usage.prompt_tokens,
    counts.reduce((a, b) => a + b),
  )

  // Explicit base64: the raw string, decoded here as the client would.
  const b64 = await client.embeddings.create({ model: 'minilm', input: code, encoding_format: 'base64' })
  b64.data.forEach((d, i) => {
    const bytes = Buffer.from(d.embedding as unknown as string, 'base64')
    t.is(bytes.length, 384 * 4)
    const v = Array.from({ length: 384 }, (_, j) => bytes.readFloatLE(j * 4))
    t.true(cosine(v, direct[i]) > 0.99999, `base64 input ${i}`)
  })

  // Token arrays are embedded as given: the ids tokenize() returns give the text's vector.
  const ids = await Promise.all(code.map(async (c) => Array.from(await s.embedder.tokenize(c))))
  const single = await client.embeddings.create({ model: 'minilm', input: ids[1] })
  t.is(single.data.length, 1)
  t.true(cosine(single.data[0].embedding, direct[1]) > 0.99999)
  t.is(single.usage.prompt_tokens, ids[1].length)
  const many = await client.embeddings.create({ model: 'minilm', input: ids })
  many.data.forEach((d, i) => t.true(cosine(d.embedding, direct[i]) > 0.99999, `token input ${i}`))
  t.is(
    many.usage.prompt_tokens,
    ids.reduce((n, x) => n + x.length, 0),
  )

  const short = await client.embeddings.create({ model: 'minilm', input: code[2], dimensions: 64 })
  t.is(short.data[0].embedding.length, 64)
  t.true(cosine(short.data[0].embedding, await s.embedder.embed(code[2], { dimensions: 64 })) > 0.99999)

  // input_type (an extension OpenAI lacks) picks the model profile's query prefix.
  const query = await client.embeddings.create({
    model: 'minilm',
    input: 'add two numbers',
    input_type: 'query',
  } as OpenAI.EmbeddingCreateParams)
  t.true(cosine(query.data[0].embedding, await s.embedder.embed('add two numbers', { kind: 'query' })) > 0.99999)
  t.true(cosine(query.data[0].embedding, await s.embedder.embed('add two numbers')) < 0.9999)

  const models = await client.models.list()
  t.deepEqual(
    models.data.map((m) => m.id),
    ['minilm'],
  )
})

test('the API key: 401 in OpenAI shape without it or with a wrong one; probes and metrics stay open', async (t) => {
  const s = await start({}, { apiKey: 'sk-right-key' })
  t.teardown(() => stop(s))
  const wrong = new OpenAI({ baseURL: `${s.url}/v1`, apiKey: 'sk-wrong-key', maxRetries: 0 })
  const err = await t.throwsAsync(wrong.embeddings.create({ model: 'm', input: 'x' }), {
    instanceOf: OpenAI.AuthenticationError,
  })
  t.is(err?.status, 401)
  t.is(err?.code, 'invalid_api_key')

  const attempts: Array<Record<string, string>> = [
    {},
    { authorization: 'Bearer ' },
    { authorization: 'Basic c2stcmlnaHQta2V5' },
    { authorization: 'Bearer sk-right-key-but-longer' },
    { authorization: 'Bearer s' },
  ]
  for (const headers of attempts) {
    const r = await post(s.url, '/v1/embeddings', { input: 'x' }, headers)
    t.is(r.status, 401, JSON.stringify(headers))
    t.is(r.headers['www-authenticate'], 'Bearer')
    t.deepEqual(Object.keys(r.json.error).sort(), ['code', 'message', 'param', 'type'])
    t.regex(r.json.error.code, /^(missing|invalid)_api_key$/)
  }
  t.is((await post(s.url, '/embed', { inputs: 'x' })).status, 401)
  t.is(
    (await post(s.url, '/v1/embeddings', { input: 'x' }, { authorization: 'bearer sk-right-key' })).status,
    200,
    'the scheme is case-insensitive',
  )
  for (const path of ['/health', '/ready', '/metrics']) t.is((await call(s.url, path)).status, 200, path)

  // A key no bearer token can carry would turn every request into a 401: refused up front.
  for (const apiKey of ['', 'sk with space', 'sk-\u00e9t\u00e9', 'sk\ttab', 'sk\x1b[0m', 'sk\nline', 42]) {
    t.throws(
      () => createServer(s.embedder, { apiKey: apiKey as string }),
      { code: 'INVALID_ARGUMENT' },
      JSON.stringify(apiKey),
    )
  }
})

test('serve(): beyond loopback without a key is refused before anything is loaded or bound', async (t) => {
  // 192.0.2.1 (TEST-NET-1) is no address of this machine: past the check, binding would fail with EADDRNOTAVAIL instead.
  await t.throwsAsync(serve(modelFile('q4_0'), { host: '192.0.2.1', port: 0 }), { code: 'INVALID_ARGUMENT' })
  await t.throwsAsync(serve(modelFile('q4_0'), { host: '192.0.2.1', port: 0, apiKey: 'sk-remote' }), {
    code: 'EADDRNOTAVAIL',
  })
  await t.throwsAsync(serve(modelFile('q4_0'), { host: '192.0.2.1', port: 0, insecureNoAuth: true }), {
    code: 'EADDRNOTAVAIL',
  })
})

test('loopback addresses, and printable() for what the server logs', (t) => {
  for (const host of [
    '127.0.0.1',
    '127.8.9.10',
    '::1',
    '0:0:0:0:0:0:0:1',
    '::ffff:127.0.0.1',
    'localhost',
    'LOCALHOST',
  ])
    t.true(isLoopback(host), host)
  for (const host of [
    '0.0.0.0',
    '::',
    '10.0.0.1',
    '192.168.1.2',
    '128.0.0.1',
    '::2',
    'fe80::1',
    'example.com',
    'localhost.example.com',
    '',
  ])
    t.false(isLoopback(host), host)
  t.is(printable('all-MiniLM-L6-v2 caf\u00e9'), 'all-MiniLM-L6-v2 caf\u00e9')
  const hostile = printable('a\x1b[2J\rb\nc\x07d\x9be\u202ef\x7f')
  t.notRegex(hostile, /[\x00-\x1f\x7f-\x9f\u202e]/)
  t.is(hostile, 'a\\x1b[2J\\x0db\\x0ac\\x07d\\x9be\\u202ef\\x7f')
})

test('malformed and mistyped requests get 4xx in OpenAI shape, never 500', async (t) => {
  const s = await start({ contextSize: 64, truncate: 'error' }, { limits: { maxInputs: 8 } })
  t.teardown(() => stop(s))
  const cases: Array<[string, unknown, number, string | null, string?]> = [
    ['truncated JSON', '{"input":', 400, null, 'invalid_json'],
    ['not JSON at all', 'input=hello', 400, null, 'invalid_json'],
    ['an array body', '[]', 400, null],
    ['a null body', 'null', 400, null],
    ['no input', {}, 400, 'input'],
    ['a number', { input: 42 }, 400, 'input'],
    ['an object', { input: { text: 'x' } }, 400, 'input'],
    ['an empty string', { input: '' }, 400, 'input'],
    ['an empty array', { input: [] }, 400, 'input'],
    ['a string beside a number', { input: ['a', 7] }, 400, 'input'],
    ['a number beside a string', { input: [1, 'a'] }, 400, 'input'],
    ['null in the array', { input: ['a', null] }, 400, 'input'],
    ['a fractional token id', { input: [[1.5]] }, 400, 'input'],
    ['a negative token id', { input: [-1] }, 400, 'input'],
    ['a token id outside the vocabulary', { input: [101, 99999999, 102] }, 400, 'input'],
    ['an empty token array', { input: [[]] }, 400, 'input'],
    ['too many inputs', { input: Array(9).fill('x') }, 400, 'input'],
    ['an input over the token limit', { input: 'word '.repeat(200) }, 400, 'input', 'context_length_exceeded'],
    ['a token array over the token limit', { input: Array(100).fill(2000) }, 400, 'input', 'context_length_exceeded'],
    ['dimensions 0', { input: 'x', dimensions: 0 }, 400, 'dimensions'],
    ['dimensions as a string', { input: 'x', dimensions: '64' }, 400, 'dimensions'],
    ['dimensions above the model', { input: 'x', dimensions: 1000 }, 400, 'dimensions'],
    ['an unknown encoding', { input: 'x', encoding_format: 'hex' }, 400, 'encoding_format'],
    ['a numeric model', { input: 'x', model: 5 }, 400, 'model'],
    ['an unknown input_type', { input: 'x', input_type: 'code' }, 400, 'input_type'],
    ['deeply nested arrays', `{"input":${'['.repeat(100000)}${']'.repeat(100000)}}`, 400, 'input'],
  ]
  for (const [name, body, status, param, code] of cases) {
    const r = await post(s.url, '/v1/embeddings', body)
    t.is(r.status, status, `${name}: ${r.text.slice(0, 200)}`)
    t.is(r.headers['content-type'], 'application/json', name)
    t.is(typeof r.json?.error?.message, 'string', name)
    t.is(r.json.error.type, 'invalid_request_error', name)
    t.is(r.json.error.param, param, name)
    if (code) t.is(r.json.error.code, code, name)
  }
  const plain = await call(s.url, '/v1/embeddings', {
    body: '{"input":"x"}',
    headers: { 'content-type': 'text/plain' },
  })
  t.is(plain.status, 415)
  const gzip = await call(s.url, '/v1/embeddings', {
    body: '{"input":"x"}',
    headers: { 'content-type': 'application/json', 'content-encoding': 'gzip' },
  })
  t.is(gzip.status, 415)
  const get = await call(s.url, '/v1/embeddings')
  t.is(get.status, 405)
  t.is(get.headers.allow, 'POST')
  t.is((await call(s.url, '/v2/anything', { body: '{}' })).status, 404)

  // Lone surrogates and NUL characters are text like any other.
  t.is((await post(s.url, '/v1/embeddings', '{"input":["\\ud800 half a pair","nul \\u0000 inside"]}')).status, 200)
  const metrics = samples((await call(s.url, '/metrics')).text)
  for (const [key, value] of metrics) if (/status="5/.test(key)) t.fail(`${key} ${value}`)
  t.is(metrics.get('gguf_embed_http_requests_total{route="/v1/embeddings",status="400"}'), cases.length)
})

test('a body over the limit gets 413 without being read to its end, then the server carries on', async (t) => {
  const s = await start({}, { limits: { maxBodyBytes: 4096 } })
  t.teardown(() => stop(s))
  // Declared too large: answered before any of the body is sent.
  const declared = await new Promise<number>((resolve, reject) => {
    const req = request(
      `${s.url}/v1/embeddings`,
      {
        method: 'POST',
        agent: false,
        headers: { 'content-type': 'application/json', 'content-length': String(10 ** 9) },
      },
      (res) => {
        res.resume()
        resolve(res.statusCode!)
        req.destroy()
      },
    )
    req.on('error', (err) => (err.message === 'socket hang up' ? undefined : reject(err)))
    req.write('{"input":"')
  })
  t.is(declared, 413)
  // Expect: 100-continue: refused before the client is told to go on.
  const expect = await new Promise<{ status: number; continued: boolean }>((resolve, reject) => {
    let continued = false
    const req = request(
      `${s.url}/v1/embeddings`,
      {
        method: 'POST',
        agent: false,
        headers: { 'content-type': 'application/json', 'content-length': '100000', expect: '100-continue' },
      },
      (res) => {
        res.resume()
        resolve({ status: res.statusCode!, continued })
        req.destroy()
      },
    )
    req.on('continue', () => (continued = true))
    req.on('error', reject)
    req.flushHeaders()
  })
  t.deepEqual(expect, { status: 413, continued: false })
  // Chunked, so only counting tells: 1 MiB against a 4 KiB limit.
  const chunked = await new Promise<{ status: number; body: string }>((resolve, reject) => {
    const req = request(
      `${s.url}/v1/embeddings`,
      { method: 'POST', agent: false, headers: { 'content-type': 'application/json', 'transfer-encoding': 'chunked' } },
      (res) => {
        let body = ''
        res.on('data', (c) => (body += c))
        res.on('end', () => resolve({ status: res.statusCode!, body }))
      },
    )
    req.on('error', reject)
    req.write('{"input":"')
    let n = 0
    const pump = () => {
      while (n < 64) {
        n++
        if (!req.write('a'.repeat(16384))) return void req.once('drain', pump)
      }
      req.end('"}')
    }
    pump()
  })
  t.is(chunked.status, 413)
  t.is(JSON.parse(chunked.body).error.code, 'request_too_large')
  t.is((await post(s.url, '/v1/embeddings', { input: 'still here' })).status, 200)
})

test('tokenInput: false refuses token arrays with 400 naming the parameter; text is still served', async (t) => {
  const s = await start({}, { tokenInput: false })
  t.teardown(() => stop(s))
  const ids = Array.from(await s.embedder.tokenize(code[0]))
  const requests = s.embedder.stats().requests
  for (const input of [ids, [ids], ['text first', ids]]) {
    const r = await post(s.url, '/v1/embeddings', { input })
    t.is(r.status, 400, JSON.stringify(input).slice(0, 60))
    t.is(r.json.error.type, 'invalid_request_error')
    t.is(r.json.error.param, 'input')
    t.is(r.json.error.code, 'token_input_disabled')
  }
  const tei = await post(s.url, '/embed', { inputs: [ids] })
  t.is(tei.status, 400)
  t.is(tei.json.error_type, 'Validation')
  t.is(s.embedder.stats().requests, requests, 'nothing refused reached the engine')
  t.is((await post(s.url, '/v1/embeddings', { input: code })).status, 200)
  t.throws(() => createServer(s.embedder, { tokenInput: 'no' as unknown as boolean }), { code: 'INVALID_ARGUMENT' })
})

test('a refused body is read and dropped, not reset: 50 clients that send 6 MiB before reading all get the 413', async (t) => {
  const s = await start({}, { limits: { maxBodyBytes: 4096 } })
  t.teardown(() => stop(s))
  // More than the kernel's socket buffers hold, less than the server drops after refusing.
  const body = Buffer.alloc(6 * 2 ** 20, 'a')
  const head = (framing: string, connection = '') =>
    `POST /v1/embeddings HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n${framing}\r\n${connection}\r\n`
  const variants: Array<[string, Buffer]> = [
    // Declared too large: refused before a byte of the body is read.
    [head(`Content-Length: ${body.length}`, 'Connection: close\r\n'), body],
    // Chunked: refused when the count passes the limit, partway through.
    [
      head('Transfer-Encoding: chunked', 'Connection: close\r\n'),
      Buffer.concat([Buffer.from(`${body.length.toString(16)}\r\n`), body, Buffer.from('\r\n0\r\n\r\n')]),
    ],
    // A keep-alive client is told the connection closes too: the rest of its body is not waited for.
    [head(`Content-Length: ${body.length}`), body],
  ]
  for (let i = 0; i < 50; i++) {
    const [request, payload] = variants[i % variants.length]
    const answer = await sendThenRead(s.url, request, payload).catch(
      (err: NodeJS.ErrnoException) => `error ${err.code}`,
    )
    t.regex(answer, /^HTTP\/1\.1 413 /, `attempt ${i}: ${answer.slice(0, 40)}`)
    t.regex(answer, /\r\nconnection: close\r\n/i, `attempt ${i}`)
  }
  t.is((await post(s.url, '/v1/embeddings', { input: 'still here' })).status, 200)
})

test('connections: silent ones are closed at headersTimeout, no more than maxConnections are open, clients within the cap are served', async (t) => {
  const s = await start({}, { limits: { headersTimeout: 3000, requestTimeout: 6000, maxConnections: 12 } })
  t.teardown(() => stop(s))
  const port = Number(new URL(s.url).port)
  const silent = (n: number) =>
    Array.from({ length: n }, () => {
      const state = { received: '', closed: false }
      const socket = connect(port, '127.0.0.1')
      socket.on('data', (c: Buffer) => (state.received += c.toString()))
      socket.on('error', () => {})
      socket.on('close', () => (state.closed = true))
      t.teardown(() => socket.destroy())
      return state
    })
  const until = async (what: string, done: () => boolean) => {
    for (const end = Date.now() + 20_000; !done(); await new Promise((r) => setTimeout(r, 20))) {
      if (Date.now() > end) throw new Error(`timed out waiting for ${what}`)
    }
  }
  const first = silent(10)
  await until('10 open connections', () => s.server.metrics.connections === 10)
  t.is((await post(s.url, '/v1/embeddings', { input: 'served beside silent sockets' })).status, 200)
  t.true(
    first.every((c) => !c.closed),
    'the silent sockets were still open when the client was served',
  )

  // At the cap, one more connection is closed as it arrives.
  const more = silent(2)
  await until('12 open connections', () => s.server.metrics.connections === 12)
  await t.throwsAsync(call(s.url, '/health'), { code: 'ECONNRESET' })
  t.is(s.server.metrics.connectionsDropped, 1)

  // Nothing was ever sent on them: the server answers 408 and closes each at headersTimeout.
  await until('the silent sockets to be closed by the server', () => [...first, ...more].every((c) => c.closed))
  for (const c of [...first, ...more]) t.regex(c.received, /^HTTP\/1\.1 408 /)
  t.is((await post(s.url, '/v1/embeddings', { input: 'served after' })).status, 200)
  t.is(samples((await call(s.url, '/metrics')).text).get('gguf_embed_http_connections_dropped_total'), 1)
})

test('TEI /embed: number[][] equal to the library; options the model cannot honour are refused', async (t) => {
  const s = await start({ truncate: 'error', prefixes: { query: 'query: ' } })
  t.teardown(() => stop(s))
  const direct = await s.embedder.embedBatch(code)
  const one = await post(s.url, '/embed', { inputs: code[0] })
  t.is(one.status, 200)
  t.is(one.json.length, 1)
  t.true(cosine(one.json[0], direct[0]) > 0.99999)
  const all = await post(s.url, '/embed', {
    inputs: code,
    normalize: true,
    truncate: false,
    truncation_direction: 'Right',
  })
  t.is(all.status, 200)
  all.json.forEach((v: number[], i: number) => t.true(cosine(v, direct[i]) > 0.99999))
  const query = await post(s.url, '/embed', { inputs: 'add two numbers', prompt_name: 'query' })
  t.true(cosine(query.json[0], await s.embedder.embed('add two numbers', { kind: 'query' })) > 0.99999)
  const short = await post(s.url, '/embed', { inputs: ['x'], dimensions: 32 })
  t.is(short.json[0].length, 32)
  // TEI answers on / and /invocations as on /embed: Hugging Face's clients post to the bare URL.
  for (const path of ['/', '/invocations']) {
    const same = await post(s.url, path, { inputs: code })
    t.is(same.status, 200, path)
    t.deepEqual(same.json, all.json, path)
    const bad = await post(s.url, path, { inputs: 5 })
    t.is(bad.status, 400, path)
    t.is(bad.json.error_type, 'Validation', path)
    t.is((await call(s.url, path)).status, 405, `GET ${path}`)
  }
  for (const body of [
    { inputs: 'x', normalize: false },
    { inputs: 'x', truncate: true },
    { inputs: 'x', truncation_direction: 'Left' },
    { inputs: 'x', prompt_name: 'passage_v2' },
    { inputs: 5 },
    { inputs: [] },
    { text: 'x' },
    { inputs: 'x', normalize: 'yes' },
    { inputs: 'word '.repeat(600) },
  ]) {
    const r = await post(s.url, '/embed', body)
    t.is(r.status, 400, JSON.stringify(body).slice(0, 80))
    t.is(r.json.error_type, 'Validation')
    t.is(typeof r.json.error, 'string')
  }
})

test('readiness: 503 while the model loads and after a failed load; health answers throughout', async (t) => {
  let release!: () => void
  const gate = new Promise<void>((resolve) => (release = resolve))
  const server = createServer(
    gate.then(() => Embedder.load(modelFile('q4_0'))),
    { ownsEmbedder: true },
  )
  t.teardown(() => server.close())
  const { port } = await server.listen(0)
  const url = `http://127.0.0.1:${port}`
  t.is((await call(url, '/health')).status, 200)
  const loading = await call(url, '/ready')
  t.is(loading.status, 503)
  t.is(loading.json.status, 'loading')
  const early = await post(url, '/v1/embeddings', { input: 'x' })
  t.is(early.status, 503)
  t.is(early.headers['retry-after'], '1')
  t.is(early.json.error.code, 'loading')
  t.is((await post(url, '/embed', { inputs: 'x' })).json.error_type, 'Unhealthy')
  release()
  await server.loaded
  t.is((await call(url, '/ready')).status, 200)
  t.is((await post(url, '/v1/embeddings', { input: 'x' })).status, 200)

  const failed = createServer(Embedder.load('/nonexistent/model.gguf'))
  t.teardown(() => failed.close())
  const other = `http://127.0.0.1:${(await failed.listen(0)).port}`
  await t.throwsAsync(failed.loaded, { code: 'IO' })
  t.is((await call(other, '/ready')).json.status, 'failed')
  t.is((await post(other, '/v1/embeddings', { input: 'x' })).status, 503)
  t.is((await call(other, '/health')).status, 200)
})

test('/metrics: Prometheus text with request counts, latency histograms, queue, batches, tokens and memory', async (t) => {
  const s = await start()
  t.teardown(() => stop(s))
  for (let i = 0; i < 3; i++) await post(s.url, '/v1/embeddings', { input: code })
  await post(s.url, '/v1/embeddings', { input: '' })
  await post(s.url, '/embed', { inputs: code[0] })
  const page = await call(s.url, '/metrics')
  t.is(page.headers['content-type'], 'text/plain; version=0.0.4; charset=utf-8')
  // Every sample line is "name{labels} value", and every name has HELP and TYPE.
  const declared = new Set<string>()
  for (const line of page.text.trimEnd().split('\n')) {
    const type = /^# TYPE (\w+) (counter|gauge|histogram)$/.exec(line)
    if (type) declared.add(type[1])
    if (line.startsWith('#')) continue
    t.regex(
      line,
      /^[a-zA-Z_:][\w:]*(\{[a-zA-Z_]\w*="(?:[^"\\]|\\.)*"(,[a-zA-Z_]\w*="(?:[^"\\]|\\.)*")*\})? -?\d+(\.\d+)?(e[+-]?\d+)?$/,
    )
    const name = /^[\w:]+/.exec(line)![0].replace(/_(bucket|sum|count)$/, '')
    t.true(declared.has(name) || declared.has(/^[\w:]+/.exec(line)![0]), `${name} has no TYPE line`)
  }
  const m = samples(page.text)
  t.is(m.get('gguf_embed_http_requests_total{route="/v1/embeddings",status="200"}'), 3)
  t.is(m.get('gguf_embed_http_requests_total{route="/v1/embeddings",status="400"}'), 1)
  t.is(m.get('gguf_embed_http_requests_total{route="/embed",status="200"}'), 1)
  t.is(m.get('gguf_embed_http_request_duration_seconds_count{route="/v1/embeddings"}'), 4)
  t.is(m.get('gguf_embed_http_request_duration_seconds_bucket{route="/v1/embeddings",le="+Inf"}'), 4)
  t.is(m.get('gguf_embed_http_request_inputs_sum{route="/v1/embeddings"}'), 9)
  const tokens = (await Promise.all(code.map((c) => s.embedder.countTokens(c)))).reduce((a, b) => a + b)
  t.is(m.get('gguf_embed_prompt_tokens_total{route="/v1/embeddings"}'), 3 * tokens)
  t.is(m.get('gguf_embed_engine_inputs_total'), 10)
  t.true(m.get('gguf_embed_engine_batches_total')! >= 1)
  t.is(m.get('gguf_embed_queue_depth'), 0)
  t.is(m.get('gguf_embed_mapped_bytes'), s.embedder.info.fileSize)
  t.true(m.get('gguf_embed_context_bytes')! > 0)
  t.true(m.get('gguf_embed_native_models')! >= 1)
  t.true(m.get('process_resident_memory_bytes')! > 0)
  t.is(m.get('gguf_embed_ready'), 1)
})

test.serial('a client that disconnects cancels its queued work; the server keeps answering', async (t) => {
  const s = await start()
  t.teardown(() => stop(s))
  const before = s.embedder.stats()
  const texts = Array.from({ length: 1500 }, (_, i) => `${code[i % 3]} // variant ${i} `.repeat(6))
  const req = request(`${s.url}/v1/embeddings`, {
    method: 'POST',
    agent: false,
    headers: { 'content-type': 'application/json' },
  })
  req.on('error', () => {})
  req.end(JSON.stringify({ input: texts }))
  // Disconnect once the engine has the work queued or in hand.
  await waitFor(() => s.embedder.stats().requests > before.requests, 'the request to reach the engine', 60_000, 5)
  req.destroy()
  await waitFor(() => s.embedder.stats().aborted > before.aborted, 'the engine to drop the aborted work')
  await waitFor(() => s.embedder.stats().queueDepth + s.embedder.stats().inFlight === 0, 'the queue to empty')
  const after = s.embedder.stats()
  t.true(after.aborted > before.aborted)
  t.true(
    after.inputs - before.inputs < texts.length,
    `${after.inputs - before.inputs} of ${texts.length} inputs were embedded after the client left`,
  )
  const r = await post(s.url, '/v1/embeddings', { input: code })
  t.is(r.status, 200)
  t.is(r.json.data.length, 3)
  const m = samples((await call(s.url, '/metrics')).text)
  t.is(m.get('gguf_embed_http_requests_total{route="/v1/embeddings",status="499"}'), 1)
})

test('a full queue is a retryable 429 with Retry-After, which the openai client retries', async (t) => {
  const s = await start({ maxQueue: 1 })
  t.teardown(() => stop(s))
  const replies = await Promise.all(
    Array.from({ length: 40 }, (_, i) => post(s.url, '/v1/embeddings', { input: `${code[i % 3]} ${i}` })),
  )
  const statuses = replies.map((r) => r.status)
  t.true(statuses.includes(200))
  t.true(statuses.includes(429))
  t.deepEqual([...new Set(statuses)].sort(), [200, 429])
  const busy = replies.find((r) => r.status === 429)!
  t.is(busy.headers['retry-after'], '1')
  t.is(busy.json.error.type, 'rate_limit_error')
  t.is(busy.json.error.code, 'queue_full')
  t.true(s.embedder.stats().rejected > 0)
  // The official client treats 429 as retryable: with retries, every call gets its vectors.
  const client = new OpenAI({ baseURL: `${s.url}/v1`, apiKey: 'unused', maxRetries: 8 })
  const results = await Promise.all(
    Array.from({ length: 6 }, (_, i) => client.embeddings.create({ model: 'm', input: `retry ${i}` })),
  )
  t.true(results.every((r) => r.data[0].embedding.length === 384))
})

test('close() answers the requests in flight, refuses new connections, and disposes an owned embedder', async (t) => {
  const embedder = await Embedder.load(modelFile('q8_0'))
  const server = createServer(embedder, { ownsEmbedder: true })
  const url = `http://127.0.0.1:${(await server.listen(0)).port}`
  const texts = Array.from({ length: 64 }, (_, i) => `${code[i % 3]} ${i}`.repeat(2))
  const inFlight = post(url, '/v1/embeddings', { input: texts })
  await waitFor(() => embedder.stats().requests > 0, 'the request to reach the engine', 60_000, 5)
  const closed = server.close()
  t.is(server.state, 'draining')
  const r = await inFlight
  t.is(r.status, 200)
  t.is(r.json.data.length, 64)
  await closed
  t.is(server.state, 'closed')
  await t.throwsAsync(call(url, '/health'), { code: 'ECONNREFUSED' })
  await t.throwsAsync(embedder.embed('x'), { code: 'DISPOSED' })
})

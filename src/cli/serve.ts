import { parseArgs } from 'node:util'

import { Embedder, type EmbedderOptions } from '../embedder'
import { apiKeyProblem, isLoopback } from '../server/auth'
import { createServer, DEFAULT_LIMITS, type ServerLimits } from '../server/index'
import { printable } from '../server/log'
import { bytes } from './format'

const HELP = `usage: gguf-embed serve MODEL [--port N] [--host H] [--api-key KEY] [options]

Serves MODEL (a .gguf path or hf:OWNER/REPO/FILE.gguf) over HTTP:
  POST /v1/embeddings   OpenAI's embeddings API (string, strings or token arrays; float or base64)
  POST /embed           text-embeddings-inference's API (also POST / and /invocations)
  GET  /health /ready   liveness, and readiness (model loaded, not draining)
  GET  /metrics         Prometheus metrics

  --port N                  port (0: any free one)                    [8080]
  --host H                  address to bind                           [127.0.0.1]
  --api-key KEY             require "Authorization: Bearer KEY" on the embedding routes
                            (better: set $GGUF_EMBED_API_KEY, which ps cannot show); visible
                            ASCII only, not empty
  --insecure-no-auth        serve without a key on an address other than loopback
                            (without it, --host beyond 127.0.0.0/8, ::1, localhost needs a key)
  --no-token-input          refuse token-id arrays as input (400): text only
  --model-name NAME         the model named in responses              [file name]
  --max-tokens N            most tokens per input, special tokens included [the model's, at most 2048]
  --truncate                cut over-long inputs instead of refusing them with 400
  --max-inputs N            inputs per request                        [${DEFAULT_LIMITS.maxInputs}]
  --max-body SIZE           request body size, e.g. 4M                [${bytes(DEFAULT_LIMITS.maxBodyBytes)}]
  --max-queue N             queued requests before 429                [65536]
  --memory-budget SIZE      native working memory, weights excluded, e.g. 512M (full: 429)
  --threads N               inference threads                         [all cores]
  --headers-timeout SEC     time to send the request headers          [${DEFAULT_LIMITS.headersTimeout / 1000}]
  --request-timeout SEC     time to send the whole request            [${DEFAULT_LIMITS.requestTimeout / 1000}]
  --keep-alive-timeout SEC  idle keep-alive connections close after   [${DEFAULT_LIMITS.keepAliveTimeout / 1000}]
  --drain-timeout SEC       SIGTERM waits this long for requests      [${DEFAULT_LIMITS.drainTimeout / 1000}]
  --max-connections N       open connections; more are closed at once [${DEFAULT_LIMITS.maxConnections}, fewer if the file limit is low]

SIGTERM, SIGINT or SIGHUP: stop accepting connections, answer the requests in flight, unload, exit 0.`

class UsageError extends Error {}

function integer(name: string, text: string | undefined): number | undefined {
  if (text === undefined) return undefined
  const n = Number(text)
  if (!/^\d+$/.test(text) || !Number.isSafeInteger(n))
    throw new UsageError(`--${name} must be a whole number, got "${text}"`)
  return n
}

function positive(name: string, text: string | undefined): number | undefined {
  const n = integer(name, text)
  if (n === 0) throw new UsageError(`--${name} must be at least 1`)
  return n
}

const UNITS: Record<string, number> = { '': 1, k: 2 ** 10, m: 2 ** 20, g: 2 ** 30 }

/** "4M", "512MiB", "1g" or plain bytes. Binary units: memory is counted in them. */
function size(name: string, text: string | undefined): number | undefined {
  if (text === undefined) return undefined
  const m = /^(\d+(?:\.\d+)?)\s*([kmg]?)(?:i?b)?$/i.exec(text.trim())
  const n = m ? Math.floor(Number(m[1]) * UNITS[m[2].toLowerCase()]) : NaN
  if (!(n >= 1)) throw new UsageError(`--${name} must be a size such as 4M or 1048576, got "${text}"`)
  return n
}

function millis(name: string, text: string | undefined): number | undefined {
  if (text === undefined) return undefined
  const n = Number(text)
  if (!/^\d+(\.\d+)?$/.test(text) || !(n > 0))
    throw new UsageError(`--${name} must be a number of seconds, got "${text}"`)
  return Math.round(n * 1000)
}

function options(args: string[]) {
  return parseArgs({
    args,
    allowPositionals: true,
    options: {
      port: { type: 'string', default: '8080' },
      host: { type: 'string', default: '127.0.0.1' },
      'api-key': { type: 'string' },
      'model-name': { type: 'string' },
      'max-tokens': { type: 'string' },
      truncate: { type: 'boolean' },
      'max-inputs': { type: 'string' },
      'max-body': { type: 'string' },
      'max-queue': { type: 'string' },
      'memory-budget': { type: 'string' },
      threads: { type: 'string' },
      'headers-timeout': { type: 'string' },
      'request-timeout': { type: 'string' },
      'keep-alive-timeout': { type: 'string' },
      'drain-timeout': { type: 'string' },
      'max-connections': { type: 'string' },
      'insecure-no-auth': { type: 'boolean' },
      'no-token-input': { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
  })
}

/**
 * The key from --api-key or $GGUF_EMBED_API_KEY, checked. Set but empty is an error, not "no
 * key": an unfilled secret must not silently open the server. Without a key, only a loopback
 * address may be bound, unless --insecure-no-auth says otherwise.
 */
function chooseApiKey(flag: string | undefined, host: string, insecure: boolean): string | undefined {
  const [key, source] =
    flag !== undefined ? [flag, '--api-key'] : [process.env.GGUF_EMBED_API_KEY, 'GGUF_EMBED_API_KEY']
  if (key !== undefined) {
    const problem = apiKeyProblem(key)
    if (problem) throw new UsageError(`${source} ${problem}`)
    return key
  }
  if (!isLoopback(host) && !insecure) {
    throw new UsageError(
      `--host ${printable(host)} is reachable from other machines and no API key is set: set GGUF_EMBED_API_KEY (or --api-key), or pass --insecure-no-auth to serve without one`,
    )
  }
  return undefined
}

export async function serveCommand(args: string[]): Promise<number> {
  let parsed: ReturnType<typeof options>
  try {
    parsed = options(args)
  } catch (err) {
    // An unknown flag or a missing value is a usage error like a bad value: exit 2, not 1.
    if (!(err as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')) throw err
    console.error(`gguf-embed serve: ${(err as Error).message}\n\n${HELP}`)
    return 2
  }
  const { values, positionals } = parsed
  if (values.help) return (console.log(HELP), 0)
  if (positionals.length !== 1) return (console.error(HELP), 2)
  let port: number
  let load: EmbedderOptions
  let limits: Partial<ServerLimits>
  let apiKey: string | undefined
  try {
    port = integer('port', values.port)!
    if (port > 65535) throw new UsageError(`--port must be at most 65535, got ${port}`)
    load = {
      contextSize: positive('max-tokens', values['max-tokens']),
      truncate: values.truncate ? 'end' : 'error',
      maxQueue: positive('max-queue', values['max-queue']),
      memoryBudget: size('memory-budget', values['memory-budget']),
      threads: positive('threads', values.threads),
    }
    limits = {
      maxInputs: positive('max-inputs', values['max-inputs']),
      maxBodyBytes: size('max-body', values['max-body']),
      headersTimeout: millis('headers-timeout', values['headers-timeout']),
      requestTimeout: millis('request-timeout', values['request-timeout']),
      keepAliveTimeout: millis('keep-alive-timeout', values['keep-alive-timeout']),
      drainTimeout: millis('drain-timeout', values['drain-timeout']),
      maxConnections: positive('max-connections', values['max-connections']),
    }
    apiKey = chooseApiKey(values['api-key'], values.host!, values['insecure-no-auth'] ?? false)
  } catch (err) {
    if (!(err instanceof UsageError)) throw err
    console.error(`gguf-embed serve: ${err.message}`)
    return 2
  }
  if (apiKey === undefined && !isLoopback(values.host!)) {
    console.error(
      `gguf-embed serve: WARNING: --insecure-no-auth: no API key on ${printable(values.host!)}; anyone who can reach this port can use the server`,
    )
  }
  // Limits are checked before the model is loaded: a typo fails in milliseconds, not after a download.
  const controller = new AbortController()
  const server = createServer(Embedder.load(positionals[0], { ...load, signal: controller.signal }), {
    apiKey,
    modelName: values['model-name'],
    tokenInput: !values['no-token-input'],
    limits: Object.fromEntries(Object.entries(limits).filter(([, v]) => v !== undefined)),
    ownsEmbedder: true,
  })

  // Once: a second signal gets Node's default handling and ends the process at once. SIGHUP (the
  // terminal or session went away, or a supervisor's reload) drains too rather than dying mid-request.
  const signalled = new Promise<string>((resolve) => {
    for (const name of ['SIGTERM', 'SIGINT', 'SIGHUP'] as const) process.once(name, () => resolve(name))
  })
  const shutDown = async () => {
    controller.abort()
    await server.close()
  }

  let address
  try {
    address = await server.listen(port, values.host)
  } catch (err) {
    await shutDown()
    throw err
  }
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address
  console.log(`listening on http://${host}:${address.port}`)
  const ready = server.loaded.then((e) => {
    const info = e.info
    const long = info.truncate === 'end' ? 'longer inputs cut' : 'longer inputs refused'
    // The name comes from the model file: escaped, so it cannot write control sequences to the terminal.
    console.log(
      printable(
        `ready: ${info.name || info.path} (${info.profile}, ${info.dimensions} dims, up to ${info.contextSize} tokens per input, ${long}${apiKey ? ', API key required' : ''})`,
      ),
    )
  })
  let signal: string
  try {
    signal = (await Promise.race([signalled, ready])) ?? (await signalled)
  } catch (err) {
    await shutDown()
    throw err
  }
  console.error(`gguf-embed serve: ${signal}: draining ${server.metrics.inFlight} request(s) in flight`)
  await shutDown()
  console.error('gguf-embed serve: closed')
  return 0
}

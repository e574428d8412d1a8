import { spawn, type ChildProcess } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { request } from 'node:http'
import { connect } from 'node:net'
import { join } from 'node:path'
import { createInterface } from 'node:readline'

import { root } from './helpers'

export interface Reply {
  status: number
  headers: Record<string, string | string[] | undefined>
  text: string
  json: any
}

/** One HTTP request with Node's own client; the body is sent as given (a string is not re-encoded as JSON). */
export function call(
  url: string,
  path: string,
  options: { method?: string; body?: string | Buffer; headers?: Record<string, string>; agent?: false } = {},
): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = request(
      new URL(path, url),
      {
        method: options.method ?? (options.body === undefined ? 'GET' : 'POST'),
        headers: options.headers,
        agent: false,
      },
      (res) => {
        const chunks: Buffer[] = []
        res.on('data', (c: Buffer) => chunks.push(c))
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8')
          let json: unknown
          try {
            json = JSON.parse(text)
          } catch {
            json = undefined
          }
          resolve({ status: res.statusCode!, headers: res.headers, text, json })
        })
      },
    )
    req.on('error', reject)
    req.end(options.body)
  })
}

/** POST a JSON value (or a raw string) with the JSON content type. */
export function post(url: string, path: string, body: unknown, headers: Record<string, string> = {}): Promise<Reply> {
  return call(url, path, {
    body: typeof body === 'string' ? body : JSON.stringify(body),
    headers: { 'content-type': 'application/json', ...headers },
  })
}

/** The metric samples of a Prometheus text page: "name{labels}" -> value. */
export function samples(text: string): Map<string, number> {
  const out = new Map<string, number>()
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue
    const i = line.lastIndexOf(' ')
    out.set(line.slice(0, i), Number(line.slice(i + 1)))
  }
  return out
}

export interface ServerProcess {
  child: ChildProcess
  url: string
  /** Everything written so far, raw (control characters included). */
  stdout: () => string
  stderr: () => string
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>
}

/** `gguf-embed serve` as a child process of the built CLI, resolved once it says it is ready. */
export function spawnServe(args: string[], env: Record<string, string> = {}): Promise<ServerProcess> {
  const child = spawn(process.execPath, [join(root, 'dist', 'src', 'cli.js'), 'serve', ...args], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let err = ''
  let out = ''
  child.stderr!.on('data', (c: Buffer) => (err += c.toString()))
  child.stdout!.on('data', (c: Buffer) => (out += c.toString()))
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  )
  return new Promise((resolve, reject) => {
    let url: string | undefined
    const lines = createInterface({ input: child.stdout! })
    lines.on('line', (line) => {
      const m = /^listening on (http:\/\/\S+)/.exec(line)
      if (m) url = m[1]
      if (line.startsWith('ready:') && url) resolve({ child, url, stdout: () => out, stderr: () => err, exited })
    })
    exited.then(({ code }) => reject(new Error(`gguf-embed serve exited with ${code} before it was ready: ${err}`)))
  })
}

/**
 * A raw HTTP/1.1 request written whole before a byte of the answer is read, as synchronous clients
 * (Python's requests, urllib) do; resolves with what came back, or rejects with the socket error
 * (EPIPE, ECONNRESET) that a server closing too early causes.
 */
export function sendThenRead(url: string, head: string, body: Buffer): Promise<string> {
  const { hostname, port } = new URL(url)
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), hostname)
    let received = ''
    socket.on('error', reject)
    socket.write(head)
    socket.write(body, (err) => {
      if (err) return
      socket.on('data', (c: Buffer) => (received += c.toString('latin1')))
      socket.on('end', () => {
        resolve(received)
        socket.destroy()
      })
    })
  })
}

/** Resident set size of a process, from /proc (Linux). */
export function rssOf(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8')
  return Number(/VmRSS:\s+(\d+) kB/.exec(status)![1]) * 1024
}

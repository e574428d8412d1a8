import test from 'ava'
import { execFile } from 'node:child_process'
import { readFileSync, statSync } from 'node:fs'
import { join } from 'node:path'
// js-yaml is in node_modules through @napi-rs/cli (a devDependency); no YAML parser is ours to write.
import { loadAll } from 'js-yaml'

import { modelFile, root } from './helpers'
import { call, post, samples, spawnServe } from './serve-helpers'

// deploy/Dockerfile and deploy/kubernetes.yaml, checked against the server they deploy: the
// commands they run start a real server, and their probes hit routes it answers.

interface Instruction {
  name: string
  args: string
}

/** Dockerfile instructions: comments dropped, backslash continuations joined. */
function dockerfile(text: string): Instruction[] {
  const out: Instruction[] = []
  let pending = ''
  for (const raw of text.split('\n')) {
    const line = raw.trim()
    if (line.startsWith('#') || (line === '' && pending === '')) continue
    pending += line.endsWith('\\') ? `${line.slice(0, -1)} ` : line
    if (line.endsWith('\\')) continue
    const m = /^(\w+)\s+([^]*)$/.exec(pending)
    if (m) out.push({ name: m[1].toUpperCase(), args: m[2].trim() })
    pending = ''
  }
  return out
}

/** Exec form (a JSON array) or shell form (split on spaces). */
const argv = (args: string) => (args.startsWith('[') ? (JSON.parse(args) as string[]) : args.split(/\s+/))
const flag = (command: string[], name: string) => command[command.indexOf(name) + 1]

/** A deployed command line's flags with the port and host replaced. */
function flagsOf(command: string[], host: string): string[] {
  const [bin, sub, , ...flags] = command
  if (bin !== 'gguf-embed' || sub !== 'serve') throw new Error(`not a serve command: ${command.join(' ')}`)
  return flags.map((f, i) => (flags[i - 1] === '--port' ? '0' : flags[i - 1] === '--host' ? host : f))
}

/** Runs a deployed command line against a real model on a free loopback port. */
function serveLike(command: string[], env: Record<string, string> = {}) {
  return spawnServe([modelFile('f16'), ...flagsOf(command, '127.0.0.1')], env)
}

/**
 * The exit code of a deployed command line run without an API key, its host replaced by one that
 * is not loopback and not this machine's (TEST-NET-1): refused at start (2), never listening.
 */
function exitWithoutKey(command: string[]): Promise<number> {
  const env: NodeJS.ProcessEnv = { ...process.env }
  delete env.GGUF_EMBED_API_KEY
  const args = [join(root, 'dist', 'src', 'cli.js'), 'serve', modelFile('f16'), ...flagsOf(command, '192.0.2.1')]
  return new Promise((resolve) =>
    execFile(process.execPath, args, { env }, (err) => resolve(err ? Number(err.code) : 0)),
  )
}

const mebibytes = (q: string) => {
  const m = /^(\d+)(Mi|Gi)$/.exec(q)
  if (!m) throw new Error(`unexpected quantity ${q}`)
  return Number(m[1]) * (m[2] === 'Gi' ? 1024 : 1)
}

test('deploy/Dockerfile: node:20-slim, npm install, non-root, the model as a volume, port, CMD (which needs a key) and HEALTHCHECK agree with the server', async (t) => {
  const steps = dockerfile(readFileSync(join(root, 'deploy', 'Dockerfile'), 'utf8'))
  const one = (name: string) => {
    const found = steps.filter((s) => s.name === name)
    t.is(found.length, 1, `one ${name}`)
    return found[0]?.args ?? ''
  }
  t.is(steps[0].name, 'FROM')
  t.regex(one('FROM'), /^node:20-slim\b/)
  t.regex(one('RUN'), /npm install .*gguf-embed@/)
  const user = one('USER')
  t.false(['root', '0', '0:0'].includes(user))
  const names = steps.map((s) => s.name)
  t.true(names.indexOf('USER') < names.indexOf('CMD'), 'the server starts as the unprivileged user')
  t.deepEqual(argv(one('VOLUME')), ['/models'])
  const cmd = argv(one('CMD'))
  t.deepEqual(cmd.slice(0, 3), ['gguf-embed', 'serve', '/models/model.gguf'])
  t.true(one('CMD').startsWith('['), 'exec form, so SIGTERM reaches the server')
  t.is(flag(cmd, '--host'), '0.0.0.0')
  const port = flag(cmd, '--port')
  t.is(one('EXPOSE'), port)
  const health = one('HEALTHCHECK')
  const probe = /http:\/\/127\.0\.0\.1:(\d+)(\/\w+)/.exec(health)
  t.truthy(probe, health)
  t.is(probe![1], port)

  // Bound beyond loopback, the CMD needs the key from GGUF_EMBED_API_KEY (docker run -e).
  t.is(await exitWithoutKey(cmd), 2, 'the CMD refuses to start without an API key')
  const s = await serveLike(cmd, { GGUF_EMBED_API_KEY: 'sk-docker' })
  t.teardown(() => s.child.kill('SIGKILL'))
  t.is((await call(s.url, probe![2])).status, 200, `HEALTHCHECK ${probe![2]}`)
})

test('deploy/kubernetes.yaml: the API key from a required Secret, probes on /ready and /health, ports agree, resources derived from the server figures', async (t) => {
  const docs = loadAll(readFileSync(join(root, 'deploy', 'kubernetes.yaml'), 'utf8')) as any[]
  const deployment = docs.find((d) => d.kind === 'Deployment')
  const service = docs.find((d) => d.kind === 'Service')
  t.truthy(deployment)
  t.truthy(service)
  const pod = deployment.spec.template.spec
  t.deepEqual(deployment.spec.selector.matchLabels, deployment.spec.template.metadata.labels)
  t.deepEqual(service.spec.selector, deployment.spec.template.metadata.labels)
  t.true(pod.securityContext.runAsNonRoot)
  const [container] = pod.containers
  const command: string[] = container.command
  t.deepEqual(command.slice(0, 3), ['gguf-embed', 'serve', '/models/model.gguf'])
  t.is(container.volumeMounts.find((v: any) => v.name === pod.volumes[0].name).mountPath, '/models')
  const [port] = container.ports
  t.is(String(port.containerPort), flag(command, '--port'))
  t.is(service.spec.ports[0].targetPort, port.name)
  t.deepEqual(container.readinessProbe.httpGet, { path: '/ready', port: port.name })
  t.deepEqual(container.livenessProbe.httpGet, { path: '/health', port: port.name })
  // The key comes from a Secret that must exist: an optional one, missing, would start the pod
  // bound to 0.0.0.0 with no key (the server refuses that, but the pod must fail visibly first).
  const key = container.env.find((e: any) => e.name === 'GGUF_EMBED_API_KEY')
  t.truthy(key?.valueFrom?.secretKeyRef, 'GGUF_EMBED_API_KEY from a Secret')
  t.not(key.valueFrom.secretKeyRef.optional, true, 'the Secret is required')
  t.is(flag(command, '--host'), '0.0.0.0')
  t.false(command.includes('--insecure-no-auth'))
  t.is(await exitWithoutKey(command), 2, 'without the key the server refuses to start')
  t.true(
    pod.terminationGracePeriodSeconds > Number(flag(command, '--drain-timeout')) + 5,
    'the grace period outlasts preStop and the drain',
  )
  t.is(container.resources.requests.cpu, flag(command, '--threads'))
  const request = mebibytes(container.resources.requests.memory)
  const limit = mebibytes(container.resources.limits.memory)
  t.true(limit >= request)

  // The same flags on a real server: ready, probes answered without the key (the kubelet has
  // none), embeddings only with it, and the memory figures the comment sums.
  const s = await serveLike(command, { GGUF_EMBED_API_KEY: 'sk-from-secret' })
  t.teardown(() => s.child.kill('SIGKILL'))
  t.is((await call(s.url, container.readinessProbe.httpGet.path)).status, 200)
  t.is((await call(s.url, container.livenessProbe.httpGet.path)).status, 200)
  t.is((await post(s.url, '/v1/embeddings', { input: 'x' })).status, 401)
  t.is((await post(s.url, '/v1/embeddings', { input: 'x' }, { authorization: 'Bearer sk-from-secret' })).status, 200)
  const m = samples((await call(s.url, '/metrics')).text)
  const budget = m.get('gguf_embed_memory_budget_bytes')!
  t.is(budget, 128 * 2 ** 20, '--memory-budget reached the Embedder')
  t.is(m.get('gguf_embed_mapped_bytes'), statSync(modelFile('f16')).size)
  // Mapped model + budget + at least 100 MiB for Node itself must fit the request.
  t.true(request * 2 ** 20 >= m.get('gguf_embed_mapped_bytes')! + budget + 100 * 2 ** 20, `${request} MiB requested`)
})

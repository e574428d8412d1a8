// Four `gguf-embed serve` processes on the same GGUF: what each one costs in memory, and what they
// share. The model is mapped read-only, so its pages are the page cache's, counted once however
// many processes map them; PSS (proportional set size) divides each shared page among its mappers.
//
//   node bench/replicas.mjs [MODEL] [N]
//
// For each process: RSS and PSS (/proc/PID/smaps_rollup), and the .gguf mapping's own RSS and PSS
// (summed over its entries in /proc/PID/smaps). System-wide: the page cache (/proc/meminfo Cached).
// A round-robin client then checks that every replica returns the same vectors, bit for bit.
import { execFileSync } from 'node:child_process'
import { readFileSync, realpathSync, statSync } from 'node:fs'
import { join, dirname } from 'node:path'
import { fileURLToPath } from 'node:url'
import { startServe } from './serve-process.mjs'

const root = join(dirname(fileURLToPath(import.meta.url)), '..')
const model = realpathSync(process.argv[2] ?? join(root, '.models', 'all-minilm-l6-v2.f16.gguf'))
const n = Number(process.argv[3] ?? 4)
const MiB = 2 ** 20

const cached = () => Number(/^Cached:\s+(\d+) kB/m.exec(readFileSync('/proc/meminfo', 'utf8'))[1]) * 1024
const kB = (text, field) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(text)?.[1] ?? 0) * 1024

function memory(pid) {
  const rollup = readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8')
  // smaps: a header line per mapping (address perms offset dev inode path), then its fields.
  let file = { rss: 0, pss: 0 }
  let inModel = false
  for (const line of readFileSync(`/proc/${pid}/smaps`, 'utf8').split('\n')) {
    if (/^[0-9a-f]+-[0-9a-f]+ /.test(line)) inModel = line.endsWith(model)
    else if (inModel && line.startsWith('Rss:')) file.rss += kB(line, 'Rss')
    else if (inModel && line.startsWith('Pss:')) file.pss += kB(line, 'Pss')
  }
  return { rss: kB(rollup, 'Rss'), pss: kB(rollup, 'Pss'), anon: kB(rollup, 'Anonymous'), file }
}

async function embed(url, input) {
  const r = await fetch(`${url}/v1/embeddings`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ model: 'minilm', input, encoding_format: 'base64' }),
  })
  if (r.status !== 200) throw new Error(`${url}: ${r.status} ${await r.text()}`)
  return (await r.json()).data.map((d) => d.embedding)
}

const texts = [
  'def read_lines(path):\n    with open(path) as f:\n        return f.read().splitlines()',
  'function debounce(fn, ms) { let t; return (...a) => { clearTimeout(t); t = setTimeout(() => fn(...a), ms) } }',
  "SELECT id, name FROM users WHERE created_at > now() - interval '1 day'",
  'parse a date string in ISO 8601 format',
  'fn main() { println!("{}", std::env::args().count()); }',
  'how do I retry a failed HTTP request with exponential backoff',
]

/** Bytes of the model file in the page cache (util-linux fincore), or undefined without it. */
function resident() {
  try {
    return Number(execFileSync('fincore', ['--bytes', '--noheadings', '--output', 'RES', model]).toString().trim())
  } catch {
    return undefined
  }
}
// Drop the model's pages from the cache first (GNU dd's nocache is posix_fadvise DONTNEED; it
// cannot drop pages another process maps), so the rise below is the replicas' doing.
try {
  execFileSync('dd', [`if=${model}`, 'iflag=nocache', 'count=0'], { stdio: 'ignore' })
} catch {}
const residentBefore = resident()
const cacheBefore = cached()
const servers = []
for (let i = 0; i < n; i++) servers.push(await startServe(model))
// Load on each, so every replica has touched its weights and run full batches.
for (const s of servers) for (let i = 0; i < 20; i++) await embed(s.url, texts)
const cacheAfter = cached()
const residentAfter = resident()

console.log(
  `${n} x gguf-embed serve ${model.split('/').pop()} (${(statSync(model).size / MiB).toFixed(1)} MiB file), after ${20 * texts.length} inputs each`,
)
console.log('\n| process | RSS MiB | PSS MiB | anonymous MiB | model mapping RSS MiB | model mapping PSS MiB |')
console.log('| --- | ---: | ---: | ---: | ---: | ---: |')
const sum = { rss: 0, pss: 0, anon: 0, frss: 0, fpss: 0 }
for (const [i, s] of servers.entries()) {
  const m = memory(s.child.pid)
  sum.rss += m.rss
  sum.pss += m.pss
  sum.anon += m.anon
  sum.frss += m.file.rss
  sum.fpss += m.file.pss
  console.log(
    `| replica ${i + 1} (pid ${s.child.pid}) | ${(m.rss / MiB).toFixed(1)} | ${(m.pss / MiB).toFixed(1)} | ${(m.anon / MiB).toFixed(1)} | ${(m.file.rss / MiB).toFixed(1)} | ${(m.file.pss / MiB).toFixed(1)} |`,
  )
}
console.log(
  `| all ${n} | ${(sum.rss / MiB).toFixed(1)} | ${(sum.pss / MiB).toFixed(1)} | ${(sum.anon / MiB).toFixed(1)} | ${(sum.frss / MiB).toFixed(1)} | ${(sum.fpss / MiB).toFixed(1)} |`,
)
console.log(
  `\npage cache (Cached, whole system): ${(cacheBefore / MiB).toFixed(1)} MiB before the replicas, ${(cacheAfter / MiB).toFixed(1)} MiB with them (${cacheAfter >= cacheBefore ? '+' : ''}${((cacheAfter - cacheBefore) / MiB).toFixed(1)} MiB; other processes' files move it too)`,
)
if (residentAfter !== undefined)
  console.log(
    `the model file in the page cache (fincore): ${(residentBefore / MiB).toFixed(1)} MiB before, ${(residentAfter / MiB).toFixed(1)} MiB with ${n} replicas mapping it`,
  )

// Round-robin: each text goes to the next replica; then every replica answers every text, and all must agree exactly.
let mismatches = 0
for (let i = 0; i < 4 * n; i++) {
  const s = servers[i % n]
  const [v] = await embed(s.url, [texts[i % texts.length]])
  const [ref] = await embed(servers[0].url, [texts[i % texts.length]])
  if (v !== ref) mismatches++
}
const answers = await Promise.all(servers.map((s) => embed(s.url, texts)))
for (const a of answers) a.forEach((v, j) => (mismatches += v === answers[0][j] ? 0 : 1))
console.log(
  `round-robin over ${n} replicas: ${4 * n + n * texts.length} answers, ${mismatches} differing from replica 1 (base64 of the float32 bytes, compared exactly)`,
)

for (const s of servers) s.child.kill('SIGTERM')
const codes = await Promise.all(servers.map((s) => new Promise((resolve) => s.child.once('exit', resolve))))
console.log(`SIGTERM: exit codes ${codes.join(' ')}`)

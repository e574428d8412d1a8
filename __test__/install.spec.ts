import test from 'ava'
import { execFileSync } from 'node:child_process'
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

import { modelFile, root } from './helpers'

const { stagePublished } = require('../scripts/stage-published.cjs') as {
  stagePublished: (root: string, dir: string) => string
}

// What a user gets from npm: the main package and the linux-x64-gnu one, packed as npm would publish
// them, installed into an empty project on a PATH that holds node and npm and nothing else (no
// cargo, cmake, clang or compiler), then required, imported and used.
test('npm pack, install into an empty project without a toolchain, require, import and embed', (t) => {
  if (process.platform !== 'linux' || process.arch !== 'x64') return t.pass('the packed addon is linux-x64-gnu')
  const work = mkdtempSync(join(tmpdir(), 'gguf-install-'))
  t.teardown(() => rmSync(work, { recursive: true, force: true }))
  const pack = (dir: string) => {
    const out = JSON.parse(
      execFileSync('npm', ['pack', '--json', '--pack-destination', work], { cwd: dir, encoding: 'utf8' }),
    )[0]
    return {
      file: join(work, out.filename),
      size: out.size as number,
      unpacked: out.unpackedSize as number,
      files: out.files.map((f: { path: string }) => f.path) as string[],
    }
  }
  // The package as it ships (scripts/build-portable.sh, run by npm test), else the dev build.
  const shipped = join(root, 'npm', 'linux-x64-gnu')
  let platformDir = shipped
  if (!existsSync(join(shipped, 'gguf-embed.linux-x64-gnu.node'))) {
    platformDir = join(work, 'platform')
    mkdirSync(platformDir)
    copyFileSync(join(shipped, 'package.json'), join(platformDir, 'package.json'))
    copyFileSync(
      join(root, 'dist', 'src', 'gguf-embed.linux-x64-gnu.node'),
      join(platformDir, 'gguf-embed.linux-x64-gnu.node'),
    )
  }
  const platform = pack(platformDir)
  const main = pack(stagePublished(root, join(work, 'main')))
  t.log(
    `packed: gguf-embed ${(main.size / 1024).toFixed(0)} KiB (${(main.unpacked / 1024).toFixed(0)} KiB unpacked, ${main.files.length} files); gguf-embed-linux-x64-gnu ${(platform.size / 2 ** 20).toFixed(2)} MiB (${(platform.unpacked / 2 ** 20).toFixed(2)} MiB unpacked)`,
  )
  t.false(
    main.files.some((f) => f.endsWith('.node')),
    'the main package carries no binary',
  )
  t.true(
    main.files.includes('dist/index.d.ts') &&
      main.files.includes('dist/index.js') &&
      main.files.includes('dist/src/cli.js'),
  )
  t.like(JSON.parse(readFileSync(join(work, 'main', 'package.json'), 'utf8')).optionalDependencies, {
    'gguf-embed-linux-x64-gnu': '0.1.0',
    'gguf-embed-darwin-arm64': '0.1.0',
  })
  // Every file the adapters' subpath exports name is in the tarball.
  const exported = Object.values(
    JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).exports as Record<string, unknown>,
  )
    .flatMap(function targets(v: unknown): string[] {
      return typeof v === 'string' ? [v] : Object.values(v as Record<string, unknown>).flatMap(targets)
    })
    .map((f) => f.replace(/^\.\//, ''))
  for (const f of exported) t.true(main.files.includes(f), `${f} is exported but not packed`)

  // A PATH with node and npm only.
  const bin = join(work, 'bin')
  mkdirSync(bin)
  symlinkSync(process.execPath, join(bin, 'node'))
  const npmCli = execFileSync('/bin/sh', ['-c', 'readlink -f "$(command -v npm)"'], { encoding: 'utf8' }).trim()
  writeFileSync(join(bin, 'npm'), `#!/bin/sh\nexec "${process.execPath}" "${npmCli}" "$@"\n`, { mode: 0o755 })
  const env = { PATH: bin, HOME: work, npm_config_cache: join(work, 'npm-cache'), npm_config_update_notifier: 'false' }
  for (const tool of ['cargo', 'cmake', 'clang', 'cc', 'gcc', 'rustc']) {
    t.throws(() => execFileSync('/bin/sh', ['-c', `command -v ${tool}`], { env }), undefined, `${tool} is on the PATH`)
  }
  const project = join(work, 'project')
  mkdirSync(project)
  writeFileSync(join(project, 'package.json'), JSON.stringify({ name: 'consumer', version: '1.0.0', private: true }))
  execFileSync(join(bin, 'npm'), ['install', '--offline', '--no-audit', '--no-fund', platform.file, main.file], {
    cwd: project,
    env,
    stdio: 'pipe',
  })
  const model = JSON.stringify(modelFile('q4_0'))
  const use = `const e = await m.Embedder.load(${model}); const v = await e.embed('installed from tarballs'); await e.dispose(); console.log(v.length)`
  const cjs = execFileSync(join(bin, 'node'), ['-e', `const m = require('gguf-embed'); (async () => { ${use} })()`], {
    cwd: project,
    env,
    encoding: 'utf8',
  }).trim()
  const esm = execFileSync(
    join(bin, 'node'),
    ['--input-type=module', '-e', `import * as m from 'gguf-embed'; ${use}`],
    { cwd: project, env, encoding: 'utf8' },
  ).trim()
  t.is(cjs, '384')
  t.is(esm, '384')
  // The AI SDK adapter needs nothing of the SDK at run time; the others need their framework, an
  // optional peer dependency this project did not install.
  const aiSdk = `const e = await m.Embedder.load(${model}); const r = await a.ggufEmbedding(e).doEmbed({ values: ['x'] }); await e.dispose(); console.log(r.usage.tokens)`
  t.is(
    execFileSync(
      join(bin, 'node'),
      ['-e', `const m = require('gguf-embed'); const a = require('gguf-embed/ai-sdk'); (async () => { ${aiSdk} })()`],
      { cwd: project, env, encoding: 'utf8' },
    ).trim(),
    '3',
  )
  t.is(
    execFileSync(
      join(bin, 'node'),
      [
        '--input-type=module',
        '-e',
        `import * as m from 'gguf-embed'; import * as a from 'gguf-embed/ai-sdk'; ${aiSdk}`,
      ],
      { cwd: project, env, encoding: 'utf8' },
    ).trim(),
    '3',
  )
  t.throws(
    () =>
      execFileSync(join(bin, 'node'), ['-e', `require('gguf-embed/llamaindex')`], { cwd: project, env, stdio: 'pipe' }),
    { message: /Cannot find module '@llamaindex\/core\/embeddings'/ },
  )
  const cli = execFileSync(join(project, 'node_modules', '.bin', 'gguf-embed'), ['inspect', modelFile('q4_0')], {
    cwd: project,
    env,
    encoding: 'utf8',
  })
  t.regex(cli, /bert/)
  t.true(
    statSync(join(project, 'node_modules', 'gguf-embed-linux-x64-gnu', 'gguf-embed.linux-x64-gnu.node')).size > 1e6,
  )
  t.false(readdirSync(join(project, 'node_modules')).includes('typescript'), 'no dev dependency came along')

  // The platform package missing (installed with --omit=optional): a typed error naming the
  // platform and the package it needs, not napi's generic message.
  const bare = join(work, 'bare')
  mkdirSync(bare)
  writeFileSync(join(bare, 'package.json'), JSON.stringify({ name: 'bare', version: '1.0.0', private: true }))
  execFileSync(join(bin, 'npm'), ['install', '--offline', '--omit=optional', '--no-audit', '--no-fund', main.file], {
    cwd: bare,
    env,
    stdio: 'pipe',
  })
  const failure = JSON.parse(
    execFileSync(
      join(bin, 'node'),
      [
        '-e',
        `try { require('gguf-embed') } catch (e) { console.log(JSON.stringify({ code: e.code, message: e.message })) }`,
      ],
      { cwd: bare, env, encoding: 'utf8' },
    ),
  )
  t.is(failure.code, 'NATIVE_UNAVAILABLE')
  t.regex(failure.message, /no native addon for linux-x64-gnu/)
  t.regex(failure.message, /gguf-embed-linux-x64-gnu/)
})

// The shipped packages, as a user installs them: `npm pack` of gguf-embed-linux-x64-gnu (what
// scripts/build-portable.sh wrote to npm/linux-x64-gnu/) and of gguf-embed staged as napi
// prepublish publishes it, installed from the tarballs into an empty project. Returns its folder.
import { execFileSync } from 'node:child_process'
import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { join } from 'node:path'

export function installShipped(root, work) {
  const platform = join(root, 'npm', 'linux-x64-gnu')
  if (!existsSync(join(platform, 'gguf-embed.linux-x64-gnu.node')))
    throw new Error(`no shipped addon in ${platform}: run bash scripts/build-portable.sh first`)
  const { stagePublished } = createRequire(import.meta.url)(join(root, 'scripts', 'stage-published.cjs'))
  const dir = join(work, 'shipped')
  rmSync(dir, { recursive: true, force: true })
  mkdirSync(join(dir, 'project'), { recursive: true })
  const pack = (from) =>
    join(
      dir,
      JSON.parse(execFileSync('npm', ['pack', '--json', '--pack-destination', dir], { cwd: from, encoding: 'utf8' }))[0]
        .filename,
    )
  const tarballs = [pack(platform), pack(stagePublished(root, join(dir, 'main')))]
  const project = join(dir, 'project')
  writeFileSync(join(project, 'package.json'), JSON.stringify({ name: 'shipped-bench', private: true }))
  execFileSync('npm', ['install', '--offline', '--no-audit', '--no-fund', ...tarballs], {
    cwd: project,
    stdio: 'ignore',
  })
  return project
}

// Fetches one pinned package through its registry's ordinary client, checks the archive's sha256
// against the pin before anything reads it, and unpacks it under .cache/quality/src/ (git-ignored).
// Returns the folder the package's sources start in. A package already unpacked there is not fetched
// again (its archive was checked when it was).
//   npm:   npm pack NAME@VERSION                       (the registry's tarball)
//   go:    go mod download -json MODULE@VERSION        (the Go module proxy's zip; GOSUMDB off: the pin is ours)
//   maven: mvn dependency:get G:A:V:jar:sources        (Maven Central's -sources.jar)
//   crate: https://static.crates.io/crates/N/N-V.crate  (crates.io's download, as cargo fetches it)
//   pypi:  pip download --no-deps NAME==VERSION        (the wheel named in the pin)
import { execFileSync } from 'node:child_process'
import { createHash } from 'node:crypto'
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..')
const cache = join(root, '.cache', 'quality')

const sha256 = (file) => createHash('sha256').update(readFileSync(file)).digest('hex')
const quiet = { stdio: ['ignore', 'pipe', 'pipe'], maxBuffer: 1 << 26 }

/** Throws unless the archive is the pinned one; `PIN=1` prints the hash of an unpinned one instead. */
function verify(pkg, file) {
  const actual = sha256(file)
  if (!pkg.sha256 && process.env.PIN) {
    process.stderr.write(`pin ${pkg.registry} ${pkg.name}@${pkg.version} sha256 ${actual}\n`)
    return actual
  }
  if (actual !== pkg.sha256) {
    throw new Error(
      `quality: ${pkg.registry} ${pkg.name}@${pkg.version}: sha256 ${actual} of ${file}, pinned ${pkg.sha256 ?? '(none)'}`,
    )
  }
  return actual
}

const slug = (s) => s.replace(/[^A-Za-z0-9._-]+/g, '_')

function unpack(archive, into) {
  mkdirSync(into, { recursive: true })
  if (/\.(tgz|tar\.gz|crate)$/.test(archive)) execFileSync('tar', ['xzf', archive, '-C', into], quiet)
  else execFileSync('unzip', ['-q', '-o', archive, '-d', into], quiet)
}

/** Where each registry's archive comes from, and which folder inside it the sources start at. */
const REGISTRIES = {
  npm(pkg, dir) {
    const name = execFileSync('npm', ['pack', '--silent', `${pkg.name}@${pkg.version}`], { ...quiet, cwd: dir })
      .toString()
      .trim()
      .split('\n')
      .pop()
    return { archive: join(dir, name), top: 'package' }
  },
  go(pkg, dir) {
    const env = {
      ...process.env,
      GOMODCACHE: join(cache, 'gomod'),
      GOSUMDB: 'off',
      GOFLAGS: '-modcacherw',
      GOTOOLCHAIN: 'local',
    }
    const info = JSON.parse(
      execFileSync('go', ['mod', 'download', '-json', `${pkg.name}@${pkg.version}`], { ...quiet, cwd: dir, env }),
    )
    if (info.Error) throw new Error(`quality: go ${pkg.name}@${pkg.version}: ${info.Error}`)
    return { archive: info.Zip, top: `${pkg.name}@${pkg.version}` }
  },
  maven(pkg, dir) {
    const [group, artifact] = pkg.name.split(':')
    const repo = join(cache, 'm2')
    execFileSync(
      'mvn',
      [
        '-B',
        '-q',
        `-Dmaven.repo.local=${repo}`,
        'dependency:get',
        `-Dartifact=${group}:${artifact}:${pkg.version}:jar:sources`,
        '-Dtransitive=false',
      ],
      { ...quiet, cwd: dir },
    )
    const jar = join(repo, ...group.split('.'), artifact, pkg.version, `${artifact}-${pkg.version}-sources.jar`)
    return { archive: jar, top: '.' }
  },
  crate(pkg, dir) {
    const file = join(dir, `${pkg.name}-${pkg.version}.crate`)
    const url = `https://static.crates.io/crates/${pkg.name}/${pkg.name}-${pkg.version}.crate`
    execFileSync('curl', ['-sSfL', '--retry', '3', '-o', file, url], quiet)
    return { archive: file, top: `${pkg.name}-${pkg.version}` }
  },
  pypi(pkg, dir) {
    const py = process.env.PYTHON || 'python3'
    execFileSync(
      py,
      ['-m', 'pip', 'download', '-q', '--no-deps', '--only-binary=:all:', '-d', dir, `${pkg.name}==${pkg.version}`],
      quiet,
    )
    const wheel = readdirSync(dir).find((f) => f === pkg.file)
    if (!wheel) throw new Error(`quality: pypi ${pkg.name}==${pkg.version}: no ${pkg.file} in ${readdirSync(dir)}`)
    return { archive: join(dir, wheel), top: '.' }
  },
}

/** The unpacked, verified sources of one pinned package: {registry, name, version, sha256, ...}. */
export function fetchPackage(pkg) {
  const base = join(cache, 'src', pkg.registry, slug(`${pkg.name}@${pkg.version}`))
  const done = join(base, 'ok.json')
  if (existsSync(done)) {
    const record = JSON.parse(readFileSync(done, 'utf8'))
    if (record.sha256 === pkg.sha256) return join(base, 'src', record.top)
  }
  rmSync(base, { recursive: true, force: true })
  const download = join(base, 'download')
  mkdirSync(download, { recursive: true })
  const { archive, top } = REGISTRIES[pkg.registry](pkg, download)
  const digest = verify(pkg, archive)
  const tmp = join(base, 'src.tmp')
  unpack(archive, tmp)
  renameSync(tmp, join(base, 'src'))
  rmSync(download, { recursive: true, force: true })
  writeFileSync(done, JSON.stringify({ top, sha256: digest }) + '\n')
  return join(base, 'src', top)
}

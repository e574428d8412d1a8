// The main package as `napi prepublish` publishes it, staged in a folder for `npm pack`: package.json
// gains an optionalDependency on each platform package at the same version (npm installs the one
// whose os, cpu and libc match), and dist/ goes without the dev build's addon. Used by the install
// test and by bench/versus.mjs's shipped-package runs.
const { copyFileSync, cpSync, mkdirSync, readFileSync, writeFileSync } = require('node:fs')
const { join } = require('node:path')

/** Stages the package of `root` (built: dist/) in `dir` (created); returns `dir`. */
function stagePublished(root, dir) {
  const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'))
  const { platformName } = require(join(root, 'dist', 'src', 'native.js'))
  pkg.optionalDependencies = Object.fromEntries(
    pkg.napi.targets.map((t) => [`gguf-embed-${platformName(t)}`, pkg.version]),
  )
  mkdirSync(dir)
  writeFileSync(join(dir, 'package.json'), JSON.stringify(pkg, null, 2))
  copyFileSync(join(root, 'README.md'), join(dir, 'README.md'))
  cpSync(join(root, 'dist'), join(dir, 'dist'), { recursive: true, filter: (src) => !src.endsWith('.node') })
  return dir
}

module.exports = { stagePublished }

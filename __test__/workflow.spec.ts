import test from 'ava'
import { existsSync, readFileSync } from 'node:fs'
import { join } from 'node:path'

import { load } from 'js-yaml'

import { root } from './helpers'

// GitHub runs the workflow, not this machine: check that what it says agrees with the package. Every
// published target is built, smoke-tested on its own runner (where one exists) and has an npm dir;
// scripts it calls exist; publishing happens on a version tag only, after the tests.
interface Step {
  run?: string
  uses?: string
  with?: Record<string, unknown>
}
interface Job {
  needs?: string | string[]
  if?: string
  strategy?: { matrix?: { include?: Array<Record<string, string>> } }
  steps: Step[]
}

const workflow = load(readFileSync(join(root, '.github', 'workflows', 'CI.yml'), 'utf8')) as {
  on: Record<string, unknown>
  jobs: Record<string, Job>
}
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'))
const { platformName } = require(join(root, 'dist', 'src', 'native.js')) as typeof import('../src/native')

test('the workflow builds every napi target into its npm dir, and smoke-tests each platform with its own package', (t) => {
  const builds = workflow.jobs.build.strategy!.matrix!.include!
  const targets: string[] = pkg.napi.targets
  t.deepEqual(builds.map((b) => b.target).sort(), [...targets].sort())
  for (const b of builds) {
    t.is(b.platform, platformName(b.target))
    t.true(existsSync(join(root, 'npm', b.platform, 'package.json')), `npm/${b.platform}`)
    const script = b.build.match(/scripts\/[\w.-]+/)?.[0]
    if (script) t.true(existsSync(join(root, script)), script)
    else t.regex(b.build, new RegExp(`--output-dir npm/${b.platform}\\b`))
  }
  const smoked = workflow.jobs.smoke.strategy!.matrix!.include!.map((s) => s.platform)
  for (const p of smoked)
    t.true(
      builds.some((b) => b.platform === p),
      p,
    )
  t.true(workflow.jobs.smoke.steps.some((s) => s.run?.includes('scripts/smoke.mjs')))
  t.true(existsSync(join(root, 'scripts', 'smoke.mjs')))
})

test('the workflow publishes on a version tag only, after lint, builds, tests and smoke tests', (t) => {
  const publish = workflow.jobs.publish
  t.regex(publish.if ?? '', /refs\/tags\/v/)
  t.deepEqual([publish.needs].flat().sort(), ['build', 'lint', 'loader', 'smoke', 'test'])
  t.true(publish.steps.some((s) => /npm publish/.test(s.run ?? '')))
  t.is(
    pkg.scripts.prepublishOnly,
    'napi prepublish -t npm',
    'napi prepublish publishes the platform packages and writes optionalDependencies',
  )
  t.true(workflow.jobs.test.steps.some((s) => s.run === 'npm test'))
})

import test from 'ava'
import { createHash } from 'node:crypto'
import { existsSync, readFileSync } from 'node:fs'
import { join } from 'node:path'

import { root } from './helpers'

// The static tier is fitted on a training corpus and judged on the evaluation sets: they must not
// share a package (in any language: a TypeScript package evaluated must not be trained on as
// JavaScript either) nor a function.
type Lists = Record<string, string[]>
const packages = () =>
  import(join(root, 'bench', 'quality', 'packages.mjs')) as Promise<{
    evaluationPackages: () => Lists
    trainingPackages: () => Lists
    assertDisjoint: () => void
  }>

test('no package is both evaluated and trained on, in any pair of languages', async (t) => {
  const { evaluationPackages, trainingPackages, assertDisjoint } = await packages()
  const evaluated = new Set(Object.values(evaluationPackages()).flat())
  const trained = Object.values(trainingPackages()).flat()
  t.true(trained.length >= 30, `${trained.length} training packages`)
  t.deepEqual(
    trained.filter((name) => evaluated.has(name)),
    [],
  )
  t.notThrows(assertDisjoint)
})

/** Code as build-sets compares it: identifier and punctuation tokens, whitespace ignored. */
const key = (code: string) =>
  createHash('sha1')
    .update((code.match(/[A-Za-z_][A-Za-z0-9_]*|\S/g) ?? []).join(' '))
    .digest('hex')

test('no function of the training corpus is in an evaluation set (the built sets, when present)', async (t) => {
  const sets = join(root, '.cache', 'quality', 'sets')
  const training = join(root, '.cache', 'quality', 'training')
  if (!existsSync(training) || !existsSync(sets)) {
    t.log('quality sets not built here (npm run models builds them with the static corpus)')
    t.pass()
    return
  }
  const read = (file: string) =>
    existsSync(file)
      ? readFileSync(file, 'utf8')
          .trim()
          .split('\n')
          .map((l) => JSON.parse(l) as { code: string })
      : []
  const languages = ['python', 'javascript', 'go', 'java', 'typescript', 'rust']
  const evaluated = new Set(languages.flatMap((l) => read(join(sets, `${l}.jsonl`)).map((p) => key(p.code))))
  let compared = 0
  const shared: string[] = []
  for (const l of languages) {
    for (const f of read(join(training, `${l}.jsonl`))) {
      compared++
      if (evaluated.has(key(f.code))) shared.push(`${l}: ${f.code.slice(0, 60)}`)
    }
  }
  t.log(`${compared} training functions against ${evaluated.size} evaluation functions`)
  t.deepEqual(shared, [])
})

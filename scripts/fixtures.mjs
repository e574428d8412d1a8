// Writes the Rust-generated test fixtures (hostile corpus, writer files) to .cache/fixtures.
import { execFileSync } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { dirname, join } from 'node:path'

const root = join(dirname(fileURLToPath(import.meta.url)), '..')
execFileSync(
  'cargo',
  ['run', '-q', '-p', 'gguf-embed-format', '--features', 'corpus', '--example', 'write_fixtures', '--', join(root, '.cache', 'fixtures')],
  { cwd: root, stdio: 'inherit' },
)

/** A small repository in several languages for the code index tests, and a writer of file trees. */
import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'

export function write(dir: string, files: Record<string, string>): void {
  for (const [rel, text] of Object.entries(files)) {
    mkdirSync(join(dir, rel, '..'), { recursive: true })
    writeFileSync(join(dir, rel), text)
  }
}

/** A small repository in several languages, each file one function a query can name. */
export const REPO: Record<string, string> = {
  'src/http.py':
    'def parseHttpHeader(line):\n    """Splits one HTTP header line into its name and value."""\n    name, _, value = line.partition(":")\n    return name.strip().lower(), value.strip()\n',
  'src/maths.py':
    'def greatest_common_divisor(a, b):\n    """Euclid\'s algorithm."""\n    while b:\n        a, b = b, a % b\n    return abs(a)\n',
  'web/dates.ts':
    'export function formatIsoDate(d: Date): string {\n  const pad = (n: number) => String(n).padStart(2, "0")\n  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`\n}\n',
  'cmd/files.go':
    'package main\n\nimport "os"\n\n// ReadLines reads a text file and returns its lines.\nfunc ReadLines(path string) ([]string, error) {\n\tdata, err := os.ReadFile(path)\n\tif err != nil {\n\t\treturn nil, err\n\t}\n\treturn strings.Split(string(data), "\\n"), nil\n}\n',
  'lib/Shuffle.java':
    'class Shuffle {\n  /** Shuffles a list in place at random. */\n  static <T> void shuffleList(java.util.List<T> items, java.util.Random rng) {\n    for (int i = items.size() - 1; i > 0; i--) java.util.Collections.swap(items, i, rng.nextInt(i + 1));\n  }\n}\n',
  'docs/guide.md': '# Guide\n\nHow to compress a file with gzip before upload.\n',
  'node_modules/dep/index.js': 'function vendoredThing() { return 1 }\n',
  '.gitignore': 'ignored/\n',
  'ignored/secret.py': 'def ignored_function():\n    return "never indexed"\n',
}

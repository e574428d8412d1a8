import { homedir } from 'node:os'
import { isAbsolute, join, relative, resolve } from 'node:path'

import { EmbedError } from './errors'

/** `hf:OWNER/REPO/PATH/FILE.gguf[@REVISION]`, each part validated. */
export interface ModelUri {
  owner: string
  repo: string
  file: string
  revision: string
}

/** The files of one cache entry: the model, its download in progress, its metadata and its lock. */
export interface CacheEntry {
  root: string
  path: string
  partial: string
  meta: string
  lock: string
}

// Every part of a URI becomes a path component in the cache, so each is held to the hub's own rules
// (huggingface_hub's validate_repo_id, git's check-ref-format) and nothing that a file system could
// read as a step up, a root, or another separator gets through.
const NAME = /^[A-Za-z0-9_](?:[A-Za-z0-9_.-]{0,94}[A-Za-z0-9_])?$/
const REF_SEGMENT = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/
const FILE_SEGMENT = /^[A-Za-z0-9_][A-Za-z0-9_.+ -]{0,254}$/

function invalid(kind: 'Uri' | 'Owner' | 'Repo' | 'File' | 'Revision', uri: string, why: string): EmbedError {
  return new EmbedError(
    'INVALID_ARGUMENT',
    `${kind === 'Uri' ? 'model URI' : kind.toLowerCase()} ${why}: ${JSON.stringify(uri)} (expected hf:OWNER/REPO/FILE.gguf[@REVISION])`,
    { kind },
  )
}

/** Whether a model argument names a hub file rather than a local path. */
export function isModelUri(s: string): boolean {
  return s.startsWith('hf:')
}

/** Splits and validates a model URI; rejects with INVALID_ARGUMENT, `kind` naming the offending part. */
export function parseModelUri(uri: string): ModelUri {
  if (typeof uri !== 'string' || !uri.startsWith('hf:')) throw invalid('Uri', String(uri), 'must start with hf:')
  const [spec, revision = 'main', ...extra] = uri.slice(3).split('@')
  if (extra.length > 0) throw invalid('Revision', uri, 'holds a second @')
  const [owner = '', repo, ...file] = spec.split('/')
  if (repo === undefined || file.length === 0) throw invalid('Uri', uri, 'needs an owner, a repository and a file')
  const bad = (s: string) => s.includes('..') || s.includes('--')
  if (!NAME.test(owner) || bad(owner))
    throw invalid('Owner', uri, 'must be letters, digits, _ . - (no leading or trailing . -, no .. or --)')
  if (!NAME.test(repo) || bad(repo))
    throw invalid('Repo', uri, 'must be letters, digits, _ . - (no leading or trailing . -, no .. or --)')
  // Windows drops trailing dots and spaces from names, which would make two paths one.
  if (file.some((s) => !FILE_SEGMENT.test(s) || s.includes('..') || /[. ]$/.test(s))) {
    throw invalid(
      'File',
      uri,
      'must be folders and a name of letters, digits, _ . + - and spaces, with no empty, . or .. part',
    )
  }
  // Only .gguf files: the cache keeps FILE.partial, FILE.json and FILE.lock beside FILE, and no
  // other URI may name one of those.
  if (!/\.gguf$/i.test(file[file.length - 1])) throw invalid('File', uri, 'must name a .gguf file')
  const refs = revision.split('/')
  if (
    revision.length > 255 ||
    revision.includes('..') ||
    refs.some((s) => !REF_SEGMENT.test(s) || s.endsWith('.') || s.endsWith('.lock'))
  ) {
    throw invalid('Revision', uri, 'must be a commit hash or a branch or tag name')
  }
  return { owner, repo, file: file.join('/'), revision }
}

/** The cache entry of a URI, checked to lie inside the cache root whatever the parser let through. */
export function cacheEntry(uri: string, cacheDir?: string): CacheEntry {
  const { owner, repo, file, revision } = parseModelUri(uri)
  const root = resolve(cacheDir || process.env.GGUF_EMBED_CACHE || join(homedir(), '.cache', 'gguf-embed'))
  // '%' is not allowed in a revision, so '%2F' keeps `a/b` and every other revision apart in one folder name.
  const path = resolve(root, 'hf', owner, repo, revision.replace(/\//g, '%2F'), ...file.split('/'))
  const rel = relative(root, path)
  if (rel === '' || isAbsolute(rel) || rel.split(/[\\/]/)[0] === '..')
    throw invalid('Uri', uri, 'leads outside the cache')
  return { root, path, partial: `${path}.partial`, meta: `${path}.json`, lock: `${path}.lock` }
}

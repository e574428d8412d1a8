/**
 * The prebuilt addon for this platform, loaded once. napi's generated loader (binding.js) looks for a
 * local build, then for the platform package (`gguf-embed-<platform>`, an optional dependency npm
 * installs only where os, cpu and libc match). When none loads it throws a generic message; this
 * module replaces it with one that names the platform, the package it needs, and the platforms
 * published, keeping napi's errors as the cause.
 */
import type * as Binding from './binding'
import { EmbedError } from './errors'

export type * from './binding'

/** napi's name for a Rust target triple, as in `npm/<name>/` and `gguf-embed-<name>`. */
export function platformName(triple: string): string {
  const [arch, , os, abi] = triple.split('-')
  const cpu = ({ x86_64: 'x64', aarch64: 'arm64', i686: 'ia32', armv7: 'arm' } as Record<string, string>)[arch] ?? arch
  if (triple.includes('apple-darwin')) return `darwin-${cpu}`
  if (triple.includes('windows')) return `win32-${cpu}-${triple.split('-').pop()}`
  return `${os}-${cpu}${abi ? `-${abi}` : ''}`
}

/** This process's platform in the same naming: `linux-x64-gnu`, `darwin-arm64`, `win32-x64-msvc`. */
export function currentPlatform(): string {
  const { platform, arch } = process
  if (platform === 'linux') {
    const header = (process.report?.getReport() as { header?: { glibcVersionRuntime?: string } } | undefined)?.header
    return `linux-${arch}-${header?.glibcVersionRuntime ? 'gnu' : 'musl'}`
  }
  if (platform === 'win32') return `win32-${arch}-msvc`
  return `${platform}-${arch}`
}

function publishedPlatforms(): string[] {
  try {
    // The package's own package.json by self-reference: the same from src/ (tsx) and dist/src/.
    const pkg = require('gguf-embed/package.json') as { napi?: { targets?: string[] } }
    return (pkg.napi?.targets ?? []).map(platformName)
  } catch {
    return []
  }
}

function unavailable(cause: unknown): EmbedError {
  const here = currentPlatform()
  const published = publishedPlatforms()
  const detail = published.includes(here)
    ? `its package gguf-embed-${here} is not installed or did not load (npm skips optional dependencies ` +
      `when installed with --no-optional or --omit=optional, or when package-lock.json came from another platform: ` +
      `reinstall, or add gguf-embed-${here} explicitly)`
    : `gguf-embed publishes prebuilt addons for ${published.join(', ')}; build from source for others (see README)`
  const reason = loadFailure(cause)
  return new EmbedError(
    'NATIVE_UNAVAILABLE',
    `no native addon for ${here} could be loaded${reason ? ` (${reason})` : ''}: ${detail}`,
    { cause },
  )
}

/** The first error in napi's chain that is not a mere "Cannot find module" (a GLIBC version, a bad ELF), if any. */
function loadFailure(err: unknown): string | undefined {
  for (let e = err instanceof Error ? err.cause : undefined; e instanceof Error; e = e.cause) {
    if (!e.message.startsWith('Cannot find module')) return e.message.split('\n')[0]
  }
  return undefined
}

function load(): typeof Binding {
  try {
    return require('./binding')
  } catch (err) {
    throw unavailable(err)
  }
}

const native = load()

export const {
  CancelToken,
  DistillProgress,
  IndexProgress,
  NativeCodeIndex,
  NativeEmbedder,
  NativeStaticEmbedder,
  convert,
  distill,
  inspect,
  loadEmbedder,
  loadStaticEmbedder,
  nativeMemory,
  openCodeIndex,
  walkCodeFiles,
  chunkCodeFile,
  queryWords,
  matchPaths,
  quantize,
  systemInfo,
} = native
// Classes are used as types too (`native.CancelToken`): re-export their instance types.
export type CancelToken = Binding.CancelToken
export type DistillProgress = Binding.DistillProgress
export type NativeEmbedder = Binding.NativeEmbedder
export type NativeStaticEmbedder = Binding.NativeStaticEmbedder
export type IndexProgress = Binding.IndexProgress
export type NativeCodeIndex = Binding.NativeCodeIndex

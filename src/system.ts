/** What the native side reports about this machine and this process. */
import * as native from './native'

export type { NativeMemory, SystemInfo } from './native'

/** The CPU features the native kernels use, and those this machine offers. */
export function systemInfo(): native.SystemInfo {
  return native.systemInfo()
}

/** Native resources this process holds across every Embedder (and worker thread): models mapped, contexts alive and their bytes. */
export function nativeMemory(): native.NativeMemory {
  return native.nativeMemory()
}

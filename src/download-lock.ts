import { randomBytes } from 'node:crypto'
import { constants } from 'node:fs'
import { link, lstat, open, readFile, rename, rm, utimes } from 'node:fs/promises'
import { hostname } from 'node:os'
import { setTimeout as sleep } from 'node:timers/promises'

/** The process holding a lock, as its lock file names it. */
export interface Holder {
  pid?: number
  host?: string
}

export interface Lock {
  release(): Promise<void>
}

// The holder touches its lock this often; a lock untouched for STALE_MS belongs to a process that
// died or hangs (or to a reused pid), and so does one whose pid is gone on this host.
const HEARTBEAT_MS = 10_000
const STALE_MS = 60_000
const POLL_MS = [25, 50, 100, 250, 500, 1000]

const me = () => `${process.pid}@${hostname()}`

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM'
  }
}

interface Seen {
  holder: Holder
  stale: boolean
  ino: number
}

async function inspect(path: string): Promise<Seen | undefined> {
  try {
    const st = await lstat(path)
    // Anything but a regular file was planted, not made by acquire(); reading a FIFO would block.
    if (!st.isFile()) return { holder: {}, stale: true, ino: st.ino }
    const m = /^(\d{1,10})@([A-Za-z0-9._-]{1,255})$/.exec(await readFile(path, 'utf8'))
    const holder: Holder = m ? { pid: Number(m[1]), host: m[2] } : {}
    const dead = holder.pid !== undefined && holder.host === hostname() && !alive(holder.pid)
    return { holder, stale: dead || Date.now() - st.mtimeMs > STALE_MS, ino: st.ino }
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined
    throw err
  }
}

/**
 * Removes a stale lock unless another waiter replaced it meanwhile: it is moved aside first, and put
 * back when what was moved is not the lock judged stale.
 */
async function breakLock(path: string, seen: Seen): Promise<void> {
  const aside = `${path}.${process.pid}.${randomBytes(4).toString('hex')}.stale`
  try {
    await rename(path, aside)
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return
    throw err
  }
  if ((await lstat(aside)).ino !== seen.ino) await link(aside, path).catch(() => undefined)
  await rm(aside, { recursive: true, force: true })
}

/**
 * Takes the lock file `path` (created exclusively, holding `pid@host`), waiting while a live process
 * holds it; `onWait` is told once when that happens. Rejects with the signal's AbortError on abort.
 */
export async function acquire(
  path: string,
  options: { signal?: AbortSignal; onWait?: (holder: Holder) => void } = {},
): Promise<Lock> {
  const flags = constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | (constants.O_NOFOLLOW ?? 0)
  for (let waits = 0; ;) {
    options.signal?.throwIfAborted()
    try {
      const fh = await open(path, flags, 0o644)
      try {
        await fh.writeFile(me())
      } finally {
        await fh.close()
      }
      return held(path)
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err
    }
    const current = await inspect(path)
    if (!current) continue
    if (current.stale) {
      await breakLock(path, current)
      continue
    }
    if (waits === 0) options.onWait?.(current.holder)
    await sleep(POLL_MS[Math.min(waits++, POLL_MS.length - 1)], undefined, { signal: options.signal })
  }
}

function held(path: string): Lock {
  const beat = setInterval(() => {
    const now = new Date()
    utimes(path, now, now).catch(() => undefined)
  }, HEARTBEAT_MS)
  beat.unref()
  return {
    async release() {
      clearInterval(beat)
      // A lock broken as stale (this process hung) and taken by another is theirs to remove.
      if ((await readFile(path, 'utf8').catch(() => '')) === me()) await rm(path, { force: true })
    },
  }
}

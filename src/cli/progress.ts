/** A progress bar on stderr for long work; silent when stderr is not a terminal (or with --json). */
export class Progress {
  #start = performance.now()
  #last = 0
  readonly #enabled: boolean

  constructor(
    readonly label: string,
    public total: number,
    enabled = process.stderr.isTTY === true,
  ) {
    this.#enabled = enabled
  }

  update(done: number): void {
    if (!this.#enabled) return
    const now = performance.now()
    if (now - this.#last < 100 && done < this.total) return
    this.#last = now
    const width = 30
    const frac = this.total === 0 ? 1 : Math.min(1, done / this.total)
    const bar = '#'.repeat(Math.round(frac * width)).padEnd(width, '.')
    const rate = done / Math.max((now - this.#start) / 1000, 1e-3)
    process.stderr.write(`\r${this.label} [${bar}] ${done}/${this.total} ${rate.toFixed(1)}/s `)
  }

  done(): void {
    if (this.#enabled) process.stderr.write('\n')
  }
}

/** One line per step of a multi-step job, with its time. */
export async function step<T>(label: string, run: () => Promise<T>): Promise<T> {
  const t0 = performance.now()
  process.stderr.write(`${label} ...`)
  try {
    const result = await run()
    process.stderr.write(` done in ${((performance.now() - t0) / 1000).toFixed(1)} s\n`)
    return result
  } catch (err) {
    process.stderr.write(' failed\n')
    throw err
  }
}

/**
 * One bar per phase of a job whose progress names its phase (`distill`, `index`): a new bar when the
 * phase changes. `done()` ends the last one.
 */
export function phasedProgress<P extends string>(
  labels: Record<P, string>,
  enabled: boolean,
): { onProgress: (p: { phase: P; done: number; total: number }) => void; done: () => void } {
  let bar: Progress | undefined
  let phase: P | undefined
  return {
    onProgress: (p) => {
      if (p.phase !== phase) {
        bar?.done()
        phase = p.phase
        bar = new Progress(labels[p.phase], p.total, enabled)
      }
      bar!.total = p.total
      bar!.update(p.done)
    },
    done: () => bar?.done(),
  }
}

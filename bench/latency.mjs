// Single-query latency as the benchmarks measure it: each query awaited before the next.

/** The p-quantile (0..1) of xs, nearest rank. */
export const pct = (xs, p) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(p * xs.length))]

/** Runs `run(query)` for each query in turn; p50 and p95 of the times, in ms. */
export async function latency(queries, run) {
  const times = []
  for (const q of queries) {
    const t0 = performance.now()
    await run(q)
    times.push(performance.now() - t0)
  }
  return { p50: pct(times, 0.5), p95: pct(times, 0.95) }
}

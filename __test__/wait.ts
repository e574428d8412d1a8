/**
 * Waits until `condition()` holds, polling every `every` ms, and fails with `what` after
 * `timeout` ms: every wait in the tests is bounded and says what it waited for.
 */
export async function waitFor(condition: () => boolean, what: string, timeout = 60_000, every = 20): Promise<void> {
  for (const end = Date.now() + timeout; !condition(); await new Promise((r) => setTimeout(r, every))) {
    if (Date.now() > end) throw new Error(`timed out after ${timeout} ms waiting for ${what}`)
  }
}

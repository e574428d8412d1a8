/**
 * A vector as the frameworks store it (number[]), copied out of native memory. A counted loop:
 * `Array.from` on a Float32Array goes through the iterator protocol and measured 5x slower
 * (10,000 x 384 floats: ~110-220 ms against ~20 ms on our 2-core machine), time the JS thread
 * takes from the inference threads on a small machine.
 */
export function toNumbers(v: Float32Array): number[] {
  const out = new Array<number>(v.length)
  for (let i = 0; i < v.length; i++) out[i] = v[i]
  return out
}

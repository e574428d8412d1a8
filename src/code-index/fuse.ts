/** Reciprocal-rank fusion: each list gives 1 / (K + rank) to what it ranks; lists need no common scale. */

/** The usual constant (Cormack et al. 2009): a top rank counts, without drowning the rest. */
export const RRF_K = 60

export interface Ranked<V extends string> {
  id: number
  score: number
  via: V[]
}

export function fuse<V extends string>(lists: { via: V; ids: number[] }[]): Ranked<V>[] {
  const byId = new Map<number, Ranked<V>>()
  for (const { via, ids } of lists) {
    ids.forEach((id, rank) => {
      const r = byId.get(id) ?? { id, score: 0, via: [] }
      r.score += 1 / (RRF_K + rank + 1)
      r.via.push(via)
      byId.set(id, r)
    })
  }
  return [...byId.values()].sort((a, b) => b.score - a.score || a.id - b.id)
}

// Retrieval metrics for sets where query i's one relevant document is document i.
// Ranks are 1-based; a tie with the relevant document counts half (the expected rank under random
// tie-breaking), so a scorer that gives everything the same score gets no credit for luck.

/** A small deterministic PRNG (mulberry32). */
export function prng(seed) {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32
  }
}

/** Rank of `scores[relevant]` among `scores` (over `among` indices if given). */
export function rankOf(scores, relevant, among) {
  const target = scores[relevant]
  let greater = 0
  let equal = 0
  const visit = (j) => {
    if (j === relevant) return
    if (scores[j] > target) greater++
    else if (scores[j] === target) equal++
  }
  if (among) among.forEach(visit)
  else for (let j = 0; j < scores.length; j++) visit(j)
  return 1 + greater + equal / 2
}

/** `count` distinct indices in [0, n) other than `except`, from `random`. */
export function distractors(n, count, except, random) {
  const picked = new Set()
  const want = Math.min(count, n - 1)
  while (picked.size < want) {
    const j = Math.floor(random() * n)
    if (j !== except) picked.add(j)
  }
  return [...picked]
}

/** nDCG@10 of one query whose one relevant document is at `rank`. */
export const ndcg10 = (rank) => (rank <= 10 ? 1 / Math.log2(rank + 1) : 0)

/**
 * Metrics of a scorer over n queries and n documents. `score(i)` returns the scores of query i
 * against every document (a Float32Array or array of length n).
 * - mrr: mean reciprocal rank of the relevant document against 999 distractors (CodeSearchNet);
 *   the distractors of query i are drawn with a fixed seed, the same for every scorer
 * - ndcg10, recall1, recall10: over the whole corpus
 */
export function evaluate(n, score, { distractorCount = 999, seed = 1 } = {}) {
  const random = prng(seed)
  let mrr = 0
  let ndcg = 0
  let r1 = 0
  let r10 = 0
  for (let i = 0; i < n; i++) {
    const scores = score(i)
    const pool = distractors(n, distractorCount, i, random)
    mrr += 1 / rankOf(scores, i, pool)
    const rank = rankOf(scores, i)
    ndcg += ndcg10(rank)
    if (rank <= 1) r1++
    if (rank <= 10) r10++
  }
  return { n, mrr: mrr / n, ndcg10: ndcg / n, recall1: r1 / n, recall10: r10 / n }
}

/** Scores of query i against every document by dot product (vectors are L2-normalised: cosine). */
export function dotScorer(queries, documents) {
  const n = documents.length
  const dims = documents[0].length
  const flat = new Float32Array(n * dims)
  documents.forEach((d, j) => flat.set(d, j * dims))
  const scores = new Float32Array(n)
  return (i) => {
    const q = queries[i]
    for (let j = 0; j < n; j++) {
      let s = 0
      const base = j * dims
      for (let k = 0; k < dims; k++) s += q[k] * flat[base + k]
      scores[j] = s
    }
    return scores
  }
}

/** 1 + how many scores are strictly higher, for every score (ties share the best rank). */
export function competitionRanks(scores) {
  const order = Float64Array.from(scores).sort()
  const n = order.length
  const ranks = new Float64Array(n)
  for (let j = 0; j < n; j++) {
    // first index in ascending order holding a value > scores[j]
    let lo = 0
    let hi = n
    while (lo < hi) {
      const mid = (lo + hi) >> 1
      if (order[mid] <= scores[j]) lo = mid + 1
      else hi = mid
    }
    ranks[j] = 1 + n - lo
  }
  return ranks
}

/** Reciprocal-rank fusion of scorers: sum over them of 1 / (k + rank of the document). */
export function rrfScorer(scorers, k = 60) {
  return (i) => {
    const fused = new Float64Array(scorers.length ? scorers[0](i).length : 0)
    for (const score of scorers) {
      const ranks = competitionRanks(score(i))
      for (let j = 0; j < fused.length; j++) fused[j] += 1 / (k + ranks[j])
    }
    return fused
  }
}

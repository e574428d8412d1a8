// One language's pairs through an embedder and scored: the vectors alone, and fused with BM25 by
// reciprocal rank when asked; BM25 alone. Shared by run.mjs, variant.mjs and static-levers.mjs.
import { bm25Scorer } from './bm25.mjs'
import { dotScorer, evaluate, rrfScorer } from './metrics.mjs'

/** {figures, fused?, documents, documentMs}: documentMs times the code side alone (docs/s). */
export async function scoreSet(embedder, set, { withBm25 = false } = {}) {
  const t0 = performance.now()
  const codes = await embedder.embedBatch(
    set.map((p) => p.code),
    { kind: 'document' },
  )
  const documentMs = performance.now() - t0
  const queries = await embedder.embedBatch(
    set.map((p) => p.query),
    { kind: 'query' },
  )
  const byVector = dotScorer(queries, codes)
  const out = { figures: evaluate(set.length, byVector), documents: codes.length, documentMs }
  if (withBm25) {
    out.fused = evaluate(set.length, rrfScorer([byVector, bm25Of(set)]))
  }
  return out
}

/** BM25 over a set's code, scoring its queries: the keyword baseline, with no model. */
export function bm25Of(set) {
  return bm25Scorer(
    set.map((p) => p.query),
    set.map((p) => p.code),
  )
}

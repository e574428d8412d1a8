// BM25 (k1 1.2, b 0.75) over code: the baseline that shows what embeddings add. Identifiers are split
// (camelCase, snake_case) and lowercased, so "parse the header" meets `parseHeader`.

/** Words of text or code: identifier parts, lowercased, two letters or more. */
export function terms(text) {
  return (text.match(/[A-Za-z][A-Za-z0-9]*/g) ?? [])
    .flatMap((w) => w.split(/(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])/))
    .map((w) => w.toLowerCase())
    .filter((w) => w.length >= 2)
}

/** A scorer for `evaluate`: scores of query i against every document. */
export function bm25Scorer(queries, documents, { k1 = 1.2, b = 0.75 } = {}) {
  const n = documents.length
  const postings = new Map() // term -> [doc, tf, doc, tf, ...]
  const lengths = new Float64Array(n)
  documents.forEach((doc, j) => {
    const counts = new Map()
    for (const t of terms(doc)) counts.set(t, (counts.get(t) ?? 0) + 1)
    lengths[j] = [...counts.values()].reduce((a, c) => a + c, 0)
    for (const [t, c] of counts) {
      const list = postings.get(t) ?? []
      list.push(j, c)
      postings.set(t, list)
    }
  })
  const avg = lengths.reduce((a, l) => a + l, 0) / Math.max(1, n)
  const scores = new Float32Array(n)
  return (i) => {
    scores.fill(0)
    for (const t of new Set(terms(queries[i]))) {
      const list = postings.get(t)
      if (!list) continue
      const df = list.length / 2
      const idf = Math.log(1 + (n - df + 0.5) / (df + 0.5))
      for (let p = 0; p < list.length; p += 2) {
        const j = list[p]
        const tf = list[p + 1]
        scores[j] += (idf * tf * (k1 + 1)) / (tf + k1 * (1 - b + (b * lengths[j]) / avg))
      }
    }
    return scores
  }
}

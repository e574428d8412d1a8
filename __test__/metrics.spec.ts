import test from 'ava'
import { join } from 'node:path'

import { root } from './helpers'

// The benchmark's metric code (bench/quality), on examples small enough to work out by hand.
const load = async () => ({
  metrics: await import(join(root, 'bench', 'quality', 'metrics.mjs')),
  bm25: await import(join(root, 'bench', 'quality', 'bm25.mjs')),
})

test('MRR, nDCG@10 and recall on a hand-made 3x3 example', async (t) => {
  const { metrics } = await load()
  const scores = [
    [0.9, 0.1, 0.5], // relevant doc 0 ranks 1
    [0.8, 0.3, 0.2], // relevant doc 1 ranks 2
    [0.7, 0.6, 0.5], // relevant doc 2 ranks 3
  ]
  const r = metrics.evaluate(3, (i: number) => scores[i])
  t.is(r.n, 3)
  t.true(Math.abs(r.mrr - (1 + 1 / 2 + 1 / 3) / 3) < 1e-12)
  t.true(Math.abs(r.ndcg10 - (1 + 1 / Math.log2(3) + 1 / Math.log2(4)) / 3) < 1e-12)
  t.is(r.recall1, 1 / 3)
  t.is(r.recall10, 1)
})

test('ranks: ties count half, nDCG@10 is 0 past rank 10, distractors exclude the relevant one', async (t) => {
  const { metrics } = await load()
  t.is(metrics.rankOf([0.5, 0.5, 0.5], 1), 2)
  t.is(metrics.rankOf([0.1, 0.9, 0.9, 0.2], 0), 4)
  t.is(metrics.rankOf([0.1, 0.9, 0.9, 0.2], 0, [3]), 2)
  // 12 documents, the relevant one always 11th: recall@10 and nDCG@10 are 0, MRR 1/11
  const n = 12
  const eleventh = (i: number) => {
    let above = 0
    return Array.from({ length: n }, (_, j) => (j === i ? 0.5 : above++ < 10 ? 1 : 0))
  }
  const r = metrics.evaluate(n, eleventh)
  t.is(r.recall10, 0)
  t.is(r.ndcg10, 0)
  t.true(Math.abs(r.mrr - 1 / 11) < 1e-12)
  const d = metrics.distractors(5, 999, 2, metrics.prng(7))
  t.deepEqual([...d].sort(), [0, 1, 3, 4])
})

test('BM25 splits identifiers and ranks the matching code first', async (t) => {
  const { metrics, bm25 } = await load()
  t.deepEqual(bm25.terms('parseHeader(raw_line) HTTPServer x'), ['parse', 'header', 'raw', 'line', 'http', 'server'])
  const docs = [
    'def parse_header(line):\n    return line.split(":")',
    'function sortBy(list, key) { return list.sort() }',
    'def read_file(path): open(path).read()',
  ]
  const queries = ['parse the header line', 'sort a list by key', 'read a file']
  const r = metrics.evaluate(3, bm25.bm25Scorer(queries, docs))
  t.is(r.recall1, 1)
  t.is(r.mrr, 1)
  const scores = bm25.bm25Scorer(queries, docs)(0)
  t.true(scores[0] > 0 && scores[1] === 0)
})

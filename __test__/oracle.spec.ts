// Vectors against an independent reference computed now: Hugging Face tokenizers and a NumPy
// BERT forward pass over the checkpoint's own safetensors (scripts/oracle/bert_reference.py).
import test from 'ava'

import { Embedder } from 'gguf-embed'
import { cosine, modelFile, pythonFunctions, reference } from './helpers'

const prose = [
  'a',
  'hello world',
  'How do I read a file line by line in Python?',
  'Sort a list of dictionaries by a key.',
  'The quick brown fox jumps over the lazy dog.',
  'Return the number of items in the container.',
  'Ünïcödé façade — naïve café',
  '日本語のテキストと English mixed',
  'Привет, как дела? Это тест.',
  'emoji 🦀 and symbols ∑ ∫ ≠',
  'tabs\tand\nnewlines\r\n  and   spaces',
  'URL https://example.com/path?query=1&x=2',
]
const code = pythonFunctions(36)
const long = pythonFunctions(400, 20_000).sort((a, b) => b.length - a.length)
const texts = [...prose, ...code, long[0], long[1], long[0].slice(0, 1500), long[2].repeat(3)]

const ref = reference(texts)

// Each quantization with the minimum cosine we hold it to (null: reported, not asserted).
const TYPES: Array<[string, number | null]> = [
  ['f32', 0.9999],
  ['f16', 0.999],
  ['q8_0', 0.99],
  ['q4_k_m', null],
  ['q4_0', null],
]

test('the reference covers 50+ inputs from one token to past the context limit', (t) => {
  t.true(texts.length >= 50)
  const lengths = ref.ids.map((ids) => ids.length)
  t.is(Math.min(...lengths), 3)
  t.is(Math.max(...lengths), 512)
})

for (const [type, floor] of TYPES) {
  test(`${type}: cosine to the reference ${floor === null ? '(reported)' : `>= ${floor}`}`, async (t) => {
    const e = await Embedder.load(modelFile(type))
    const vectors = await e.embedBatch(texts)
    await e.dispose()
    const cos = vectors.map((v, i) => cosine(v, ref.vectors[i]))
    const min = Math.min(...cos)
    const mean = cos.reduce((a, b) => a + b, 0) / cos.length
    t.log(`${type}: min cosine ${min.toFixed(6)}, mean ${mean.toFixed(6)} over ${cos.length} inputs`)
    if (floor !== null) t.true(min >= floor, `min ${min} at input ${cos.indexOf(min)}`)
    else t.true(min > 0.5, `min ${min}`)
  })
}

test('token ids equal the reference tokenizer on the same inputs, truncation included', async (t) => {
  const e = await Embedder.load(modelFile('q8_0'), { truncate: 'end' })
  for (let i = 0; i < texts.length; i++) {
    const ours = Array.from(await e.tokenize(texts[i]))
    const theirs = ref.ids[i]
    // The reference truncates to 512 ([CLS] ... [SEP]); ours reports the untruncated ids.
    const cut = theirs.length === 512 ? [...ours.slice(0, 511), ours[ours.length - 1]] : ours
    t.deepEqual(cut, theirs, `input ${i}`)
  }
  await e.dispose()
})

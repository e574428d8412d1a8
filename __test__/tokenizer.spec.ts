// llama.cpp's WordPiece tokenizer (through our Embedder) against Hugging Face tokenizers on
// 1,000+ real code snippets from the Python standard library.
import test from 'ava'

import { Embedder } from 'gguf-embed'
import { modelFile, pythonFunctions, reference } from './helpers'

test('token ids equal the reference tokenizer on 1,000+ code snippets', async (t) => {
  const snippets = pythonFunctions(1200, 1500)
  t.true(snippets.length >= 1000)
  const ref = reference(snippets, true)
  const e = await Embedder.load(modelFile('q8_0'))
  const mismatches: number[] = []
  for (let i = 0; i < snippets.length; i++) {
    const ours = Array.from(await e.tokenize(snippets[i]))
    const theirs = ref.ids[i]
    const cut = theirs.length === 512 && ours.length > 512 ? [...ours.slice(0, 511), ours[ours.length - 1]] : ours
    if (cut.length !== theirs.length || cut.some((id, j) => id !== theirs[j])) mismatches.push(i)
  }
  await e.dispose()
  t.log(`${snippets.length} snippets, ${mismatches.length} mismatches`)
  t.deepEqual(mismatches, [])
})

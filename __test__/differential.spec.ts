// Our reader against @huggingface/gguf, an independent parser: field by field, on files made by
// our writer and on real files made by llama.cpp's tools.
import test from 'ava'
import { join } from 'node:path'
import { readdirSync } from 'node:fs'
import { gguf } from '@huggingface/gguf'

import { inspect } from 'gguf-embed'
import { fixtures, llamaVocabFiles } from './helpers'

const TYPE_NAMES = ['u8', 'i8', 'u16', 'i16', 'u32', 'i32', 'f32', 'bool', 'string', 'array', 'u64', 'i64', 'f64']
const PSEUDO_KEYS = new Set(['version', 'tensor_count', 'kv_count'])

interface Typed {
  value: unknown
  type: number
  subType?: number
}

const writerFiles = readdirSync(join(fixtures, 'writer')).map((f) => join(fixtures, 'writer', f))
const files = [...writerFiles, join(fixtures, 'sparse-4gib.gguf'), ...llamaVocabFiles()]

for (const file of files) {
  test(`agrees with @huggingface/gguf: ${file.split('/').slice(-2).join('/')}`, async (t) => {
    const ours = await inspect(file, { tensors: true })
    const theirs = await gguf(file, { allowLocalFile: true, typedMetadata: true })
    const tm = theirs.typedMetadata as unknown as Record<string, Typed>

    t.is(ours.version, Number(tm.version.value))
    t.is(ours.tensorCount, Number(tm.tensor_count.value))
    t.is(ours.metadata.length, Number(tm.kv_count.value))
    t.is(ours.dataOffset, Number(theirs.tensorDataOffset))

    const theirKeys = Object.keys(tm).filter((k) => !PSEUDO_KEYS.has(k))
    t.deepEqual(ours.metadata.map((m) => m.key).sort(), theirKeys.sort())
    for (const m of ours.metadata) {
      const other = tm[m.key]
      t.is(m.type, TYPE_NAMES[other.type], m.key)
      if (m.type === 'array') {
        const values = other.value as unknown[]
        t.is(m.elementType, TYPE_NAMES[other.subType!], m.key)
        t.is(m.length, values.length, m.key)
      } else if (m.type === 'f32') {
        t.is(Math.fround(m.value as number), other.value as number, m.key)
      } else if (m.type === 'string') {
        const s = other.value as string
        t.is(m.truncated ? s.startsWith(m.value as string) : s, m.truncated ? true : (m.value as string), m.key)
      } else if (typeof other.value === 'bigint') {
        t.is(BigInt(m.value as number | bigint), other.value, m.key)
      } else {
        t.is(m.value, other.value, m.key)
      }
    }

    t.is(ours.tensors!.length, theirs.tensorInfos.length)
    ours.tensors!.forEach((mine, i) => {
      const other = theirs.tensorInfos[i]
      t.is(mine.name, other.name)
      t.deepEqual(mine.shape, other.shape.map(Number), mine.name)
      t.is(mine.ggmlTypeId, other.dtype as number, mine.name)
      t.is(mine.offset - ours.dataOffset, Number(other.offset), mine.name)
    })
  })
}

import { basename } from 'node:path'

import { inspect, type ModelInfo, type MetadataEntry } from '../inspect'
import { parseFlags } from './args'
import { bytes, count, json, table } from './format'

const HELP = `usage: gguf-embed inspect FILE [--json] [--tensors]

Describes a GGUF file from its header, metadata and tensor infos, without loading weights.
Strings from the file are printed with control and bidi characters escaped (\\x1b, \\u202e).
  --json      machine-readable output
  --tensors   list every tensor (name, type, shape, bytes, offset)`

export async function inspectCommand(args: string[]): Promise<number> {
  const { values, positionals, usage } = parseFlags(args, HELP, {
    json: { type: 'boolean' },
    tensors: { type: 'boolean' },
    help: { type: 'boolean', short: 'h' },
  })
  if (values.help) return (console.log(HELP), 0)
  if (positionals.length !== 1) throw usage('expected one FILE')
  const info = await inspect(positionals[0], { tensors: values.tensors ?? false })
  console.log(values.json ? json(info) : summary(positionals[0], info))
  return 0
}

function value(e: MetadataEntry): string {
  if (e.type === 'array') return `${e.elementType}[${e.length}]`
  if (e.type === 'string') {
    const s = JSON.stringify(e.value)
    return s.length > 60 ? `${s.slice(0, 57)}..." (${e.length} bytes)` : s
  }
  return String(e.value)
}

function summary(path: string, m: ModelInfo): string {
  const opt = (v: number | string | boolean | undefined) => (v === undefined ? '-' : String(v))
  const head = table([
    ['file', `${basename(path)} (${bytes(m.fileSize)}, GGUF v${m.version})`],
    ['model', `${m.name ?? '-'} (${m.architecture ?? 'no architecture'})`],
    ['parameters', `${count(m.parameterCount)} in ${m.tensorCount} tensors`],
    ['types', m.types.map((t) => `${t.ggmlType} ${bytes(t.bytes)} (${t.tensors})`).join(', ') || '-'],
    [
      'shape',
      `context ${opt(m.contextLength)}, embedding ${opt(m.embeddingLength)}, layers ${opt(m.blockCount)}, heads ${opt(m.headCount)}`,
    ],
    ['pooling', `${opt(m.poolingType)}, causal ${opt(m.causal)}`],
    ['tokenizer', `${opt(m.tokenizerModel)}, ${opt(m.vocabSize)} tokens`],
    ['reader heap', bytes(m.readerHeapBytes)],
  ])
  const meta = table(
    m.metadata.map((e) => [e.key, e.type, value(e)]),
    '  ',
  )
  let out = `${head}\n\nmetadata (${m.metadata.length} keys)\n${meta}`
  if (m.tensors) {
    const rows = m.tensors.map((t) => [t.name, t.ggmlType, `[${t.shape.join(', ')}]`, bytes(t.bytes), String(t.offset)])
    out += `\n\ntensors (${m.tensors.length})\n${table([['name', 'type', 'shape', 'bytes', 'offset'], ...rows], '  ')}`
  }
  return out
}

/**
 * An MCP server (Model Context Protocol, over stdio) that lets coding agents search a code index:
 * one tool, `search_code`, answering from a CodeIndex made by `gguf-embed index`. Built on the
 * official SDK, an optional peer dependency (`npm install @modelcontextprotocol/sdk zod`).
 */
import type { McpServer as McpServerType } from '@modelcontextprotocol/sdk/server/mcp.js'
import { CodeIndex, MAX_QUERY_BYTES, type CodeIndexOptions, type SearchHit } from './code-index'
import { EmbedError } from './errors'

export interface McpOptions extends Pick<CodeIndexOptions, 'fast' | 'precise' | 'repository'> {
  /** The index file (made by `gguf-embed index` or CodeIndex.update). */
  db: string
}

/** Characters of code a hit shows the agent: whole chunks, cut where one is very long. */
const SHOWN_CHARS = 2000

function load<T>(module: string): T {
  try {
    return require(module) as T
  } catch (err) {
    throw new EmbedError(
      'INVALID_ARGUMENT',
      `gguf-embed mcp needs the MCP SDK: npm install @modelcontextprotocol/sdk zod (${(err as Error).message})`,
      { cause: err },
    )
  }
}

function show(h: SearchHit): string {
  const code = h.text.length > SHOWN_CHARS ? `${h.text.slice(0, SHOWN_CHARS)}\n...` : h.text
  return `${h.path}:${h.startLine}-${h.endLine}${h.symbol ? ` ${h.symbol}` : ''} (${h.language}, score ${h.score.toFixed(3)}, via ${h.via.join('+')})\n\`\`\`${h.language}\n${code}\n\`\`\``
}

/** Makes the server over an open index (for tests and embedding in other programs). */
export function mcpServer(index: CodeIndex, version: string): McpServerType {
  const { McpServer } = load<typeof import('@modelcontextprotocol/sdk/server/mcp.js')>(
    '@modelcontextprotocol/sdk/server/mcp.js',
  )
  const { z } = load<typeof import('zod')>('zod')
  const server = new McpServer({ name: 'gguf-embed', version })
  server.registerTool(
    'search_code',
    {
      title: 'Search code',
      description:
        'Searches the indexed repository for code by meaning and by identifier words (camelCase and snake_case are split), ' +
        'returning the best-matching functions, classes and text chunks with their path, lines, symbol and code.',
      inputSchema: {
        query: z
          .string()
          .min(1)
          .max(MAX_QUERY_BYTES)
          .describe('What to find, in words or identifiers, e.g. "parse an http header"'),
        k: z.number().int().min(1).max(50).optional().describe('How many results (default 10)'),
        mode: z
          .enum(['hybrid', 'keyword', 'vector'])
          .optional()
          .describe('hybrid (default): words and meaning; keyword: BM25 only; vector: meaning only'),
        language: z.array(z.string()).optional().describe('Only these languages, e.g. ["python", "typescript"]'),
        path: z.array(z.string()).optional().describe('Only paths matching these globs, e.g. ["src/**"]'),
      },
      annotations: { readOnlyHint: true, openWorldHint: false },
    },
    async ({ query, k, mode, language, path }) => {
      try {
        const report = await index.searchReport(query, { k: k ?? 10, mode, language, path })
        const text = report.hits.length === 0 ? 'No results.' : report.hits.map(show).join('\n\n')
        return { content: [{ type: 'text' as const, text }] }
      } catch (err) {
        const e = err as EmbedError
        return { isError: true, content: [{ type: 'text' as const, text: `${e.code ?? 'ERROR'}: ${e.message}` }] }
      }
    },
  )
  return server
}

/** Serves the index over stdio until the client disconnects. */
export async function serveMcp(options: McpOptions, version: string): Promise<void> {
  const { StdioServerTransport } = load<typeof import('@modelcontextprotocol/sdk/server/stdio.js')>(
    '@modelcontextprotocol/sdk/server/stdio.js',
  )
  const index = await CodeIndex.open(options.db, {
    fast: options.fast,
    precise: options.precise,
    repository: options.repository,
  })
  const server = mcpServer(index, version)
  const transport = new StdioServerTransport()
  const closed = new Promise<void>((resolve) => (transport.onclose = resolve))
  await server.connect(transport)
  process.stdin.once('end', () => void server.close())
  await closed
  await index.close()
}

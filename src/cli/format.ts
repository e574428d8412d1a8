/** Human-readable numbers, aligned tables and terminal-safe strings for the CLI. */

/**
 * What a terminal must not receive raw from a file: C0 controls (ESC starts sequences that set the
 * title, clear the screen or move the cursor; CR and LF forge lines), DEL, C1 controls (0x9b is a
 * one-byte CSI on some terminals), the bidi marks, embeddings, overrides and isolates that reorder
 * what is shown (Trojan Source), and lone surrogates.
 */
const UNSAFE =
  /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g

/** A string from a file or an argument, with every unsafe character shown as an escape (`\x1b`, `\u202e`). */
export function escapeForTerminal(s: string): string {
  return s.replace(UNSAFE, (c) => {
    const code = c.charCodeAt(0)
    return code < 0x100 ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16).padStart(4, '0')}`
  })
}

export function bytes(n: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB']
  let i = 0
  while (n >= 1024 && i < units.length - 1) {
    n /= 1024
    i++
  }
  return i === 0 ? `${n} B` : `${n.toFixed(n < 10 ? 2 : 1)} ${units[i]}`
}

export function count(n: number): string {
  if (n >= 1e9) return `${(n / 1e9).toFixed(2)} B`
  if (n >= 1e6) return `${(n / 1e6).toFixed(2)} M`
  if (n >= 1e3) return `${(n / 1e3).toFixed(1)} K`
  return String(n)
}

/** Left-aligned columns, two spaces apart. Cells are escaped: tables show what files contain. */
export function table(cells: string[][], indent = ''): string {
  const rows = cells.map((row) => row.map(escapeForTerminal))
  const widths: number[] = []
  for (const row of rows) row.forEach((cell, i) => (widths[i] = Math.max(widths[i] ?? 0, cell.length)))
  return rows
    .map((row) => indent + row.map((cell, i) => (i === row.length - 1 ? cell : cell.padEnd(widths[i]))).join('  '))
    .join('\n')
}

/** JSON that keeps bigint values (as decimal strings). */
export function json(value: unknown): string {
  return JSON.stringify(value, (_k, v) => (typeof v === 'bigint' ? v.toString() : v), 2)
}

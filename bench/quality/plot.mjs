// A scatter plot as plain SVG (no plotting dependency): nDCG@10 per language against resident
// memory, one point per variant, BM25 as a dashed line per language.

const COLORS = ['#1f77b4', '#d62728', '#2ca02c', '#9467bd']
const esc = (s) => String(s).replace(/&/g, '&amp;').replace(/</g, '&lt;')

export function plot(rows, bm25, languages) {
  const W = 760
  const H = 440
  const m = { left: 70, right: 220, top: 40, bottom: 60 }
  const xs = rows.map((r) => r.rss / 2 ** 20)
  const xMax = Math.max(...xs) * 1.1
  const ys = rows
    .flatMap((r) => languages.map((l) => r.languages[l].ndcg10))
    .concat(languages.map((l) => bm25.languages[l].ndcg10))
  const yMin = Math.max(0, Math.floor(Math.min(...ys) * 10) / 10 - 0.05)
  const yMax = Math.min(1, Math.ceil(Math.max(...ys) * 10) / 10 + 0.02)
  const x = (v) => m.left + (v / xMax) * (W - m.left - m.right)
  const y = (v) => H - m.bottom - ((v - yMin) / (yMax - yMin)) * (H - m.top - m.bottom)
  const parts = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" font-family="sans-serif" font-size="12">`,
    `<rect width="${W}" height="${H}" fill="white"/>`,
    `<text x="${W / 2 - 100}" y="22" font-size="14">Code retrieval quality against resident memory</text>`,
    `<line x1="${m.left}" y1="${H - m.bottom}" x2="${W - m.right}" y2="${H - m.bottom}" stroke="black"/>`,
    `<line x1="${m.left}" y1="${m.top}" x2="${m.left}" y2="${H - m.bottom}" stroke="black"/>`,
    `<text x="${(m.left + W - m.right) / 2 - 80}" y="${H - 20}">resident memory (RSS, MiB)</text>`,
    `<text transform="translate(20 ${H / 2 + 30}) rotate(-90)">nDCG@10</text>`,
  ]
  for (let i = 0; i <= 5; i++) {
    const v = (xMax / 5) * i
    parts.push(`<text x="${x(v) - 10}" y="${H - m.bottom + 18}">${v.toFixed(0)}</text>`)
    const w = yMin + ((yMax - yMin) / 5) * i
    parts.push(`<text x="${m.left - 40}" y="${y(w) + 4}">${w.toFixed(2)}</text>`)
    parts.push(`<line x1="${m.left}" y1="${y(w)}" x2="${W - m.right}" y2="${y(w)}" stroke="#eee"/>`)
  }
  languages.forEach((l, li) => {
    const c = COLORS[li % COLORS.length]
    const b = bm25.languages[l].ndcg10
    parts.push(
      `<line x1="${m.left}" y1="${y(b)}" x2="${W - m.right}" y2="${y(b)}" stroke="${c}" stroke-dasharray="5 4"/>`,
    )
    rows.forEach((r) => {
      const px = x(r.rss / 2 ** 20)
      const py = y(r.languages[l].ndcg10)
      parts.push(`<circle cx="${px}" cy="${py}" r="4" fill="${c}"/>`)
      parts.push(
        `<text x="${px + 6}" y="${py - 4}" font-size="10" fill="${c}">${esc(r.name.replace(/^.*?\./, ''))}</text>`,
      )
    })
    parts.push(`<circle cx="${W - m.right + 20}" cy="${m.top + 20 * li}" r="4" fill="${c}"/>`)
    parts.push(`<text x="${W - m.right + 30}" y="${m.top + 20 * li + 4}">${esc(l)} (dashed: BM25)</text>`)
  })
  parts.push('</svg>')
  return parts.join('\n') + '\n'
}

// A scatter plot as plain SVG (no plotting dependency): mean nDCG@10 over the languages against
// resident memory, one point per variant, one colour per model, BM25 (no model) as a dashed line.

const COLORS = ['#1f77b4', '#d62728', '#2ca02c', '#9467bd', '#ff7f0e', '#8c564b']
const esc = (s) => String(s).replace(/&/g, '&amp;').replace(/</g, '&lt;')

/** The model a variant belongs to: its name less the variant suffix (`bge-small-en-v1.5.q8_0` ->
 *  `bge-small-en-v1.5`; a name's own dots are kept). */
export function modelOf(name) {
  return name.replace(/\.(f32|f16|q8_0|q4_k_m|q4_0|q\d\w*|static)([.+].*)?$/i, '')
}

export function plot(rows, bm25, languages) {
  const W = 820
  const H = 460
  const m = { left: 70, right: 260, top: 40, bottom: 60 }
  const mean = (r) => languages.reduce((a, l) => a + r.languages[l].ndcg10, 0) / languages.length
  const xs = rows.map((r) => r.rss / 2 ** 20)
  const xMax = Math.max(...xs) * 1.1
  const ys = rows.map(mean).concat([mean(bm25)])
  const yMin = Math.max(0, Math.floor(Math.min(...ys) * 10) / 10 - 0.05)
  const yMax = Math.min(1, Math.ceil(Math.max(...ys) * 10) / 10 + 0.02)
  const x = (v) => m.left + (v / xMax) * (W - m.left - m.right)
  const y = (v) => H - m.bottom - ((v - yMin) / (yMax - yMin)) * (H - m.top - m.bottom)
  const parts = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" font-family="sans-serif" font-size="12">`,
    `<rect width="${W}" height="${H}" fill="white"/>`,
    `<text x="${m.left}" y="22" font-size="14">Code retrieval (mean nDCG@10, ${languages.length} languages) against resident memory</text>`,
    `<line x1="${m.left}" y1="${H - m.bottom}" x2="${W - m.right}" y2="${H - m.bottom}" stroke="black"/>`,
    `<line x1="${m.left}" y1="${m.top}" x2="${m.left}" y2="${H - m.bottom}" stroke="black"/>`,
    `<text x="${(m.left + W - m.right) / 2 - 80}" y="${H - 20}">resident memory (RSS, MiB)</text>`,
    `<text transform="translate(20 ${H / 2 + 30}) rotate(-90)">mean nDCG@10</text>`,
  ]
  for (let i = 0; i <= 5; i++) {
    const v = (xMax / 5) * i
    parts.push(`<text x="${x(v) - 10}" y="${H - m.bottom + 18}">${v.toFixed(0)}</text>`)
    const w = yMin + ((yMax - yMin) / 5) * i
    parts.push(`<text x="${m.left - 40}" y="${y(w) + 4}">${w.toFixed(2)}</text>`)
    parts.push(`<line x1="${m.left}" y1="${y(w)}" x2="${W - m.right}" y2="${y(w)}" stroke="#eee"/>`)
  }
  const b = mean(bm25)
  parts.push(
    `<line x1="${m.left}" y1="${y(b)}" x2="${W - m.right}" y2="${y(b)}" stroke="#555" stroke-dasharray="5 4"/>`,
  )
  parts.push(`<text x="${W - m.right - 120}" y="${y(b) - 4}" fill="#555">BM25, no model</text>`)
  const models = [...new Set(rows.map((r) => modelOf(r.name)))]
  rows.forEach((r) => {
    const c = COLORS[models.indexOf(modelOf(r.name)) % COLORS.length]
    const px = x(r.rss / 2 ** 20)
    const py = y(mean(r))
    parts.push(`<circle cx="${px}" cy="${py}" r="4" fill="${c}"/>`)
    parts.push(
      `<text x="${px + 6}" y="${py - 4}" font-size="10" fill="${c}">${esc(r.name.slice(modelOf(r.name).length + 1))}</text>`,
    )
  })
  models.forEach((name, i) => {
    const c = COLORS[i % COLORS.length]
    parts.push(`<circle cx="${W - m.right + 20}" cy="${m.top + 20 * i}" r="4" fill="${c}"/>`)
    parts.push(`<text x="${W - m.right + 30}" y="${m.top + 20 * i + 4}">${esc(name)}</text>`)
  })
  parts.push('</svg>')
  return parts.join('\n') + '\n'
}

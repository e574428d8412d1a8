/**
 * Text bound for the operator's terminal or log collector. What comes from a model file (its
 * name) or from a request (an error's message) may hold escape sequences or line breaks: written
 * raw, they could recolour or clear the terminal, or forge log lines.
 */

// C0 and C1 controls (ESC, CR, LF, BEL...), DEL, the line and paragraph separators, and the
// bidirectional overrides that reorder what is shown.
const UNSAFE = /[\p{Cc}\u2028\u2029\u200e\u200f\u202a-\u202e\u2066-\u2069]/gu

/** `text` with each unsafe character written as an escape: `\x1b`, `\x0d`, `\u202e`. */
export function printable(text: string): string {
  return text.replace(UNSAFE, (c) => {
    const code = c.codePointAt(0)!
    return code <= 0xff ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16).padStart(4, '0')}`
  })
}

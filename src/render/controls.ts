/**
 * Text from documents, file names and model replies is data: on a terminal its control
 * characters would act (clear the screen, set the window title, hide text, forge links,
 * overwrite a line with `\r` or `\b`). Shown visibly instead, as git and less do.
 */

/**
 * Makes every control character visible:
 * 1. C0 controls and DEL in caret notation: ESC `^[`, CR `^M`, BS `^H`, BEL `^G`, DEL `^?`.
 *    Tab stays; newline stays unless `singleLine` (file names, headings, one-line previews).
 * 2. C1 controls (U+0080-U+009F; U+009B is a one-character CSI) as `<U+009B>`.
 * 3. Bidirectional overrides and isolates (U+202A-U+202E, U+2066-U+2069), which reorder
 *    what is shown ("Trojan Source"), and the line and paragraph separators, also as `<U+…>`.
 * Everything else, including all printable Unicode, passes through unchanged.
 */
export function showControls(text: string, options: { singleLine?: boolean } = {}): string {
  return text.replace(options.singleLine ? SINGLE_LINE : MULTI_LINE, (c) => {
    const code = c.charCodeAt(0);
    if (code < 0x20) return `^${String.fromCharCode(code + 0x40)}`;
    if (code === 0x7f) return '^?';
    return `<U+${code.toString(16).toUpperCase().padStart(4, '0')}>`;
  });
}

// C0 except tab (and newline), DEL, C1, bidi controls, line and paragraph separators.
const MULTI_LINE = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069\u2028\u2029]/g;
const SINGLE_LINE = /[\u0000-\u0008\u000a-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069\u2028\u2029]/g;

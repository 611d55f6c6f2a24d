/** ANSI escapes in captured output: whether there are any, and the text without colours. */
export const ANSI_ESCAPE = /\u001b\[/;

export function stripAnsi(text: string): string {
  return text.replace(/\u001b\[[0-9;]*m/g, '');
}

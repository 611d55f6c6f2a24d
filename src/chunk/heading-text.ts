/**
 * Heading titles as they appear in breadcrumbs: closing `#`/`=` runs and inline markup removed,
 * whitespace collapsed, length capped. Pure string functions.
 */

/** Longer titles are cut: the breadcrumb is repeated in every chunk's embedded text. */
export const MAX_TITLE_CHARS = 200;

/** `Title ##` → `Title`: a closing run of `ch` counts only after whitespace, or as the whole title. */
export function stripClosingRun(title: string, ch: string): string {
  const t = title.trimEnd();
  let k = t.length;
  while (k > 0 && t[k - 1] === ch) k--;
  if (k === t.length) return t;
  if (k === 0) return '';
  return t[k - 1] === ' ' || t[k - 1] === '\t' ? t.slice(0, k).trimEnd() : t;
}

/** Heading text without markup: code spans keep their content verbatim, everything else loses markup. */
export function cleanHeading(raw: string, format: 'markdown' | 'asciidoc' | 'rst'): string {
  // Plain titles skip the regex passes (fast on heading-dense files); overlong ones too, as some of those
  // passes are quadratic in the worst case and such a line is no real title anyway.
  const isPlain = !/[`*_[\]<>{~:]/.test(raw) || raw.length > 2 * MAX_TITLE_CHARS;
  const parts = isPlain ? [raw] : raw.split(format === 'rst' ? /``(.+?)``/ : /`+([^`]+)`+/);
  const title = parts
    .map((part, i) => (i % 2 === 1 || isPlain ? part : stripInlineMarkup(part, format)))
    .join('')
    .replace(/\s+/g, ' ')
    .trim();
  return title.length > MAX_TITLE_CHARS ? `${title.slice(0, MAX_TITLE_CHARS - 1).trimEnd()}…` : title;
}

/** Emphasis needs a non-word character outside the markers, so snake_case_names survive. */
function emphasis(t: string): string {
  return t.replace(/(^|\W)(\*\*|__|\*|_)(\S(?:.*?\S)?)\2(?=\W|$)/g, '$1$3');
}

function stripInlineMarkup(s: string, format: 'markdown' | 'asciidoc' | 'rst'): string {
  switch (format) {
    case 'markdown':
      return emphasis(
        s
          .replace(/!?\[([^\]]*)\]\([^)]*\)/g, '$1')
          .replace(/\[([^\]]*)\]\[[^\]]*\]/g, '$1')
          .replace(/<[^>]*>/g, '')
          .replace(/\{#[^}]*\}/g, '')
          .replace(/~~(.+?)~~/g, '$1'),
      );
    case 'asciidoc':
      return emphasis(
        s
          .replace(/\[\[[^\]]*\]\]/g, '')
          .replace(/<<[^,>]*,\s*([^>]+)>>/g, '$1')
          .replace(/<<([^>]+)>>/g, '$1')
          .replace(/\b(?:https?:\/\/|mailto:|link:|xref:)[^\s[]*\[([^\]]+)\]/g, '$1'),
      );
    case 'rst':
      return s
        .replace(/`([^`<]*?)\s*<[^>]*>`_{1,2}/g, '$1')
        .replace(/:[\w:+.-]+:`([^`]*)`/g, '$1')
        .replace(/`([^`]+)`_{0,2}/g, '$1')
        .replace(/\*\*(.+?)\*\*/g, '$1')
        .replace(/\*(.+?)\*/g, '$1');
  }
}

/** Visible width of a cell: ANSI colour codes take no room. */
function width(text: string): number {
  return [...text.replace(/\u001b\[[0-9;]*m/g, '')].length;
}

/** A plain text table: header, a rule, one line per row; columns padded to their widest cell. */
export function renderTable(
  header: string[],
  rows: string[][],
  options: { align?: Record<string, 'left' | 'right'> } = {},
): string {
  const widths = header.map((h, i) => Math.max(width(h), ...rows.map((r) => width(r[i] ?? ''))));
  const line = (cells: string[]) =>
    cells
      .map((cell, i) => {
        const pad = ' '.repeat(widths[i]! - width(cell));
        return options.align?.[header[i]!] === 'right' ? pad + cell : cell + pad;
      })
      .join('  ')
      .trimEnd();
  return [line(header), widths.map((w) => '─'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}

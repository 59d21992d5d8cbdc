// Markdown pieces the report is made of: tables and number formats.

export const integer = (value: number): string =>
  Number.isFinite(value) ? Math.round(value).toLocaleString('en-US') : '—';

export const fixed = (value: number | undefined, digits = 2): string =>
  value !== undefined && Number.isFinite(value) ? value.toFixed(digits) : '—';

export function table(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const line = (cells: readonly string[]): string =>
    `| ${cells.map((cell) => cell.replaceAll('|', '\\|')).join(' | ')} |`;
  return [line(header), line(header.map(() => '---')), ...rows.map(line)].join('\n');
}

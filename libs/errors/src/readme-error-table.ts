// Reads a README's error table so a test can hold it to the registry (docs never drift).

/**
 * Rows of the Markdown table whose header has `code` and `status` columns: every
 * `| \`code\` | 401 | ... |` row becomes `{ code, status }`.
 */
export function readErrorTable(markdown: string): { code: string; status: number }[] {
  const rows: { code: string; status: number }[] = [];
  let codeColumn = -1;
  let statusColumn = -1;
  for (const line of markdown.split('\n')) {
    if (!line.trim().startsWith('|')) {
      codeColumn = -1;
      continue;
    }
    const cells = line
      .split('|')
      .slice(1, -1)
      .map((cell) => cell.trim());
    if (codeColumn === -1) {
      codeColumn = cells.findIndex((cell) => cell.toLowerCase() === 'code');
      statusColumn = cells.findIndex((cell) => cell.toLowerCase() === 'status');
      if (statusColumn === -1) codeColumn = -1;
      continue;
    }
    const code = /^`([a-z0-9_]+)`$/u.exec(cells[codeColumn] ?? '')?.[1];
    const status = Number(cells[statusColumn]);
    if (code !== undefined && Number.isInteger(status)) rows.push({ code, status });
  }
  return rows;
}

// How a data export is offered for download: a dated file name.

/** `account-data-2025-01-02.json`: only digits and dashes, so the header needs no escaping. */
export function exportFileName(now: Date): string {
  return `account-data-${now.toISOString().slice(0, 10)}.json`;
}

/** The launcher's "what it serves where" table, printed once the mesh listens. */
import type { ServedEntry } from '@mesh/runtime';

/** Renders served entries as an aligned plain-text table. */
export function formatServed(mode: string, entries: readonly ServedEntry[]): string {
  const rows = entries.map((e) => [
    e.service,
    e.kind,
    e.where,
    e.transactions.join(' '),
    e.implemented ? 'yes' : 'not implemented',
  ]);
  const header = ['service', 'kind', 'where', 'transactions', 'implemented'];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[]): string =>
    cells
      .map((c, i) => c.padEnd(widths[i] ?? 0))
      .join('  ')
      .trimEnd();
  return [`IHE mesh (${mode} mode) serving:`, line(header), ...rows.map(line)].join('\n');
}

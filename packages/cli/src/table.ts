import { printable } from './printable.ts';

/** Rows as aligned columns, the header first; the last column is not padded. Cells are made printable. */
export function table(input: readonly (readonly string[])[]): string {
  const rows = input.map((row) => row.map((cell) => printable(cell)));
  const widths = rows[0]?.map((_, column) => Math.max(...rows.map((row) => row[column]?.length ?? 0))) ?? [];
  return rows
    .map(
      (row) =>
        `${row
          .map((cell, column) => cell.padEnd(widths[column] ?? 0))
          .join('  ')
          .trimEnd()}\n`,
    )
    .join('');
}

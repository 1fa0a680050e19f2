/**
 * Lays rows out in columns padded to their widest cell; the last column is not padded.
 * With `dropEmpty`, a column whose cells are all empty below the header row is left out:
 * no column that says nothing.
 */
export function table(rows: string[][], options: { dropEmpty?: boolean } = {}): string {
  if (options.dropEmpty && rows.length > 1) {
    const width = Math.max(...rows.map((row) => row.length));
    const keep = Array.from({ length: width }, (_, i) => rows.slice(1).some((row) => row[i]));
    rows = rows.map((row) => row.filter((_, i) => keep[i]));
  }
  const widths: number[] = [];
  for (const row of rows) {
    row.forEach((cell, i) => (widths[i] = Math.max(widths[i] ?? 0, visibleLength(cell))));
  }
  return rows
    .map((row) =>
      row
        .map((cell, i) =>
          i === row.length - 1 ? cell : cell + " ".repeat(widths[i]! - visibleLength(cell)),
        )
        .join("  ")
        .trimEnd(),
    )
    .join("\n");
}

/** Length without ANSI colour codes. */
function visibleLength(text: string): number {
  // eslint-disable-next-line no-control-regex
  return text.replace(/\x1b\[[0-9;]*m/g, "").length;
}

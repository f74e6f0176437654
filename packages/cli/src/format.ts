/**
 * Small text helpers shared by the commands: aligned columns, durations and instants as people read
 * them. Output is plain text first; colour is added by the Terminal, never baked in here.
 */

/** Rows padded into columns separated by two spaces; the last column is not padded. */
export function columns(rows: string[][], indent = "  "): string[] {
  const widths: number[] = [];
  for (const row of rows)
    row.forEach((cell, i) => {
      widths[i] = Math.max(widths[i] ?? 0, cell.length);
    });
  return rows.map(
    (row) =>
      indent +
      row
        .map((cell, i) => (i === row.length - 1 ? cell : cell.padEnd(widths[i] as number)))
        .join("  ")
        .trimEnd(),
  );
}

/** An exact duration: `90 s`, `5 min`, `24 h`. */
export function duration(seconds: number): string {
  if (seconds !== 0 && seconds % 3600 === 0) return `${seconds / 3600} h`;
  if (seconds !== 0 && seconds % 60 === 0) return `${seconds / 60} min`;
  return `${seconds} s`;
}

/** A rounded distance in time: `in 2 h`, `3 min ago`. */
export function relative(seconds: number): string {
  const size = Math.abs(seconds);
  const amount =
    size < 90
      ? `${Math.round(size)} s`
      : size < 90 * 60
        ? `${Math.round(size / 60)} min`
        : size < 36 * 3600
          ? `${Math.round(size / 3600)} h`
          : `${Math.round(size / 86_400)} d`;
  return seconds >= 0 ? `in ${amount}` : `${amount} ago`;
}

/** A NumericDate (RFC 7519 §2) as an ISO instant, or undefined when it is not a number. */
export function instant(value: unknown): string | undefined {
  if (typeof value !== "number" || !Number.isFinite(value)) return undefined;
  const date = new Date(value * 1000);
  return Number.isNaN(date.getTime()) ? undefined : date.toISOString().replace(".000Z", "Z");
}

/**
 * Small statistics helpers for the bench. Medians, not means, because one round disturbed by a noisy
 * neighbour on a shared machine should not move the reported figure.
 */

/** The median of `values` (the mean of the two middle values for an even count); NaN when empty. */
export function median(values: readonly number[]): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** `a / b`, or NaN when either is missing or `b` is zero. */
export function ratio(a: number | undefined, b: number | undefined): number {
  if (a === undefined || b === undefined || !Number.isFinite(a) || !Number.isFinite(b) || b === 0) {
    return Number.NaN;
  }
  return a / b;
}

/** Formats a ratio as `0.93×`, or `n/a`. */
export function formatRatio(value: number): string {
  return Number.isFinite(value) ? `${value.toFixed(2)}×` : "n/a";
}

/** Formats a count with thousands separators (`43,120`), or `n/a`. */
export function formatCount(value: number): string {
  return Number.isFinite(value) ? Math.round(value).toLocaleString("en-US") : "n/a";
}

/**
 * The median of round-by-round ratios `a[i] / b[i]`: two verifiers timed in adjacent slices of the same
 * round share that moment's machine speed, so their ratio moves far less than either rate does. Falls
 * back to the ratio of medians when the rounds do not pair up.
 */
export function pairedRatio(a: readonly number[] | undefined, b: readonly number[] | undefined): number {
  if (a === undefined || b === undefined) return Number.NaN;
  if (a.length === 0 || a.length !== b.length) return ratio(median(a), median(b));
  return median(a.map((value, i) => value / (b[i] as number)));
}

/** The interquartile range of the round-by-round ratios `a[i] / b[i]`, or undefined when they do not pair. */
export function pairedRatioSpread(
  a: readonly number[] | undefined,
  b: readonly number[] | undefined,
): [number, number] | undefined {
  if (a === undefined || b === undefined || a.length < 4 || a.length !== b.length) return undefined;
  const sorted = a.map((value, i) => value / (b[i] as number)).sort((x, y) => x - y);
  return [
    sorted[Math.floor(sorted.length / 4)] as number,
    sorted[Math.floor((3 * sorted.length) / 4)] as number,
  ];
}

/**
 * closestName(): the known option name a mistyped one most likely meant, for "did you mean …?" in
 * option errors. A typo such as `clockTolerence` is refused (it must not silently leave a check at its
 * default); naming the fix saves reading the whole list of option names.
 *
 * Names are compared without case, `_` or `-` first (`jwks_uri` means `jwksUri`), then by edit
 * distance with adjacent transpositions (optimal string alignment), within a small bound, so that an
 * unrelated name gets no suggestion rather than a misleading one.
 */

function normalise(name: string): string {
  return name.toLowerCase().replace(/[-_]/g, "");
}

/** Optimal-string-alignment distance: insertions, deletions, substitutions, adjacent swaps. */
function distance(a: string, b: string, bound: number): number {
  if (Math.abs(a.length - b.length) > bound) return bound + 1;
  let beforePrevious: number[] = [];
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let best = Math.min(
        (previous[j] as number) + 1,
        (current[j - 1] as number) + 1,
        (previous[j - 1] as number) + cost,
      );
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) {
        best = Math.min(best, (beforePrevious[j - 2] as number) + 1);
      }
      current[j] = best;
    }
    beforePrevious = previous;
    previous = current;
  }
  return previous[b.length] as number;
}

/**
 * The known name closest to `name`, or undefined when none is close enough to be a likely typo.
 * @example closestName("clockTolerence", VERIFIER_OPTION_NAMES) // "clockTolerance"
 */
export function closestName(name: string, known: Iterable<string>): string | undefined {
  const wanted = normalise(name);
  // Up to one edit per four characters, at least one and at most three.
  const bound = Math.min(3, Math.max(1, Math.floor(wanted.length / 4)));
  let best: string | undefined;
  let bestDistance = bound + 1;
  for (const candidate of known) {
    const d = distance(wanted, normalise(candidate), bound);
    if (d < bestDistance) {
      best = candidate;
      bestDistance = d;
    }
  }
  return best;
}

/**
 * Where a bench phase writes its raw figures: the path after `--out` (bench/main.ts passes one), or
 * bench/.raw/<phase>.json when a phase is run by hand without it.
 */
export function outPathOf(phase: string): string {
  const at = process.argv.indexOf("--out");
  // Without the flag, indexOf's -1 would make argv[0] (the node binary) the output file.
  const path = at === -1 ? undefined : process.argv[at + 1];
  return path === undefined || path.startsWith("--") ? `bench/.raw/${phase}.json` : path;
}

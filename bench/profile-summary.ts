/**
 * Turns a V8 .cpuprofile into the short text a person tuning the hot path wants: self time by
 * function and by source file, and inclusive time of our own functions, as shares of all samples. Used by bench/profile.ts (the verifier alone)
 * and bench/profile-http.ts (a whole HTTP server).
 */

export interface CpuProfile {
  nodes: {
    id: number;
    callFrame: { functionName: string; url: string; lineNumber: number };
    hitCount?: number;
    children?: number[];
  }[];
}

function shorten(url: string): string {
  const at = url.indexOf("/packages/");
  if (at >= 0) return url.slice(at + 1);
  const nm = url.lastIndexOf("/node_modules/");
  if (nm >= 0) return url.slice(nm + 14);
  return url || "(native)";
}

/** Self time by function (top `top`) and by file, one line each. */
export function summarizeProfile(profile: CpuProfile, top = 25): string {
  const total = profile.nodes.reduce((n, node) => n + (node.hitCount ?? 0), 0);
  const byFunction = new Map<string, number>();
  const byFile = new Map<string, number>();
  for (const node of profile.nodes) {
    const hits = node.hitCount ?? 0;
    if (hits === 0) continue;
    const { functionName, url, lineNumber } = node.callFrame;
    const where = shorten(url);
    const fn = `${functionName || "(anonymous)"}  ${where}${url ? `:${lineNumber + 1}` : ""}`;
    byFunction.set(fn, (byFunction.get(fn) ?? 0) + hits);
    byFile.set(where, (byFile.get(where) ?? 0) + hits);
  }
  const pct = (n: number) => `${((100 * n) / total).toFixed(1).padStart(5)}%`;
  const lines = [`${total} samples`, "", `self time by function (top ${top}):`];
  for (const [fn, hits] of [...byFunction].sort((a, b) => b[1] - a[1]).slice(0, top))
    lines.push(`${pct(hits)}  ${fn}`);
  lines.push("", "self time by file:");
  for (const [where, hits] of [...byFile].sort((a, b) => b[1] - a[1]).slice(0, 20))
    lines.push(`${pct(hits)}  ${where}`);

  // Inclusive time (self plus everything called) of our own functions: what each stage really costs.
  const nodes = new Map(profile.nodes.map((n) => [n.id, n]));
  const inclusive = new Map<number, number>();
  const totalOf = (id: number): number => {
    const known = inclusive.get(id);
    if (known !== undefined) return known;
    const node = nodes.get(id)!;
    let sum = node.hitCount ?? 0;
    for (const child of node.children ?? []) sum += totalOf(child);
    inclusive.set(id, sum);
    return sum;
  };
  const ours = new Map<string, number>();
  const visit = (id: number, onStack: Set<string>): void => {
    const node = nodes.get(id)!;
    const { functionName, url } = node.callFrame;
    const name = `${functionName || "(anonymous)"}  ${shorten(url)}`;
    const counted = url.includes("/packages/") && !onStack.has(name);
    if (counted) {
      ours.set(name, (ours.get(name) ?? 0) + totalOf(id));
      onStack.add(name);
    }
    for (const child of node.children ?? []) visit(child, onStack);
    if (counted) onStack.delete(name);
  };
  const root = profile.nodes[0];
  if (root) visit(root.id, new Set());
  if (ours.size > 0) {
    lines.push("", "inclusive time of resource-guard functions (packages/*):");
    for (const [name, hits] of [...ours].sort((a, b) => b[1] - a[1]).slice(0, 20))
      lines.push(`${pct(hits)}  ${name}`);
  }
  return lines.join("\n");
}

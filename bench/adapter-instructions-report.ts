/**
 * How the adapter-instructions bench reads in results.md: per framework and token mix, the
 * instructions a request runs in the bare framework, and what the floor (a hand-written Map lookup)
 * and resource-guard add to it, each the median of the rounds' paired differences with the middle
 * half of them. Evidence beside the CPU-time target of adapter-cost, not a target of its own.
 */

import { FRAMEWORK_LABELS } from "./adapter-cost-report.js";
import type { InstructionReport } from "./adapter-instructions.js";
import { median } from "./stats.js";

const signed = (value: number) =>
  `${value >= 0 ? "+" : "−"}${Math.abs(Math.round(value)).toLocaleString("en-US")}`;

/** The median of paired differences and, in brackets, their middle half (the quartiles). */
function withQuartiles(differences: readonly number[]): string {
  const sorted = [...differences].sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.round(q * (sorted.length - 1))] as number;
  return `${signed(median(sorted))} (${signed(at(0.25))} to ${signed(at(0.75))})`;
}

export function renderAdapterInstructionsSection(report: InstructionReport | undefined): string[] {
  const out = ["", "## Adapter cost in instructions: a cached token over the bare framework", ""];
  if (!report)
    return [
      ...out,
      "Not run yet: `pnpm bench --only=adapter-instructions` (needs Valgrind; about half an hour).",
    ];
  if (report.skipped) return [...out, `Skipped: ${report.skipped}.`];
  out.push(
    "The servers of the adapter-cost phase (bare, the floor of a hand-written Map lookup, resource-guard; route, scope " +
      "check and error handler as users write them), driven in memory under Valgrind's callgrind, which counts every " +
      `instruction a block of ${report.requestsPerBlock} requests runs (Node ${report.node} with --predictable, after a ` +
      "warm-up; garbage collection left out, allocation counted). Counts do not depend on the machine's speed or load. " +
      `Median of ${report.rounds} rounds' paired differences, with their middle half.`,
    "",
    "| framework | tokens | bare instructions/request | floor over bare | resource-guard over bare | resource-guard over floor |",
    "|---|---|--:|--:|--:|--:|",
  );
  for (const r of report.results)
    out.push(
      `| ${FRAMEWORK_LABELS[r.framework] ?? r.framework} | ${r.mode === "hot" ? "one hot token" : "1,000 rotating"} | ${Math.round(r.bare).toLocaleString("en-US")} | ${withQuartiles(r.floorOverBare)} | ${withQuartiles(r.oursOverBare)} | ${withQuartiles(r.oursOverFloor)} |`,
    );
  return out;
}

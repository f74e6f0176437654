/**
 * How the adapter-instructions bench reads in results.md: per framework and token mix, the
 * instructions a request runs in the bare framework, and what the floor (a hand-written Map lookup)
 * and resource-guard add to it, from each side's typical block (bench/adapter-instructions.ts says
 * which). Evidence beside the CPU-time target of adapter-cost, not a target of its own.
 */

import { FRAMEWORK_LABELS } from "./adapter-cost-report.js";
import type { InstructionReport } from "./adapter-instructions.js";

const count = (value: number) => Math.abs(Math.round(value)).toLocaleString("en-US");
const signed = (value: number) => `${value >= 0 ? "+" : "−"}${count(value)}`;

/** How far below a side's typical block its lowest one went: how well the figure is pinned down. */
function agreement(blocks: readonly number[], typical: number): number {
  return typical - Math.min(...blocks);
}

export function renderAdapterInstructionsSection(report: InstructionReport | undefined): string[] {
  const out = ["", "## Adapter cost in instructions: a cached token over the bare framework", ""];
  if (!report)
    return [
      ...out,
      "Not run yet: `pnpm bench --only=adapter-instructions` (needs Valgrind; about 25 minutes).",
    ];
  if (report.skipped) return [...out, `Skipped: ${report.skipped}.`];
  out.push(
    "The servers of the adapter-cost phase (bare, the floor of a hand-written Map lookup, resource-guard; route, scope " +
      "check and error handler as users write them), driven in memory under Valgrind's callgrind, which counts every " +
      `instruction a block of ${report.requestsPerBlock} requests runs (Node ${report.node} with --predictable${report.date ? `, ${report.date.slice(0, 10)}` : ""}, after a ` +
      "warm-up; a minor GC before every block, so that none is due in it: allocation is counted, collecting it is not). " +
      "Counts do not depend on the machine's speed or load. " +
      `Each side's figure is the lower quartile of its ${report.rounds} blocks: a major GC or a compilation ` +
      "that still lands in a block only ever adds to it. The last column says how far below that figure any block of the " +
      "three sides went.",
    "",
    "| framework | tokens | bare instructions/request | floor over bare | resource-guard over bare | resource-guard over floor | lowest block below |",
    "|---|---|--:|--:|--:|--:|--:|",
  );
  for (const r of report.results) {
    const below = Math.max(
      agreement(r.blocks.bare, r.bare),
      agreement(r.blocks.floor, r.floor),
      agreement(r.blocks.ours, r.ours),
    );
    out.push(
      `| ${FRAMEWORK_LABELS[r.framework] ?? r.framework} | ${r.mode === "hot" ? "one hot token" : "1,000 rotating"} | ${count(r.bare)} | ${signed(r.floor - r.bare)} | ${signed(r.ours - r.bare)} | ${signed(r.ours - r.floor)} | ${count(below)} |`,
    );
  }
  return out;
}

/**
 * How the observability bench reads in results.md, and its target (issue 16): with nobody subscribed,
 * the diagnostics channels cost nothing measurable. "Measurable" is set against the cheapest call the
 * gate rides on, a cached verification: the gate must cost under 1 % of it and less than that
 * verification's own round-to-round spread. The cost with subscribers is reported beside it.
 */
import type { ObservabilityReport, ObservabilityResult, SubscriberMode } from "./observability.js";
import { formatRatio, ratio } from "./stats.js";
import type { TargetCheck } from "./targets.js";

const LABELS: Record<SubscriberMode, string> = {
  none: "no subscriber",
  verification: "`resource-guard:verification` subscribed",
  tracing: "`resource-guard:verify` trace subscribed",
};

const find = (report: ObservabilityReport | undefined, tokens: string, mode: SubscriberMode) =>
  report?.results.find((r) => r.tokens === tokens && r.mode === mode);

/** Max minus min of the kept rounds, in ns. */
const spread = (result: ObservabilityResult | undefined) =>
  result && result.rounds.length > 0 ? Math.max(...result.rounds) - Math.min(...result.rounds) : Number.NaN;

export function renderObservabilitySection(report: ObservabilityReport | undefined): string[] {
  const out = ["", "## Observability: the diagnostics channels with and without subscribers", ""];
  if (!report) return [...out, "Not run in this run (`--only` without `observability`)."];
  out.push(
    `RS256, \`authenticateMaybeSync\` as the adapters call it, one ${report.pinned ? "pinned " : ""}core, ` +
      `${report.rounds} interleaved rounds, medians of CPU time per verification.`,
    "",
    "| subscribers | cached token ns | × none | distinct tokens ns | × none |",
    "|---|--:|--:|--:|--:|",
  );
  for (const mode of ["none", "verification", "tracing"] as const) {
    const hot = find(report, "hot", mode);
    const distinct = find(report, "distinct", mode);
    const hotNone = find(report, "hot", "none")?.median;
    const distinctNone = find(report, "distinct", "none")?.median;
    out.push(
      `| ${LABELS[mode]} | ${Math.round(hot?.median ?? Number.NaN)} | ${formatRatio(ratio(hot?.median, hotNone))} | ` +
        `${Math.round(distinct?.median ?? Number.NaN)} | ${formatRatio(ratio(distinct?.median, distinctNone))} |`,
    );
  }
  const hotNone = find(report, "hot", "none");
  out.push(
    "",
    `With no subscriber the only added work is the subscriber check: ${report.gateNs.toFixed(2)} ns per call, ` +
      `against ${Math.round(hotNone?.median ?? Number.NaN)} ns for a cached verification whose rounds spread over ` +
      `${Math.round(spread(hotNone))} ns. In a process where a subscriber came and went, the check ` +
      `costs ${report.gateAfterSubscribersNs.toFixed(2)} ns (Node swaps a channel's prototype on subscribe, ` +
      "and V8's lookups of `hasSubscribers` stay polymorphic).",
  );
  return out;
}

export function checkObservabilityTargets(report: ObservabilityReport | undefined): TargetCheck[] {
  const hotNone = find(report, "hot", "none");
  const share = ratio(report?.gateNs, hotNone?.median);
  const noise = spread(hotNone);
  const measured = Number.isFinite(share);
  return [
    {
      target:
        "No diagnostics subscriber: the channel check costs < 1 % of a cached verification, below its spread",
      measured: measured
        ? `${report?.gateNs.toFixed(2)} ns = ${(share * 100).toFixed(2)} % of ${Math.round(hotNone?.median ?? 0)} ns (spread ${Math.round(noise)} ns)`
        : "not measured",
      met: measured ? share < 0.01 && (report?.gateNs ?? 0) < noise : undefined,
    },
  ];
}

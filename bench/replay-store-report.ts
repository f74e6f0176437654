/**
 * How the replay-store bench reads in results.md, and its target (issue 14): the Redis replay store keeps at
 * least 0.8× the in-memory store's requests/s at the same concurrency; the p99 latency Redis adds is
 * reported beside it. A skipped phase says why, and its target is "could not be measured".
 */
import type { ReplayStoreReport, ReplayStoreResult } from "./replay-store.js";
import { formatCount, formatRatio, ratio } from "./stats.js";
import type { TargetCheck } from "./targets.js";

const find = (report: ReplayStoreReport | undefined, store: string): ReplayStoreResult | undefined =>
  report?.results.find((r) => r.store === store);

/** The markdown section (lines) for results.md. */
export function renderReplayStoreSection(report: ReplayStoreReport | undefined): string[] {
  const out = ["", "## DPoP: Redis replay store against the in-memory store", ""];
  if (!report) return [...out, "Not run in this run (`--only` without `replay-store`)."];
  if (report.skipped) return [...out, `Skipped: ${report.skipped}.`];
  const memory = find(report, "memory");
  const redis = find(report, "redis");
  out.push(
    `Every request carries a fresh DPoP proof (one replay-store write each); node:http + core, ${report.plan.connections} connections, ` +
      `${report.plan.rounds} interleaved rounds of ${formatCount(report.plan.requestsPerRound)} requests, medians.`,
    "",
    "| replay store | requests/s | p99 ms | server CPU µs/request | non-2xx |",
    "|---|--:|--:|--:|--:|",
  );
  for (const result of [memory, redis]) {
    if (!result) continue;
    const non2xx = result.rounds.reduce((sum, r) => sum + r.non2xx + r.errors, 0);
    out.push(
      `| ${result.store === "redis" ? "redisStore (node-redis 6, loopback redis-server)" : "in-memory (core default)"} | ${formatCount(result.rps)} | ${result.p99Ms.toFixed(1)} | ${result.cpuUsPerReq.toFixed(1)} | ${non2xx} |`,
    );
  }
  out.push(
    "",
    `Redis keeps ${formatRatio(ratio(redis?.rps, memory?.rps))} of the memory store's requests/s ` +
      `(${formatRatio(ratio(memory?.cpuUsPerReq, redis?.cpuUsPerReq))} by server CPU per request) and changes p99 by ${signedMs(memory, redis)}.`,
  );
  return out;
}

/** The p99 latency Redis adds, as `+1.2 ms` (or `-0.4 ms` when the difference is below the noise). */
function signedMs(memory: ReplayStoreResult | undefined, redis: ReplayStoreResult | undefined): string {
  const added = (redis?.p99Ms ?? Number.NaN) - (memory?.p99Ms ?? Number.NaN);
  if (!Number.isFinite(added)) return "n/a";
  return `${added >= 0 ? "+" : ""}${added.toFixed(1)} ms`;
}

export function checkReplayStoreTargets(report: ReplayStoreReport | undefined): TargetCheck[] {
  const memory = find(report, "memory");
  const redis = find(report, "redis");
  const value = ratio(redis?.rps, memory?.rps);
  return [
    {
      target: "DPoP with the Redis replay store ≥ 0.8× the in-memory store's requests/s",
      measured: Number.isFinite(value)
        ? `${formatRatio(value)} (by CPU/request ${formatRatio(ratio(memory?.cpuUsPerReq, redis?.cpuUsPerReq))}), p99 ${signedMs(memory, redis)}`
        : `not measured${report?.skipped ? ` (${report.skipped})` : ""}`,
      met: Number.isFinite(value) ? value >= 0.8 : undefined,
    },
  ];
}

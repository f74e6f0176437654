/**
 * Writes bench/results.md from one run's raw figures: the machine, the targets (met or not, plainly),
 * then the micro, HTTP and memory tables. Every ratio is to a yardstick measured in the same run, so
 * the tables can be compared across machines even when the absolute figures cannot.
 */
import type { DPoPReport } from "./dpop.js";
import type { HttpMode, HttpResult, HttpRun } from "./http.js";
import type { IntrospectionReport } from "./introspection.js";
import type { MachineInfo } from "./machine.js";
import type { MemoryReport } from "./memory.js";
import type { MicroReport, MicroResult } from "./micro.js";
import { formatCount, formatRatio, pairedRatio, ratio } from "./stats.js";
import type { TargetCheck } from "./targets.js";

export interface RunSummary {
  machine: MachineInfo;
  quick: boolean;
  seconds: number;
  /** Set when some phases were rerun (`--only`) and the rest read back from an earlier run's raw files. */
  partial?: { phases: string[]; seconds: number; date: string };
  micro?: MicroReport;
  http?: HttpRun;
  memory?: MemoryReport;
  dpop?: DPoPReport;
  introspection?: IntrospectionReport;
  targets: TargetCheck[];
}

const ALGS = ["RS256", "ES256", "EdDSA"] as const;
const MODE_TITLES: Record<HttpMode, string> = {
  hot: "one hot token",
  rotating: "1,000 rotating tokens",
  distinct: "all-distinct tokens (no token seen twice by a server)",
};

function microTable(results: readonly MicroResult[], mode: "hot" | "distinct"): string[] {
  const lines = [
    `| verifier | ${ALGS.map((a) => `${a} ops/s | ${a} × limit`).join(" | ")} |`,
    `|---|${ALGS.map(() => "--:|--:").join("|")}|`,
  ];
  const ids = [...new Set(results.map((r) => r.verifier))];
  for (const id of ids) {
    const cells: string[] = [];
    let label = id;
    for (const alg of ALGS) {
      const r = results.find((x) => x.verifier === id && x.alg === alg && x.mode === mode);
      const limit = results.find((x) => x.verifier === "limit" && x.alg === alg && x.mode === mode);
      if (r) label = r.label;
      if (!r || r.skipped) {
        cells.push(r?.skipped?.startsWith("unavailable") ? "unavailable" : "n/a", "");
        continue;
      }
      cells.push(
        `${formatCount(r.median)}${r.exhausted ? " ⚠" : ""}`,
        formatRatio(pairedRatio(r.rounds, limit?.skipped === undefined ? limit?.rounds : undefined)),
      );
    }
    const bold = id.startsWith("resource-guard") ? `**${label}**` : label;
    lines.push(`| ${bold} | ${cells.join(" | ")} |`);
  }
  return lines;
}

function dpopSection(d: DPoPReport): string[] {
  return [
    "## DPoP: requests per CPU-second on one core (RFC 9449)",
    "",
    `Each request carries a fresh ${d.proofAlg} proof (never used before) with an ${d.tokenAlg} access token bound to ` +
      `its key; ${d.rounds} interleaved rounds of ${d.requestsPerRound} requests per contender (order rotating, garbage ` +
      `collected before each slice, one discarded warm-up round); ${d.pinned ? "pinned to one core" : "not pinned"}. ` +
      "\"resource-guard ×\" is the median over rounds of resource-guard's rate divided by that contender's rate in the same round.",
    "",
    "| contender | requests per CPU-second | CPU µs/request | resource-guard × | what it checks |",
    "|---|--:|--:|--:|---|",
    ...d.results.map(
      (r) =>
        `| ${r.id === "resource-guard" ? `**${r.label}**` : r.label} | ${formatCount(r.median)} | ${r.cpuUsPerRequest.toFixed(1)} | ${r.id === "resource-guard" ? "" : formatRatio(r.ourRatio)} | ${r.note} |`,
    ),
    "",
  ];
}

function httpTable(results: readonly HttpResult[], mode: HttpMode): string[] {
  const lines = [
    "| server | requests/s | × bare | p99 ms | server CPU µs/req | spread (min–max) | µs over bare | CPU × bare | load generator CPU |",
    "|---|--:|--:|--:|--:|--:|--:|--:|--:|",
  ];
  for (const r of results.filter((x) => x.mode === mode)) {
    const bare = results.find((x) => x.mode === mode && x.bare && x.framework === r.framework && !x.skipped);
    const label = r.ours ? `**${r.label}**` : r.label;
    if (r.skipped) {
      lines.push(`| ${label} | ${r.skipped.replaceAll("|", "/")} | | | | | | | |`);
      continue;
    }
    const flags = r.rounds.some((x) => x.non2xx > 0 || x.errors > 0) ? " ⚠ non-2xx/errors" : "";
    const cpu = r.rounds.map((x) => x.cpuUsPerReq);
    const spread = cpu.length > 0 ? `${Math.min(...cpu).toFixed(1)}–${Math.max(...cpu).toFixed(1)}` : "";
    const over =
      bare && !r.bare
        ? `${r.cpuUsPerReq - bare.cpuUsPerReq >= 0 ? "+" : ""}${(r.cpuUsPerReq - bare.cpuUsPerReq).toFixed(2)}`
        : "";
    lines.push(
      `| ${label} | ${formatCount(r.rps)}${flags} | ${formatRatio(ratio(r.rps, bare?.rps))} | ${r.p99Ms.toFixed(1)} | ` +
        `${r.cpuUsPerReq.toFixed(1)} | ${spread} | ${over} | ${formatRatio(ratio(r.cpuUsPerReq, bare?.cpuUsPerReq))} | ${(r.loadgenCpu * 100).toFixed(0)}% |`,
    );
  }
  return lines;
}

/** The whole results.md text. */
export function renderResults(run: RunSummary): string {
  const { machine } = run;
  const out: string[] = [
    "# resource-guard benchmark results",
    "",
    `Generated by \`pnpm bench${run.quick ? " --quick" : ""}\` (${run.quick ? "quick smoke run: fewer, shorter rounds; do not quote" : "full run"}) ` +
      `in ${Math.round(run.seconds)} s. Rerun it to get figures for your own machine; see docs/performance.md.`,
    "",
    `- CPU: ${machine.cpuModel}, ${machine.cores} cores available`,
    `- Node ${machine.node}, ${machine.platform}`,
    `- Date: ${machine.date}`,
    ...(run.partial
      ? [
          `- Phases rerun since (last on ${run.partial.date.slice(0, 16).replace("T", " ")} UTC, ${Math.round(run.partial.seconds)} s in all): ${run.partial.phases.join(", ")}; every other section is from the run above`,
        ]
      : []),
    `- Pinning: ${machine.taskset ? "taskset: micro bench and HTTP servers on core 0, load generator on core 1" : "**taskset unavailable or fewer than 2 cores: nothing pinned; HTTP figures include load-generator interference**"}`,
    "",
    "## Targets",
    "",
    "| target | measured | met |",
    "|---|---|---|",
    ...run.targets.map(
      (t) =>
        `| ${t.target} | ${t.measured} | ${t.met === undefined ? "undetermined" : t.met ? "yes" : "**no**"} |`,
    ),
    "",
  ];
  if (run.micro) {
    const m = run.micro;
    out.push(
      "## Micro: verifications per CPU-second on one core",
      "",
      `Median of ${m.rounds} interleaved rounds of ${m.sliceMs} ms each (after one discarded warm-up round); ` +
        `${m.pinned ? "pinned to one core" : "not pinned"}; rates are per second of the process's CPU time ` +
        '(wall-clock rates are in the raw JSON). "× limit" is the ratio to the minimal node:crypto ' +
        "verifier (split, base64url, JSON.parse, crypto.verify on a pre-imported KeyObject, exp/iss/aud checks), " +
        "taken round by round (every verifier of one algorithm and token mix runs in adjacent slices of a round) " +
        "and reported as the median of those ratios.",
      "",
      "### Distinct tokens (one instance per verifier; no token is seen twice, so caches fill, miss and evict)",
      "",
      `Pool sizes: ${Object.entries(m.distinctPool)
        .map(([alg, n]) => `${alg} ${n.toLocaleString("en-US")}`)
        .join(
          ", ",
        )}.${m.results.some((r) => r.exhausted) ? " **A pool ran out during a round (marked ⚠): that figure comes from shorter rounds.**" : ""}`,
      "",
      ...microTable(m.results, "distinct"),
      "",
      "### One token repeated (what a verified-token cache is for)",
      "",
      ...microTable(m.results, "hot"),
      "",
    );
  }
  if (run.http) {
    const p = run.http.plan;
    out.push(
      "## HTTP: one server core, RS256",
      "",
      `Each server in its own process${p.pinned ? " pinned to core 0, autocannon pinned to core 1" : " (not pinned)"}; ` +
        `${p.connections} connections; ${p.rounds} interleaved round(s) of ${p.durationSec} s per server and token mix ` +
        `(all-distinct: ${p.distinctPerRound.toLocaleString("en-US")} requests per round), medians. ` +
        "Every round starts a fresh server process (fixed hash and random seeds) and warms it up first. " +
        "Every route is written as the README writes it: authentication, the route's scope check " +
        "(`orders:read`) and the README's error handling; bare servers have the same route without either. " +
        "Server CPU µs/request is the server process's own CPU time divided by the requests it served; it is " +
        "steadier than requests/s on a shared machine; the spread is the lowest and highest round. " +
        "A load generator near 100% CPU means the figure is capped by it.",
      "",
    );
    for (const mode of ["hot", "rotating", "distinct"] as const) {
      out.push(`### ${MODE_TITLES[mode]}`, "", ...httpTable(run.http.results, mode), "");
    }
  }
  if (run.memory) {
    const mem = run.memory;
    out.push("## Memory: distinct tokens through one verifier (cache on)", "");
    if (mem.skipped) {
      out.push(`Not measured: ${mem.skipped}`, "");
    } else {
      out.push(
        `${mem.tokens.toLocaleString("en-US")} distinct ${mem.alg} tokens (${mem.tokenLength} characters each), each presented twice, through one ` +
          `verifier with \`tokenCache: { maxEntries: ${mem.maxEntries}, maxBytes: ${mem.maxBytes} }\`, ` +
          `${formatCount(mem.verifiedPerSec)} verifications/s. Heap after a forced GC:`,
        "",
        "| tokens | heapUsed MiB | growth over baseline MiB |",
        "|--:|--:|--:|",
        `| 0 | ${(mem.baseline / 2 ** 20).toFixed(1)} | 0 |`,
        ...mem.checkpoints.map(
          (c) =>
            `| ${c.tokens.toLocaleString("en-US")} | ${(c.heapUsed / 2 ** 20).toFixed(1)} | ${((c.heapUsed - mem.baseline) / 2 ** 20).toFixed(1)} |`,
        ),
        "",
      );
    }
  }
  if (run.dpop) out.push(...dpopSection(run.dpop));
  if (run.introspection) out.push(...introspectionSection(run.introspection, run.http));
  out.push("Raw figures of this run (every round) are in `bench/.raw/` (git-ignored).", "");
  return out.join("\n");
}

function introspectionSection(report: IntrospectionReport, http: HttpRun | undefined): string[] {
  const calls = http?.introspectionCalls;
  return [
    "## Opaque tokens: what the identity provider sees",
    "",
    `Counted at the bench's introspection endpoint. ${report.tokens.toLocaleString("en-US")} rotating opaque tokens, ` +
      `each presented once per second for ${report.simulatedSeconds} simulated seconds (the verifier's clock is ` +
      `simulated, so the counts are exact), \`maxCacheMs\` ${report.maxCacheMs / 1000} s:`,
    "",
    "| outbound budget | requests | calls to the provider | one per token per cache lifetime | answered 503 |",
    "|---|--:|--:|--:|--:|",
    ...report.rotating.map(
      (r) =>
        `| ${r.budget} | ${r.requests.toLocaleString("en-US")} | ${r.calls.toLocaleString("en-US")} | ${r.callsAllowed.toLocaleString("en-US")} | ${r.unavailable.toLocaleString("en-US")} |`,
    ),
    "",
    "A flood of random opaque tokens (never issued) against the default budget (20/s, burst 40):",
    "",
    "| clock | seconds | requests | calls to the provider | bound (burst + rate × time) | 401 (asked, inactive) | 503 (beyond the budget) |",
    "|---|--:|--:|--:|--:|--:|--:|",
    ...report.flood.map(
      (f) =>
        `| ${f.kind} | ${f.seconds.toFixed(1)} | ${f.requests.toLocaleString("en-US")} | ${f.calls} | ${f.bound} | ${f.refused401.toLocaleString("en-US")} | ${f.unavailable.toLocaleString("en-US")} |`,
    ),
    "",
    ...(calls
      ? [
          `HTTP (the \`*-rg-opaque\` rows above): ${calls.total.toLocaleString("en-US")} introspection calls in the whole HTTP phase, ` +
            `${calls.beforeMeasuring.toLocaleString("en-US")} of them by the correctness checks and the warm-up, so ` +
            `${(calls.total - calls.beforeMeasuring).toLocaleString("en-US")} during measured rounds: those rows measure requests answered from the introspection cache.`,
          "",
        ]
      : []),
  ];
}

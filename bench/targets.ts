/**
 * The performance targets, checked against one run's figures. They live in the bench, not in
 * the tests, because they are statements about a machine, not about correctness. Each check says what
 * was compared, so results.md can show a miss as plainly as a hit.
 */
import type { DPoPReport } from "./dpop.js";
import type { HttpResult } from "./http.js";
import type { IntrospectionReport } from "./introspection.js";
import type { MemoryReport } from "./memory.js";
import type { MicroResult } from "./micro.js";
import { formatRatio, pairedRatio, pairedRatioSpread, ratio } from "./stats.js";

export interface TargetCheck {
  target: string;
  measured: string;
  /** undefined: could not be measured in this run. */
  met: boolean | undefined;
}

/** The rounds of one verifier, algorithm and token mix (empty when it did not run). */
function micro(results: readonly MicroResult[], verifier: string, alg: string, mode: string): number[] {
  const found = results.find((r) => r.verifier === verifier && r.alg === alg && r.mode === mode);
  return found === undefined || found.skipped !== undefined ? [] : found.rounds;
}

function http(results: readonly HttpResult[], config: string, mode: string): HttpResult | undefined {
  return results.find((r) => r.config === config && r.mode === mode && !r.skipped);
}

const judge = (value: number, ok: (v: number) => boolean) => (Number.isFinite(value) ? ok(value) : undefined);

export function checkTargets(
  microResults: readonly MicroResult[],
  httpResults: readonly HttpResult[],
  memory: MemoryReport | undefined,
  dpop?: DPoPReport,
  introspection?: IntrospectionReport,
): TargetCheck[] {
  const checks: TargetCheck[] = [];
  for (const alg of ["RS256", "ES256", "EdDSA"]) {
    const limit = micro(microResults, "limit", alg, "distinct");
    for (const id of ["resource-guard", "resource-guard-nocache"]) {
      const ours = micro(microResults, id, alg, "distinct");
      const aws = micro(microResults, "aws-jwt-verify", alg, "distinct");
      const r = pairedRatio(ours, limit);
      const name = id === "resource-guard" ? "resource-guard" : "resource-guard (no cache)";
      // The band is the middle half of the per-round ratios: how far one round's machine noise reaches.
      const band = pairedRatioSpread(ours, limit);
      checks.push({
        target: `${alg} distinct tokens: ${name} ≥ 0.90× the limit`,
        measured:
          band === undefined
            ? formatRatio(r)
            : `${r.toFixed(3)}× (rounds' middle half ${band[0].toFixed(2)}–${band[1].toFixed(2)})`,
        met: judge(r, (v) => v >= 0.9),
      });
      const vsAws = pairedRatio(ours, aws);
      checks.push({
        target: `${alg} distinct tokens: ${name} ahead of aws-jwt-verify`,
        measured: `${formatRatio(vsAws)} aws-jwt-verify`,
        met: judge(vsAws, (v) => v > 1),
      });
    }
    const hot = pairedRatio(
      micro(microResults, "resource-guard", alg, "hot"),
      micro(microResults, "fast-jwt-cache", alg, "hot"),
    );
    checks.push({
      target: `${alg} repeated token: resource-guard ≥ 1.5× fast-jwt's cache`,
      measured: formatRatio(hot),
      met: judge(hot, (v) => v >= 1.5),
    });
  }
  // Frameworks measured in this run: every framework with a bare server and our adapter (Hono and both
  // NestJS platforms included, held to the same cached-token target as the others; their servers run
  // hot and rotating tokens only, so the all-distinct comparison below skips them).
  const frameworks = [...new Set(httpResults.filter((r) => r.bare && !r.skipped).map((r) => r.framework))];
  for (const framework of frameworks) {
    for (const mode of ["hot", "rotating"]) {
      const ours = http(httpResults, `${framework}-rg`, mode);
      const bare = http(httpResults, framework, mode);
      if (!ours || !bare) continue;
      // Judged on server CPU per request over the bare framework with the same route (scope check
      // included), which a busy shared machine disturbs far less than requests/s.
      const over = ours.cpuUsPerReq - bare.cpuUsPerReq;
      checks.push({
        target: `HTTP ${mode === "hot" ? "hot token" : "1,000 rotating tokens"}: ${framework} + resource-guard costs ≤ 1 µs of server CPU per request over bare`,
        measured: `${over >= 0 ? "+" : ""}${over.toFixed(2)} µs (${ours.cpuUsPerReq.toFixed(1)} vs ${bare.cpuUsPerReq.toFixed(1)}; ${formatRatio(ratio(ours.rps, bare.rps))} by requests/s)`,
        met: judge(over, (v) => v <= 1),
      });
    }
    // The yardstick is measured, not added up: the framework running the minimal limit verifier on the
    // same route, under the same load (a sum of bare + limit leaves out what a busier server pays).
    const ours = http(httpResults, `${framework}-rg`, "distinct");
    const limitServer = http(httpResults, `${framework}-limit`, "distinct");
    if (!ours || !limitServer) continue;
    const vsLimit = ratio(ours.cpuUsPerReq, limitServer.cpuUsPerReq);
    checks.push({
      target: `HTTP all-distinct: ${framework} + resource-guard server CPU/request ≤ 1.15× ${framework} + limit verifier`,
      measured: `${ours.cpuUsPerReq.toFixed(1)} µs vs ${limitServer.cpuUsPerReq.toFixed(1)} µs = ${formatRatio(vsLimit)}`,
      met: judge(vsLimit, (v) => v <= 1.15),
    });
  }
  for (const framework of ["express", "koa", "fastify"]) {
    for (const mode of ["hot", "rotating"]) {
      const jwt = http(httpResults, `${framework}-rg`, mode);
      const opaque = http(httpResults, `${framework}-rg-opaque`, mode);
      const r = ratio(opaque?.cpuUsPerReq, jwt?.cpuUsPerReq);
      // Two processes running the same code differ by 1–3 µs per request (PERF-NOTES.md): 5% is that noise.
      checks.push({
        target: `HTTP ${mode === "hot" ? "hot token" : "1,000 rotating tokens"}: ${framework}, a cached introspection answer costs no more than a cached JWT (CPU/request ≤ 1.05×)`,
        measured: Number.isFinite(r)
          ? `${opaque!.cpuUsPerReq.toFixed(1)} µs vs ${jwt!.cpuUsPerReq.toFixed(1)} µs = ${formatRatio(r)}`
          : "n/a",
        met: judge(r, (v) => v <= 1.05),
      });
    }
  }
  if (introspection) {
    const sized = introspection.rotating[0];
    if (sized) {
      checks.push({
        target: `Introspection: ${introspection.tokens.toLocaleString("en-US")} rotating opaque tokens, one call per token per cache lifetime`,
        measured: `${sized.calls.toLocaleString("en-US")} calls for ${sized.callsAllowed.toLocaleString("en-US")} token-lifetimes (${sized.budget})`,
        met: sized.calls <= sized.callsAllowed && sized.unavailable === 0,
      });
    }
    for (const flood of introspection.flood) {
      checks.push({
        target: `Introspection: a flood of random opaque tokens stays within the outbound budget (${flood.kind})`,
        measured: `${flood.calls} calls for ${flood.requests.toLocaleString("en-US")} requests; bound ${flood.bound}`,
        met: flood.calls <= flood.bound,
      });
    }
  }
  const bound = memory && !memory.skipped ? memory.maxBytes : Number.NaN;
  const growth = memory && !memory.skipped ? memory.growth : Number.NaN;
  checks.push({
    target: `Memory: ${memory?.tokens.toLocaleString("en-US") ?? "1,000,000"} distinct tokens through one verifier: heap growth ≤ the cache's maxBytes, and none over the second half`,
    measured: Number.isFinite(growth)
      ? `growth ${(growth / 2 ** 20).toFixed(1)} MiB (bound ${(bound / 2 ** 20).toFixed(0)} MiB); second half ${(memory!.growthSecondHalf / 2 ** 20).toFixed(1)} MiB`
      : "n/a",
    met: Number.isFinite(growth) ? growth <= bound && memory!.growthSecondHalf < 2 ** 20 : undefined,
  });
  const vsLimit = dpop?.results.find((r) => r.id === "limit")?.ourRatio ?? Number.NaN;
  const vsPeer = dpop?.results.find((r) => r.id === "express-oauth2-jwt-bearer")?.ourRatio ?? Number.NaN;
  checks.push(
    {
      target: "DPoP (ES256 proof, cached token): ≥ 0.9× the minimal node:crypto DPoP check",
      measured: formatRatio(vsLimit),
      met: judge(vsLimit, (v) => v >= 0.9),
    },
    {
      target: "DPoP: ahead of express-oauth2-jwt-bearer with DPoP on",
      measured: formatRatio(vsPeer),
      met: judge(vsPeer, (v) => v > 1),
    },
  );
  return checks;
}

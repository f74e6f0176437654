/**
 * The introspection bench (a child process of bench/main.ts): what an API with opaque tokens costs its
 * identity provider, counted at the provider's introspection endpoint (bench/introspection-endpoint.ts).
 *
 * - 1,000 rotating opaque tokens, each presented once per simulated second for several minutes: the
 *   provider must see one call per token per cache lifetime (`maxCacheMs`). Time is simulated through
 *   the verifier's `now` option, so minutes of traffic take seconds and the count is exact. Run twice:
 *   with a budget sized for the load, and with the default budget (which then caps the calls).
 * - A flood of random opaque tokens (never issued, as an attacker sends them): the calls must stay
 *   within the outbound budget (burst + rate × time); everything beyond it is answered 503. Once with
 *   simulated time, once for real for a few seconds of wall-clock time.
 * The cost of a request answered from the cache, against a cached JWT, is measured over HTTP by the
 * HTTP bench (the `*-rg-opaque` servers).
 */
import { randomBytes } from "node:crypto";
import { writeFileSync } from "node:fs";
import { createVerifier, type OutboundBudgetOptions } from "@resource-guard/core";
import { outPathOf } from "./args.js";
import { AUDIENCE } from "./fixtures.js";
import { startIntrospectionEndpoint } from "./introspection-endpoint.js";

export interface RotatingRun {
  budget: string;
  requests: number;
  calls: number;
  /** tokens × cache lifetimes in the simulated span: what "one call per token per lifetime" allows. */
  callsAllowed: number;
  /** Requests answered 503 (the budget refused the call they needed). */
  unavailable: number;
}

export interface FloodRun {
  kind: "simulated" | "wall clock";
  seconds: number;
  requests: number;
  calls: number;
  /** burst + requestsPerSecond × seconds (+1 for a partly refilled token). */
  bound: number;
  unavailable: number;
  refused401: number;
}

export interface IntrospectionReport {
  tokens: number;
  simulatedSeconds: number;
  maxCacheMs: number;
  rotating: RotatingRun[];
  flood: FloodRun[];
}

const quick = process.argv.includes("--quick");
const outPath = outPathOf("introspection");
const ISSUER = "https://idp.bench.example";
const TOKENS = 1_000;
const SIMULATED_SECONDS = quick ? 120 : 300;
const MAX_CACHE_MS = 30_000;
const DEFAULT_BUDGET = { requestsPerSecond: 20, burst: 40 };
const FLOOD_PER_SECOND = 2_000;
const FLOOD_SIMULATED_SECONDS = 10;
const FLOOD_WALL_MS = quick ? 2_000 : 5_000;

const clock = { ms: Date.now() };
const endpoint = await startIntrospectionEndpoint(ISSUER, () => clock.ms);

function verifierWith(outboundBudget: OutboundBudgetOptions | undefined, now: () => number) {
  return createVerifier({
    issuer: ISSUER,
    audience: AUDIENCE,
    jwksUri: `${ISSUER}/jwks`, // never fetched: no JWT is presented
    now,
    ...(outboundBudget ? { outboundBudget } : {}),
    introspection: {
      clientId: "bench-api",
      clientSecret: "bench-secret",
      endpoint: endpoint.url,
      maxCacheMs: MAX_CACHE_MS,
    },
  });
}

async function rotating(budget: OutboundBudgetOptions | undefined, label: string): Promise<RotatingRun> {
  const tokens = endpoint.issue(TOKENS);
  const verifier = verifierWith(budget, () => clock.ms);
  const start = clock.ms;
  const before = endpoint.calls;
  let unavailable = 0;
  for (let second = 0; second < SIMULATED_SECONDS; second++) {
    for (let i = 0; i < TOKENS; i++) {
      clock.ms = start + second * 1000 + i;
      try {
        await verifier.verify(tokens[i]!);
      } catch (error) {
        if ((error as { status?: number }).status === 503) unavailable++;
        else throw error;
      }
    }
  }
  clock.ms = start + SIMULATED_SECONDS * 1000;
  return {
    budget: label,
    requests: TOKENS * SIMULATED_SECONDS,
    calls: endpoint.calls - before,
    callsAllowed: TOKENS * Math.ceil((SIMULATED_SECONDS * 1000) / MAX_CACHE_MS),
    unavailable,
  };
}

function randomToken(): string {
  return randomBytes(32).toString("base64url").slice(0, 43);
}

async function count(promises: Promise<unknown>[], into: { unavailable: number; refused401: number }) {
  for (const result of await Promise.allSettled(promises)) {
    if (result.status === "fulfilled") throw new Error("a random token was accepted");
    const status = (result.reason as { status?: number }).status;
    if (status === 503) into.unavailable++;
    else if (status === 401) into.refused401++;
    else throw result.reason;
  }
}

async function floodSimulated(): Promise<FloodRun> {
  const verifier = verifierWith(undefined, () => clock.ms);
  const start = clock.ms;
  const before = endpoint.calls;
  const tally = { unavailable: 0, refused401: 0 };
  for (let second = 0; second < FLOOD_SIMULATED_SECONDS; second++) {
    const batch: Promise<unknown>[] = [];
    for (let i = 0; i < FLOOD_PER_SECOND; i++) {
      clock.ms = start + second * 1000 + Math.floor((i * 1000) / FLOOD_PER_SECOND);
      batch.push(verifier.verify(randomToken()));
    }
    await count(batch, tally);
  }
  return {
    kind: "simulated",
    seconds: FLOOD_SIMULATED_SECONDS,
    requests: FLOOD_PER_SECOND * FLOOD_SIMULATED_SECONDS,
    calls: endpoint.calls - before,
    bound: DEFAULT_BUDGET.burst + DEFAULT_BUDGET.requestsPerSecond * FLOOD_SIMULATED_SECONDS,
    ...tally,
  };
}

async function floodWallClock(): Promise<FloodRun> {
  const verifier = verifierWith(undefined, Date.now);
  const before = endpoint.calls;
  const tally = { unavailable: 0, refused401: 0 };
  let requests = 0;
  const started = Date.now();
  // 64 clients sending random tokens as fast as they are answered, for a bounded time.
  await Promise.all(
    Array.from({ length: 64 }, async () => {
      while (Date.now() - started < FLOOD_WALL_MS) {
        requests++;
        await count([verifier.verify(randomToken())], tally);
      }
    }),
  );
  const seconds = (Date.now() - started) / 1000;
  return {
    kind: "wall clock",
    seconds,
    requests,
    calls: endpoint.calls - before,
    bound: DEFAULT_BUDGET.burst + Math.ceil(DEFAULT_BUDGET.requestsPerSecond * seconds) + 1,
    ...tally,
  };
}

const report: IntrospectionReport = {
  tokens: TOKENS,
  simulatedSeconds: SIMULATED_SECONDS,
  maxCacheMs: MAX_CACHE_MS,
  rotating: [
    // 1,000 answers expire together every 30 s: a burst of 1,000 fits, 50/s refills it in time.
    await rotating(
      { requestsPerSecond: 50, burst: 1000 },
      "50/s, burst 1,000 (sized for 1,000 tokens per 30 s)",
    ),
    await rotating(undefined, "default: 20/s, burst 40"),
  ],
  flood: [await floodSimulated(), await floodWallClock()],
};
await endpoint.close();
writeFileSync(outPath, JSON.stringify(report, null, 2));
process.stderr.write(
  `introspection: rotating ${report.rotating.map((r) => `${r.calls} calls / ${r.callsAllowed} allowed, ${r.unavailable} × 503`).join("; ")}; ` +
    `flood ${report.flood.map((f) => `${f.calls} calls ≤ ${f.bound}`).join("; ")}\n`,
);

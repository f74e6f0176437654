/**
 * The observability bench (a child process of bench/main.ts, issue 16): what the diagnostics channels
 * cost a verification, with nobody subscribed and with subscribers. Core checks `hasSubscribers` once
 * per call and otherwise runs the uninstrumented path, so with no subscriber the only cost is that
 * check. It is timed on its own (a loop of gate checks against the same loop without them) and set
 * beside a cached verification, the cheapest call it rides on; the round-to-round spread of that
 * verification is the noise it would have to stand out from.
 *
 * Verifications go through `authenticateMaybeSync`, the call every adapter makes, with the RS256 token
 * of the HTTP bench's routes: first with no subscriber (interleaving cached and distinct tokens), then
 * with the two subscribed modes interleaved (the `resource-guard:verification` channel, the
 * `resource-guard:verify` trace).
 */
import { channel, subscribe, tracingChannel, unsubscribe } from "node:diagnostics_channel";
import { writeFileSync } from "node:fs";
import { CHANNEL_NAMES, createVerifier, type RequestLike } from "@resource-guard/core";
import { outPathOf } from "./args.js";
import { AUDIENCE, mintTokens, startBenchIdp } from "./fixtures.js";
import { pinSelf } from "./machine.js";
import { median } from "./stats.js";

export type SubscriberMode = "none" | "verification" | "tracing";
export const SUBSCRIBER_MODES: readonly SubscriberMode[] = ["none", "verification", "tracing"];

export interface ObservabilityResult {
  mode: SubscriberMode;
  tokens: "hot" | "distinct";
  /** Nanoseconds of CPU per verification, one entry per kept round. */
  rounds: number[];
  median: number;
}

export interface ObservabilityReport {
  pinned: boolean;
  rounds: number;
  /** CPU nanoseconds one gate check (`hasSubscribers` on both verification channels) adds to a call. */
  gateNs: number;
  /** The same once subscribers have come and gone in the process. */
  gateAfterSubscribersNs: number;
  results: ObservabilityResult[];
}

const quick = process.argv.includes("--quick");
const outPath = outPathOf("observability");
const ROUNDS = quick ? 3 : 9;
const SLICE_MS = quick ? 60 : 200;
const DISTINCT = quick ? 3_000 : 15_000;
const GATE_LOOPS = 20_000_000;

const noop = () => {};
const TRACE_HANDLERS = { start: noop, end: noop, asyncStart: noop, asyncEnd: noop, error: noop };
const trace = tracingChannel(CHANNEL_NAMES.verify);
const verification = channel(CHANNEL_NAMES.verification);

/**
 * The check core makes once per call (observe/channels.ts `isVerificationObserved`), on the same
 * channel objects: Node keeps one channel per name, so these are core's own.
 */
function isVerificationObserved(): boolean {
  return verification.hasSubscribers || trace.hasSubscribers;
}

function attach(mode: SubscriberMode): () => void {
  if (mode === "verification") {
    subscribe(CHANNEL_NAMES.verification, noop);
    return () => unsubscribe(CHANNEL_NAMES.verification, noop);
  }
  if (mode === "tracing") {
    trace.subscribe(TRACE_HANDLERS);
    return () => trace.unsubscribe(TRACE_HANDLERS);
  }
  return noop;
}

/** CPU nanoseconds per call of `verify` over about SLICE_MS, awaiting only when it returns a promise. */
async function slice(verify: () => unknown, budget = Number.POSITIVE_INFINITY): Promise<number> {
  let count = 0;
  const cpu0 = process.cpuUsage();
  const end = performance.now() + SLICE_MS;
  while (performance.now() < end && count < budget) {
    for (let i = 0; i < 50 && count < budget; i++, count++) {
      const result = verify();
      if (result instanceof Promise) await result;
    }
  }
  const cpu = process.cpuUsage(cpu0);
  return ((cpu.user + cpu.system) * 1000) / count;
}

// Two loops alike but for the check, each with its own call site (a shared loop taking a callback
// would measure a megamorphic call instead). Their sums are kept so neither loop can be removed.
let sink = 0;

function loopWithGate(): number {
  const cpu0 = process.cpuUsage();
  for (let i = 0; i < GATE_LOOPS; i++) sink += isVerificationObserved() ? 2 : i & 1;
  const cpu = process.cpuUsage(cpu0);
  return (cpu.user + cpu.system) * 1000;
}

function loopWithoutGate(): number {
  const cpu0 = process.cpuUsage();
  for (let i = 0; i < GATE_LOOPS; i++) sink += i & 1;
  const cpu = process.cpuUsage(cpu0);
  return (cpu.user + cpu.system) * 1000;
}

/** The gate's own cost per call: the loop with the check minus the same loop without it, median of rounds. */
function gateCost(): number {
  const differences: number[] = [];
  for (let round = 0; round <= ROUNDS; round++) {
    const withGate = loopWithGate();
    const without = loopWithoutGate();
    if (round > 0) differences.push(Math.max(0, withGate - without) / GATE_LOOPS);
  }
  if (sink === -1) process.stderr.write("unreachable\n");
  return median(differences);
}

async function main(): Promise<void> {
  const idp = await startBenchIdp();
  const [hot] = await mintTokens(idp, "RS256", 1, "observe-hot");
  const pool = await mintTokens(idp, "RS256", DISTINCT, "observe-distinct");
  const pinned = pinSelf(0);
  const verifier = createVerifier({
    issuer: idp.issuer,
    audience: AUDIENCE,
    jwksUri: idp.jwksUri,
    algorithms: ["RS256"],
  });
  const request = (token: string): RequestLike => ({
    headers: { authorization: `Bearer ${token}` },
    method: "GET",
    url: "/orders",
  });
  const hotRequest = request(hot as string);
  // Seen twice, the hot token is in the verified-token cache and answered synchronously.
  for (let i = 0; i < 3; i++) await verifier.authenticateMaybeSync(hotRequest);
  let cursor = 0;
  const results: ObservabilityResult[] = [];
  for (const tokens of ["hot", "distinct"] as const)
    for (const mode of SUBSCRIBER_MODES) results.push({ mode, tokens, rounds: [], median: Number.NaN });

  // No subscriber first, in a process where none has ever been: once one comes and goes, V8 has seen
  // the channel objects change prototype (Node swaps it on subscribe) and reads `hasSubscribers`
  // through a slower, polymorphic lookup for good. That state is measured too, at the end.
  const gateNs = gateCost();
  const run = async (group: readonly ObservabilityResult[]) => {
    for (let round = 0; round <= ROUNDS; round++) {
      for (const result of group) {
        const detach = attach(result.mode);
        try {
          const ns =
            result.tokens === "hot"
              ? await slice(() => verifier.authenticateMaybeSync(hotRequest))
              : await slice(
                  () => verifier.authenticateMaybeSync(request(pool[cursor++ % pool.length] as string)),
                  // Never past the pool: a token seen again would be a cache hit, not a distinct one.
                  Math.floor(pool.length / ((ROUNDS + 1) * SUBSCRIBER_MODES.length)),
                );
          if (round > 0) result.rounds.push(ns);
        } finally {
          detach();
        }
      }
      process.stderr.write(
        `observability: ${group[0]?.mode === "none" ? "no subscriber" : "subscribed"}, round ${round}/${ROUNDS} done\n`,
      );
    }
  };
  await run(results.filter((r) => r.mode === "none"));
  await run(results.filter((r) => r.mode !== "none"));
  for (const result of results) result.median = median(result.rounds);
  const gateAfterSubscribersNs = gateCost();
  await idp.close();
  const report: ObservabilityReport = { pinned, rounds: ROUNDS, gateNs, gateAfterSubscribersNs, results };
  writeFileSync(outPath, JSON.stringify(report, null, 2));
}

main().catch((err) => {
  process.stderr.write(`observability bench aborted: ${(err as Error).stack ?? err}\n`);
  process.exit(1);
});

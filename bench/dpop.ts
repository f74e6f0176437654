/**
 * The DPoP bench (a child process of bench/main.ts, phase `dpop`): DPoP requests per CPU-second of one
 * pinned core, in one run, for
 * - resource-guard: `verifier.authenticate(request)` with `dpop` on, the access token already in its
 *   verified-token cache, so the figure is the proof check on top of a cached token (RFC 9449 §4.3,
 *   replay store included);
 * - the limit (bench/dpop-limit.ts): a minimal node:crypto proof check over a Map of verified tokens;
 * - express-oauth2-jwt-bearer with `dpop: { enabled: true }`, its middleware called with an
 *   Express-shaped request (it verifies the access token on every request and keeps no replay store).
 *
 * Every request carries a proof never used before (pre-minted with jose, distinct `jti`), since a
 * replayed proof must be refused. Rounds are interleaved with the order rotating, garbage is collected
 * before each slice (run with --expose-gc), the first round is a discarded warm-up, the figure is the
 * median. Each contender must accept a valid request and refuse a proof for another URL (and,
 * where it claims to, a replay) before it is timed.
 */
import { writeFileSync } from "node:fs";
import { createVerifier } from "@resource-guard/core";
import { auth as auth0 } from "express-oauth2-jwt-bearer";
import { decodeJwt } from "jose";
import { createDPoPClient } from "../test/support/dpop.js";
import { outPathOf } from "./args.js";
import { createLimitDPoPCheck } from "./dpop-limit.js";
import { AUDIENCE, keyFor, startBenchIdp } from "./fixtures.js";
import { pinSelf } from "./machine.js";
import { median } from "./stats.js";

const quick = process.argv.includes("--quick");
const outPath = outPathOf("dpop");
const ROUNDS = quick ? 8 : 20;
const PER_ROUND = quick ? 300 : 600;
const URL_ = "https://api.bench.example/orders";
/** Proofs are minted before timing, so their iat must stay in every contender's window. */
const WINDOW_SECONDS = 600;

export interface DPoPResult {
  id: string;
  label: string;
  /** DPoP requests per CPU-second, per kept round. */
  rounds: number[];
  median: number;
  /**
   * Median over rounds of (resource-guard's rate / this contender's rate) in the same round: pairs
   * measured seconds apart, so drift on a shared machine cancels out.
   */
  ourRatio: number;
  /** CPU microseconds per request at the median. */
  cpuUsPerRequest: number;
  /** What the contender checks that the others may not. */
  note: string;
}

export interface DPoPReport {
  pinned: boolean;
  rounds: number;
  requestsPerRound: number;
  proofAlg: string;
  tokenAlg: string;
  results: DPoPResult[];
}

type Check = (proof: string) => Promise<unknown> | unknown;

interface Contender {
  id: string;
  label: string;
  note: string;
  replayChecked: boolean;
  check: Check;
}

async function settle(check: Check, proof: string): Promise<boolean> {
  try {
    await check(proof);
    return true;
  } catch {
    return false;
  }
}

async function main(): Promise<void> {
  const idp = await startBenchIdp();
  const client = await createDPoPClient("ES256");
  const now = Math.floor(Date.now() / 1000);
  const token = await idp.sign(
    {
      sub: "bench-dpop",
      aud: AUDIENCE,
      scope: "orders:read",
      cnf: { jkt: client.jkt },
      iat: now,
      exp: now + 3600,
    },
    { key: keyFor(idp, "RS256") },
  );
  const mint = async (count: number, htu = URL_) => {
    const proofs: string[] = [];
    for (let start = 0; start < count; start += 256) {
      const batch = Array.from({ length: Math.min(256, count - start) }, () => client.proof({ htu, token }));
      proofs.push(...(await Promise.all(batch)));
    }
    return proofs;
  };
  const pool = await mint((ROUNDS + 1) * PER_ROUND);
  const checks = await mint(8);
  const otherUrl = (await mint(1, "https://api.bench.example/other"))[0] as string;

  const verifier = createVerifier({
    issuer: idp.issuer,
    audience: AUDIENCE,
    jwksUri: idp.jwksUri,
    dpop: { algorithms: ["ES256"], iatWindowSeconds: WINDOW_SECONDS },
  });
  const headers = (proof: string) => ({
    authorization: `DPoP ${token}`,
    dpop: proof,
    host: "api.bench.example",
  });
  const ours: Check = (proof) =>
    verifier.authenticate({ headers: headers(proof), method: "GET", url: "/orders", absoluteUrl: URL_ });

  const limitCheck = createLimitDPoPCheck(new Map([[token, decodeJwt(token)]]), WINDOW_SECONDS);
  const limit: Check = (proof) => limitCheck({ token, proof, method: "GET", url: URL_ });

  const middleware = auth0({
    issuer: idp.issuer,
    jwksUri: idp.jwksUri,
    audience: AUDIENCE,
    tokenSigningAlg: "RS256",
    dpop: { enabled: true, iatOffset: WINDOW_SECONDS },
  });
  const peer: Check = (proof) =>
    new Promise<void>((resolve, reject) => {
      const h = headers(proof);
      const req = {
        headers: h,
        method: "GET",
        url: "/orders",
        originalUrl: "/orders",
        protocol: "https",
        query: {},
        get: (name: string) => h[name.toLowerCase() as keyof typeof h],
        is: () => false,
        socket: {},
      };
      void middleware(req as never, {} as never, (err?: unknown) => (err ? reject(err) : resolve()));
    });

  const contenders: Contender[] = [
    {
      id: "resource-guard",
      label: "resource-guard (authenticate, cached token)",
      note: "every RFC 9449 §4.3 check, htu normalisation, bounded replay store",
      replayChecked: true,
      check: ours,
    },
    {
      id: "limit",
      label: "minimal node:crypto DPoP check",
      note: "see bench/dpop-limit.ts",
      replayChecked: true,
      check: limit,
    },
    {
      id: "express-oauth2-jwt-bearer",
      label: "express-oauth2-jwt-bearer (dpop enabled)",
      note: "verifies the access token on every request; no replay store",
      replayChecked: false,
      check: peer,
    },
  ];

  // Correct before timed: a valid request passes (twice: our cache admits the token on second sight),
  // a proof for another URL fails, and a replay fails where the contender claims replay detection.
  for (const [i, c] of contenders.entries()) {
    const first = checks[i * 2] as string;
    if (!(await settle(c.check, first)) || !(await settle(c.check, checks[i * 2 + 1] as string)))
      throw new Error(`${c.label}: refused a valid DPoP request`);
    if (await settle(c.check, otherUrl)) throw new Error(`${c.label}: accepted a proof for another URL`);
    if (c.replayChecked && (await settle(c.check, first))) throw new Error(`${c.label}: accepted a replay`);
  }

  const pinned = pinSelf(0);
  process.stderr.write(`dpop: ${pool.length} proofs minted; ${pinned ? "pinned to core 0" : "not pinned"}\n`);
  const rounds = new Map<string, number[]>(contenders.map((c) => [c.id, []]));
  const gc = (globalThis as { gc?: () => void }).gc;
  for (let round = 0; round <= ROUNDS; round++) {
    const slice = pool.slice(round * PER_ROUND, (round + 1) * PER_ROUND);
    // The order rotates each round, and garbage is collected before each slice, so no contender pays
    // for the collection of another's garbage (the peer allocates far more per request).
    for (let k = 0; k < contenders.length; k++) {
      const c = contenders[(round + k) % contenders.length] as Contender;
      gc?.();
      const cpu0 = process.cpuUsage();
      for (const proof of slice) {
        const result = c.check(proof);
        if (result instanceof Promise) await result;
      }
      const cpu = process.cpuUsage(cpu0);
      if (round > 0) rounds.get(c.id)?.push(slice.length / ((cpu.user + cpu.system) / 1e6));
    }
    process.stderr.write(`dpop: round ${round}/${ROUNDS} done\n`);
  }
  await idp.close();

  const ourRounds = rounds.get("resource-guard") ?? [];
  const results: DPoPResult[] = contenders.map((c) => {
    const kept = rounds.get(c.id) ?? [];
    const perSecond = median(kept);
    return {
      id: c.id,
      label: c.label,
      rounds: kept,
      median: perSecond,
      ourRatio: median(kept.map((rate, i) => (ourRounds[i] ?? Number.NaN) / rate)),
      cpuUsPerRequest: 1e6 / perSecond,
      note: c.note,
    };
  });
  const report: DPoPReport = {
    pinned,
    rounds: ROUNDS,
    requestsPerRound: PER_ROUND,
    proofAlg: "ES256",
    tokenAlg: "RS256",
    results,
  };
  writeFileSync(outPath, JSON.stringify(report, null, 2));
  const [rg, lim, p] = results;
  process.stderr.write(
    `dpop: resource-guard ${Math.round(rg?.median ?? 0)}/s, limit ${Math.round(lim?.median ?? 0)}/s, peer ${Math.round(p?.median ?? 0)}/s; ` +
      `× limit ${lim?.ourRatio.toFixed(2)}, × peer ${p?.ourRatio.toFixed(2)} (medians of paired rounds)\n`,
  );
}

main().catch((err) => {
  process.stderr.write(`dpop bench aborted: ${(err as Error).stack ?? err}\n`);
  process.exit(1);
});

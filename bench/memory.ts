/**
 * The memory bench (a child process of bench/main.ts, run with --expose-gc): a stream of distinct
 * tokens, 1,000,000 in a full run, through ONE resource-guard verifier with its verified-token cache on,
 * and the heap measured after a forced GC at checkpoints. A bounded cache shows as a plateau once it is
 * full; a leak shows as a slope.
 *
 * Each token is verified twice in a row, as a client reuses its token (the cache admits a token on its
 * second sight), so every token passes through the cache. The tokens are HS256 (an issuer configured with a shared secret): the cache does not care how a token
 * was verified, and HMAC makes a million sign-and-verify rounds take seconds instead of minutes, which
 * keeps `pnpm bench` under ten minutes. Tokens are made in batches, so they never all exist at once.
 */
import { createHmac, randomBytes } from "node:crypto";
import { writeFileSync } from "node:fs";
import { outPathOf } from "./args.js";
import { AUDIENCE } from "./fixtures.js";

export interface MemoryReport {
  tokens: number;
  alg: string;
  maxEntries: number;
  maxBytes: number;
  tokenLength: number;
  /** heapUsed after GC, bytes, before the first token. */
  baseline: number;
  checkpoints: { tokens: number; heapUsed: number }[];
  /** Largest checkpoint minus the baseline. */
  growth: number;
  /** Last checkpoint minus the checkpoint half-way through: a leak shows here, a full cache does not. */
  growthSecondHalf: number;
  /** Verifications per second, both presentations of each token counted. */
  verifiedPerSec: number;
  skipped?: string;
}

const quick = process.argv.includes("--quick");
const outPath = outPathOf("memory");
const TOTAL = quick ? 100_000 : 1_000_000;
const BATCH = 5_000;
const MAX_ENTRIES = 10_000;
const MAX_BYTES = 16 * 1024 * 1024;
const ISSUER = "https://idp.bench.example";

function heapAfterGc(): number {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (!gc) throw new Error("run with --expose-gc");
  gc();
  gc();
  return process.memoryUsage().heapUsed;
}

/** Signs tokens [from, from + count) with HS256; each differs in `sub` and `jti`. */
function signBatch(secret: Buffer, from: number, count: number): string[] {
  const header = Buffer.from(JSON.stringify({ alg: "HS256", typ: "JWT" })).toString("base64url");
  const now = Math.floor(Date.now() / 1000);
  const tokens: string[] = [];
  for (let i = from; i < from + count; i++) {
    const claims = {
      iss: ISSUER,
      aud: AUDIENCE,
      sub: `user-${i}`,
      scope: "orders:read orders:write",
      jti: `mem-${i}-${now}`,
      iat: now,
      exp: now + 3600,
    };
    const input = `${header}.${Buffer.from(JSON.stringify(claims)).toString("base64url")}`;
    tokens.push(`${input}.${createHmac("sha256", secret).update(input).digest("base64url")}`);
  }
  return tokens;
}

async function main(): Promise<void> {
  const report: MemoryReport = {
    tokens: TOTAL,
    alg: "HS256",
    maxEntries: MAX_ENTRIES,
    maxBytes: MAX_BYTES,
    tokenLength: 0,
    baseline: 0,
    checkpoints: [],
    growth: Number.NaN,
    growthSecondHalf: Number.NaN,
    verifiedPerSec: Number.NaN,
  };
  let createVerifier: typeof import("@resource-guard/core").createVerifier;
  try {
    ({ createVerifier } = await import("@resource-guard/core"));
  } catch (err) {
    report.skipped = `resource-guard unavailable: ${(err as Error).message.slice(0, 160)}`;
    writeFileSync(outPath, JSON.stringify(report, null, 2));
    return;
  }
  const secret = randomBytes(32);
  const verifier = createVerifier({
    issuer: ISSUER,
    audience: AUDIENCE,
    secret,
    algorithms: ["HS256"],
    tokenCache: { maxEntries: MAX_ENTRIES, maxBytes: MAX_BYTES },
  });
  const check = signBatch(secret, -1, 1)[0]!;
  await verifier.verify(check);
  report.baseline = heapAfterGc();
  const every = TOTAL / 10;
  let busyMs = 0;
  for (let done = 0; done < TOTAL; done += BATCH) {
    const tokens = signBatch(secret, done, BATCH);
    report.tokenLength = tokens[0]!.length;
    const t0 = performance.now();
    // Each token twice, as a client reuses its token: the cache admits a token on its second sight.
    for (const token of tokens) {
      await verifier.verify(token);
      await verifier.verify(token);
    }
    busyMs += performance.now() - t0;
    const total = done + BATCH;
    if (total === MAX_ENTRIES || total % every === 0) {
      report.checkpoints.push({ tokens: total, heapUsed: heapAfterGc() });
      process.stderr.write(`memory: ${total.toLocaleString("en-US")} tokens\n`);
    }
  }
  report.verifiedPerSec = (2 * TOTAL) / (busyMs / 1000);
  const heaps = report.checkpoints.map((c) => c.heapUsed);
  report.growth = Math.max(...heaps) - report.baseline;
  const half = report.checkpoints.find((c) => c.tokens >= TOTAL / 2)!;
  report.growthSecondHalf = heaps[heaps.length - 1]! - half.heapUsed;
  writeFileSync(outPath, JSON.stringify(report, null, 2));
}

main().catch((err) => {
  process.stderr.write(`memory bench aborted: ${(err as Error).stack ?? err}\n`);
  process.exit(1);
});

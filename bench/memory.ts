/**
 * The memory bench (a child process of bench/main.ts, run with --expose-gc): a stream of distinct
 * tokens, 1,000,000 in a full run, through ONE resource-guard verifier with its verified-token cache on,
 * and the heap measured after a forced GC at checkpoints. A bounded cache shows as a plateau once it is
 * full; a leak shows as a slope. Tokens are signed in a worker thread (ES256, node:crypto) in batches,
 * so they never all exist at once and signing overlaps verification on the other core.
 */
import { writeFileSync } from "node:fs";
import { Worker } from "node:worker_threads";
import { AUDIENCE, keyFor, startBenchIdp } from "./fixtures.js";

export interface MemoryReport {
  tokens: number;
  maxEntries: number;
  maxBytes: number;
  tokenLength: number;
  /** heapUsed after GC, bytes, before the first token. */
  baseline: number;
  checkpoints: { tokens: number; heapUsed: number }[];
  /** Largest checkpoint minus the baseline. */
  growth: number;
  /** Last checkpoint minus the checkpoint at which the cache had just filled. */
  growthAfterFull: number;
  verifiedPerSec: number;
  skipped?: string;
}

const quick = process.argv.includes("--quick");
const outPath = process.argv[process.argv.indexOf("--out") + 1] ?? "bench/.raw/memory.json";
const TOTAL = quick ? 100_000 : 1_000_000;
const BATCH = 5_000;
const MAX_ENTRIES = 10_000;
const MAX_BYTES = 16 * 1024 * 1024;

// The signer: builds compact JWS by hand with node:crypto (r||s signatures), one batch per message.
const SIGNER = `
const { parentPort, workerData } = require("node:worker_threads");
const { createPrivateKey, sign } = require("node:crypto");
const key = createPrivateKey({ key: workerData.jwk, format: "jwk" });
const header = Buffer.from(JSON.stringify({ alg: "ES256", kid: workerData.kid, typ: "JWT" })).toString("base64url");
parentPort.on("message", ({ from, count }) => {
  const now = Math.floor(Date.now() / 1000);
  const tokens = [];
  for (let i = from; i < from + count; i++) {
    const claims = { iss: workerData.issuer, aud: workerData.audience, sub: "user-" + i, scope: "orders:read",
      jti: "mem-" + i, iat: now, exp: now + 3600 };
    const input = header + "." + Buffer.from(JSON.stringify(claims)).toString("base64url");
    const sig = sign("sha256", Buffer.from(input), { key, dsaEncoding: "ieee-p1363" }).toString("base64url");
    tokens.push(input + "." + sig);
  }
  parentPort.postMessage(tokens);
});
`;

function heapAfterGc(): number {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (!gc) throw new Error("run with --expose-gc");
  gc();
  gc();
  return process.memoryUsage().heapUsed;
}

async function main(): Promise<void> {
  const idp = await startBenchIdp();
  const report: MemoryReport = {
    tokens: TOTAL,
    maxEntries: MAX_ENTRIES,
    maxBytes: MAX_BYTES,
    tokenLength: 0,
    baseline: 0,
    checkpoints: [],
    growth: Number.NaN,
    growthAfterFull: Number.NaN,
    verifiedPerSec: Number.NaN,
  };
  let createVerifier: typeof import("@resource-guard/core").createVerifier;
  try {
    ({ createVerifier } = await import("@resource-guard/core"));
  } catch (err) {
    report.skipped = `resource-guard unavailable: ${(err as Error).message.slice(0, 160)}`;
    writeFileSync(outPath, JSON.stringify(report, null, 2));
    await idp.close();
    return;
  }
  const key = keyFor(idp, "ES256");
  const jwk = await crypto.subtle.exportKey("jwk", key.privateKey);
  const worker = new Worker(SIGNER, {
    eval: true,
    workerData: { jwk, kid: key.kid, issuer: idp.issuer, audience: AUDIENCE },
  });
  const batches: Promise<string[]>[] = [];
  const waiting: ((tokens: string[]) => void)[] = [];
  worker.on("message", (tokens: string[]) => waiting.shift()?.(tokens));
  const request = (from: number) => {
    batches.push(new Promise((resolve) => waiting.push(resolve)));
    worker.postMessage({ from, count: BATCH });
  };

  const verifier = createVerifier({
    issuer: idp.issuer,
    audience: AUDIENCE,
    jwksUri: idp.jwksUri,
    algorithms: ["ES256"],
    tokenCache: { maxEntries: MAX_ENTRIES, maxBytes: MAX_BYTES },
  });
  await verifier.warmup();
  report.baseline = heapAfterGc();
  const every = TOTAL / 10;
  request(0);
  request(BATCH);
  const t0 = performance.now();
  for (let done = 0; done < TOTAL; done += BATCH) {
    const tokens = await batches.shift()!;
    if (done + 2 * BATCH < TOTAL) request(done + 2 * BATCH);
    report.tokenLength = tokens[0]!.length;
    for (const token of tokens) await verifier.verify(token);
    const total = done + BATCH;
    if (total === MAX_ENTRIES || total % every === 0) {
      report.checkpoints.push({ tokens: total, heapUsed: heapAfterGc() });
      process.stderr.write(`memory: ${total.toLocaleString("en-US")} tokens\n`);
    }
  }
  report.verifiedPerSec = TOTAL / ((performance.now() - t0) / 1000);
  await worker.terminate();
  await idp.close();
  const heaps = report.checkpoints.map((c) => c.heapUsed);
  report.growth = Math.max(...heaps) - report.baseline;
  const full = report.checkpoints.find((c) => c.tokens >= MAX_ENTRIES)!;
  report.growthAfterFull = heaps[heaps.length - 1]! - full.heapUsed;
  writeFileSync(outPath, JSON.stringify(report, null, 2));
}

main().catch((err) => {
  process.stderr.write(`memory bench aborted: ${(err as Error).stack ?? err}\n`);
  process.exit(1);
});

/**
 * Where resource-guard's verification time goes: verifies distinct tokens through one verifier under
 * the V8 CPU profiler and prints self time by function and by source file, plus the share spent in
 * node:crypto's verify itself (the part no JavaScript can remove). The full profile is written to
 * bench/.raw/profile-<alg>.cpuprofile (open it in Chrome DevTools → Performance, or VS Code).
 *
 * Usage: `node --import tsx bench/profile.ts [RS256|ES256|EdDSA] [--cache]` (default RS256, no cache).
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { Session } from "node:inspector/promises";
import { AUDIENCE, type BenchAlg, mintTokens, startBenchIdp } from "./fixtures.js";
import { pinSelf } from "./machine.js";

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount?: number;
  children?: number[];
}

const alg = (process.argv.find((a) => ["RS256", "ES256", "EdDSA"].includes(a)) ?? "RS256") as BenchAlg;
const cache = process.argv.includes("--cache");
const COUNT = 20_000;

function shorten(url: string): string {
  const at = url.indexOf("/packages/");
  if (at >= 0) return url.slice(at + 1);
  const nm = url.lastIndexOf("/node_modules/");
  if (nm >= 0) return url.slice(nm + 14);
  return url || "(native)";
}

async function main(): Promise<void> {
  const idp = await startBenchIdp();
  const tokens = await mintTokens(idp, alg, COUNT, "prof");
  const warm = await mintTokens(idp, alg, 2_000, "prof-warm");
  pinSelf(0);
  const { createVerifier } = await import("@resource-guard/core");
  const verifier = createVerifier({
    issuer: idp.issuer,
    audience: AUDIENCE,
    jwksUri: idp.jwksUri,
    algorithms: [alg],
    ...(cache ? {} : { tokenCache: false as const }),
  });
  for (const token of warm) await verifier.verify(token);

  const session = new Session();
  session.connect();
  await session.post("Profiler.enable");
  await session.post("Profiler.setSamplingInterval", { interval: 50 });
  await session.post("Profiler.start");
  const t0 = performance.now();
  for (const token of tokens) await verifier.verify(token);
  const ms = performance.now() - t0;
  const { profile } = (await session.post("Profiler.stop")) as { profile: { nodes: ProfileNode[] } };
  session.disconnect();
  await idp.close();

  mkdirSync("bench/.raw", { recursive: true });
  const file = `bench/.raw/profile-${alg}${cache ? "-cache" : ""}.cpuprofile`;
  writeFileSync(file, JSON.stringify(profile));

  const total = profile.nodes.reduce((n, node) => n + (node.hitCount ?? 0), 0);
  const byFunction = new Map<string, number>();
  const byFile = new Map<string, number>();
  for (const node of profile.nodes) {
    const hits = node.hitCount ?? 0;
    if (hits === 0) continue;
    const { functionName, url, lineNumber } = node.callFrame;
    const where = shorten(url);
    const fn = `${functionName || "(anonymous)"}  ${where}${url ? `:${lineNumber + 1}` : ""}`;
    byFunction.set(fn, (byFunction.get(fn) ?? 0) + hits);
    byFile.set(where, (byFile.get(where) ?? 0) + hits);
  }
  const pct = (n: number) => `${((100 * n) / total).toFixed(1).padStart(5)}%`;
  console.log(
    `${alg}${cache ? " (cache on)" : " (no cache)"}: ${COUNT} distinct tokens in ${ms.toFixed(0)} ms = ` +
      `${(COUNT / (ms / 1000)).toFixed(0)}/s, ${((ms * 1000) / COUNT).toFixed(1)} µs each; ${total} samples; ${file}`,
  );
  console.log("\nself time by function (top 25):");
  for (const [fn, hits] of [...byFunction].sort((a, b) => b[1] - a[1]).slice(0, 25))
    console.log(`${pct(hits)}  ${fn}`);
  console.log("\nself time by file:");
  for (const [where, hits] of [...byFile].sort((a, b) => b[1] - a[1]).slice(0, 20))
    console.log(`${pct(hits)}  ${where}`);
}

main().catch((err) => {
  process.stderr.write(`profile failed: ${(err as Error).stack ?? err}\n`);
  process.exit(1);
});

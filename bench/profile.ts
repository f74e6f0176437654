/**
 * Where resource-guard's verification time goes: verifies distinct tokens through one verifier under
 * the V8 CPU profiler and prints self time by function and by source file, plus the share spent in
 * node:crypto's verify itself (the part no JavaScript can remove). The full profile is written to
 * bench/.raw/profile-<alg>.cpuprofile (open it in Chrome DevTools → Performance, or VS Code).
 *
 * Usage (after `pnpm run build`, with `TSX_TSCONFIG_PATH=bench/tsconfig.json` so the built packages
 * load, as in `pnpm bench`): `node --import tsx bench/profile.ts [RS256|ES256|EdDSA] [--cache]` (default RS256, no cache).
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { Session } from "node:inspector/promises";
import { AUDIENCE, type BenchAlg, mintTokens, startBenchIdp } from "./fixtures.js";
import { pinSelf } from "./machine.js";
import { type CpuProfile, summarizeProfile } from "./profile-summary.js";

const alg = (process.argv.find((a) => ["RS256", "ES256", "EdDSA"].includes(a)) ?? "RS256") as BenchAlg;
const cache = process.argv.includes("--cache");
const COUNT = 20_000;

async function main(): Promise<void> {
  const idp = await startBenchIdp();
  const tokens = await mintTokens(idp, alg, COUNT, "prof");
  // With the cache on, warm past its 10,000 entries so the profile shows the steady state (evicting).
  const warm = await mintTokens(idp, alg, cache ? 12_000 : 2_000, "prof-warm");
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
  await session.post("Profiler.setSamplingInterval", { interval: 100 });
  await session.post("Profiler.start");
  const t0 = performance.now();
  for (const token of tokens) await verifier.verify(token);
  const ms = performance.now() - t0;
  const { profile } = (await session.post("Profiler.stop")) as { profile: CpuProfile };
  session.disconnect();
  await idp.close();

  mkdirSync("bench/.raw", { recursive: true });
  const file = `bench/.raw/profile-${alg}${cache ? "-cache" : ""}.cpuprofile`;
  writeFileSync(file, JSON.stringify(profile));

  console.log(
    `${alg}${cache ? " (cache on)" : " (no cache)"}: ${COUNT} distinct tokens in ${ms.toFixed(0)} ms = ` +
      `${(COUNT / (ms / 1000)).toFixed(0)}/s, ${((ms * 1000) / COUNT).toFixed(1)} µs each (profiler on); ${file}`,
  );
  console.log(summarizeProfile(profile));
}

main().catch((err) => {
  process.stderr.write(`profile failed: ${(err as Error).stack ?? err}\n`);
  process.exit(1);
});

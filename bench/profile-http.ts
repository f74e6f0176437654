/**
 * Where one HTTP server configuration spends its CPU: starts it (bench/http-server.ts) under
 * `--cpu-prof`, sends it a few seconds of load, stops it so V8 writes the profile, and prints the
 * summary. The .cpuprofile stays in bench/.raw/ for DevTools.
 *
 * Usage (after `pnpm run build`, with `TSX_TSCONFIG_PATH=bench/tsconfig.json` so the built packages
 * load, as in `pnpm bench`): `node --import tsx bench/profile-http.ts <config id> [hot|rotating|distinct]`, e.g. `koa-rg hot`.
 */
import { spawn } from "node:child_process";
import { once } from "node:events";
import { mkdirSync, readdirSync, readFileSync, rmSync } from "node:fs";
import autocannon from "autocannon";
import { AUDIENCE, mintTokens, startBenchIdp } from "./fixtures.js";
import type { ServerMessage, ServerStats } from "./http-server.js";
import { canPin } from "./machine.js";
import { type CpuProfile, summarizeProfile } from "./profile-summary.js";

const [id = "koa-rg", mode = "hot"] = process.argv.slice(2).filter((a) => !a.startsWith("--"));
// --static: send one fixed request (as bench/http.ts does for "hot") instead of rebuilding each one.
const fixed = process.argv.includes("--static");
const DIR = "bench/.raw/profile-http";

async function main(): Promise<void> {
  const idp = await startBenchIdp();
  const tokens = await mintTokens(
    idp,
    "RS256",
    mode === "hot" ? 1 : mode === "rotating" ? 1_000 : 40_000,
    "ph",
  );
  rmSync(DIR, { recursive: true, force: true });
  mkdirSync(DIR, { recursive: true });
  const settings = JSON.stringify({ issuer: idp.issuer, audience: AUDIENCE, jwksUri: idp.jwksUri });
  const args = [
    "--cpu-prof",
    `--cpu-prof-dir=${DIR}`,
    "--import",
    "tsx",
    "bench/http-server.ts",
    id,
    settings,
  ];
  const child = canPin()
    ? spawn("taskset", ["-c", "0", process.execPath, ...args], {
        stdio: ["ignore", "inherit", "inherit", "ipc"],
      })
    : spawn(process.execPath, args, { stdio: ["ignore", "inherit", "inherit", "ipc"] });
  const port = await new Promise<number>((resolve, reject) => {
    child.on("message", (m: ServerMessage) =>
      m.type === "ready" ? resolve(m.port) : reject(new Error(m.type)),
    );
  });
  if (process.argv.includes("--rejects")) {
    // As bench/http.ts's correctness check does: one tampered token and one request without a token.
    for (const authorization of [`Bearer ${tokens[0]!.slice(0, -4)}AAAA`, undefined]) {
      const response = await fetch(`http://127.0.0.1:${port}/orders`, {
        headers: authorization ? { authorization } : {},
      });
      await response.arrayBuffer();
    }
  }
  let i = 0;
  const stats = () =>
    new Promise<ServerStats>((resolve) => {
      child.once("message", (m: ServerStats) => resolve(m));
      child.send({ type: "stats" });
    });
  const before = await stats();
  const result = await autocannon({
    url: `http://127.0.0.1:${port}/orders`,
    connections: 16,
    ...(mode === "distinct" ? { amount: tokens.length } : { duration: 4 }),
    ...(fixed
      ? { headers: { authorization: `Bearer ${tokens[0]}` } }
      : {
          requests: [
            {
              setupRequest: (request: Record<string, unknown>) => {
                request.headers = { authorization: `Bearer ${tokens[i++ % tokens.length]}` };
                return request;
              },
            },
          ],
        }),
  });
  const after = await stats();
  const cpuPerReq = (after.cpuUs - before.cpuUs) / (after.served - before.served);
  const idpHits = idp.totalHits;
  const exited = once(child, "exit");
  child.send({ type: "exit" });
  await exited;
  await idp.close();
  const file = readdirSync(DIR).find((f) => f.endsWith(".cpuprofile"));
  if (!file) throw new Error("no profile written");
  console.log(
    `${id} ${mode}: ${result.requests.total} requests, non-2xx ${result.non2xx}; ` +
      `server CPU ${cpuPerReq.toFixed(1)} µs/request (profiler on); IdP requests during the run: ${idpHits}; ${DIR}/${file}`,
  );
  console.log(summarizeProfile(JSON.parse(readFileSync(`${DIR}/${file}`, "utf8")) as CpuProfile, 35));
}

main().then(
  () => process.exit(0),
  (err) => {
    process.stderr.write(`profile-http failed: ${(err as Error).stack ?? err}\n`);
    process.exit(1);
  },
);

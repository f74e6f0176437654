/**
 * The Bun.serve and Deno.serve blocks of docs/frameworks.md ("Fetch servers without an adapter"),
 * run as pasted on those runtimes: core verifying a Fetch `Request` as it is, with no adapter. Each
 * block is saved in this folder (so `@resource-guard/core` resolves to the built package, as for a
 * user), started with ISSUER/AUDIENCE of a test IdP and PORT=0, and sent the requests of the docs.
 * A runtime or a build that is missing is a skip whose reason is printed.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { once } from "node:events";
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseChallenges } from "../../../test/conformance/challenge-parser.js";
import { startTestIdp, type TestIdp } from "../../../test/support/idp.js";
import { findRuntime, type RuntimeName } from "../../../test/support/runtimes.js";

const AUDIENCE = "https://api.example.com";
const DOC = new URL("../../../docs/frameworks.md", import.meta.url);
// Not .tmp/, which the quick-start test of this folder removes when it ends.
const TMP = new URL(".tmp-fetch-servers/", import.meta.url);
const built = existsSync(new URL("../../core/dist/index.js", import.meta.url));

function blockOf(runtime: RuntimeName): string {
  const text = readFileSync(DOC, "utf8");
  const marker = `<!-- fetch-server: ${runtime} -->\n\`\`\`js\n`;
  const start = text.indexOf(marker);
  if (start === -1) throw new Error(`docs/frameworks.md has no fetch-server block for ${runtime}`);
  return text.slice(start + marker.length, text.indexOf("\n```", start + marker.length) + 1);
}

async function originOf(child: ChildProcess, runtime: string): Promise<string> {
  let output = "";
  return new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${runtime} did not start: ${output}`)), 20_000);
    const read = (chunk: Buffer) => {
      output += chunk.toString();
      // Bun: "listening on http://localhost:PORT/"; Deno: "Listening on http://0.0.0.0:PORT/ (…)".
      const port = /istening on http:\/\/[^:/\s]+:(\d+)/.exec(output)?.[1];
      if (port !== undefined) {
        clearTimeout(timer);
        resolve(`http://127.0.0.1:${port}`);
      }
    };
    child.stdout?.on("data", read);
    child.stderr?.on("data", read);
    child.once("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`${runtime} exited ${code}: ${output}`));
    });
  });
}

let idp: TestIdp;
beforeAll(async () => {
  idp = await startTestIdp();
});
afterAll(async () => {
  await idp?.close();
  rmSync(TMP, { recursive: true, force: true });
});

for (const name of ["bun", "deno"] as const) {
  const runtime = findRuntime(name);
  const reason = !runtime.available
    ? runtime.reason
    : built
      ? undefined
      : "packages/core/dist is missing (the block imports the built package: pnpm build)";
  if (!runtime.available || reason !== undefined) {
    console.warn(`fetch servers: the ${name} block skipped: ${reason}`);
    describe(`the ${name} block of docs/frameworks.md`, () => {
      it.skip(`skipped: ${reason}`, () => {});
    });
    continue;
  }

  describe(`the ${name} block of docs/frameworks.md`, () => {
    it(`serves on ${name} ${runtime.version} as pasted: 401, 403 and 200`, async () => {
      mkdirSync(TMP, { recursive: true });
      const file = fileURLToPath(new URL(`fetch-server-${name}-${process.pid}.mjs`, TMP));
      writeFileSync(file, blockOf(name));
      const args =
        name === "bun" ? ["run", file] : ["run", "--allow-net", "--allow-env", "--allow-read", file];
      const child = spawn(runtime.binary, args, {
        cwd: fileURLToPath(TMP),
        env: {
          PATH: process.env.PATH,
          HOME: process.env.HOME,
          NO_COLOR: "1",
          ISSUER: idp.issuer,
          AUDIENCE,
          PORT: "0",
        },
        stdio: ["ignore", "pipe", "pipe"],
      });
      try {
        const url = await originOf(child, name);
        const sign = (scope: string) => idp.sign({ sub: "user-1", aud: AUDIENCE, scope });

        const missing = await fetch(`${url}/orders`);
        expect(missing.status).toBe(401);
        expect(missing.headers.get("www-authenticate")).toBe('Bearer realm="api"');
        expect(await missing.json()).toEqual({
          error: null,
          error_description: "Bearer authentication is required",
        });

        const forbidden = await fetch(`${url}/orders`, {
          headers: { authorization: `Bearer ${await sign("profile")}` },
        });
        expect(forbidden.status).toBe(403);
        expect(parseChallenges(forbidden.headers.get("www-authenticate") ?? "")).toEqual([
          { scheme: "Bearer", params: { realm: "api", error: "insufficient_scope", scope: "orders:read" } },
        ]);

        const ok = await fetch(`${url}/orders`, {
          headers: { authorization: `Bearer ${await sign("orders:read")}` },
        });
        expect(ok.status).toBe(200);
        expect(await ok.json()).toEqual({ sub: "user-1" });
      } finally {
        if (child.exitCode === null && child.signalCode === null) {
          const exited = once(child, "exit");
          child.kill("SIGTERM");
          await exited;
        }
      }
    }, 60_000);
  });
}

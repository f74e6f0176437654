/**
 * Packaging: what a user installs is the built dist/ behind each package's `exports` map, not the
 * sources the other suites run. This suite checks the built packages the way a consumer meets them:
 * `import` from ESM and `require` from CommonJS in a fresh Node process, publint's rules, and
 * @arethetypeswrong/cli's resolution checks for every module system. The test command builds first.
 */
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const root = join(dirname(fileURLToPath(import.meta.url)), "../..");
const packages = {
  core: ["createVerifier", "InvalidTokenError", "assertScopes", "keycloak", "metadataResponse"],
  express: ["bearerAuth", "requireScopes", "protectedResourceMetadata"],
  koa: ["bearerAuth", "requireScopes", "protectedResourceMetadata"],
  fastify: ["resourceGuard", "default"],
  hono: ["bearerAuth", "requireScopes", "requireAnyScope", "requireClaims", "toHTTPException"],
  nestjs: [
    "ResourceGuardModule",
    "ResourceGuard",
    "RESOURCE_GUARD_VERIFIER",
    "RequireScopes",
    "RequireAnyScope",
    "RequireClaims",
    "Public",
    "Auth",
  ],
} as const;

/** Peers whose code the adapter calls at run time, and a text that only their own code contains. */
const PEERS = {
  hono: { imports: ["hono/http-exception"], notBundled: "getResponse()" },
  nestjs: { imports: ["@nestjs/common", "@nestjs/core"], notBundled: "self:paramtypes" },
} as const;

function node(args: string[], cwd: string): string {
  return execFileSync(process.execPath, args, { cwd, encoding: "utf8", timeout: 30_000 });
}

describe.each(Object.entries(packages))("@resource-guard/%s", (name, exportsExpected) => {
  const dir = join(root, "packages", name);

  it("has been built", () => {
    for (const file of ["index.js", "index.cjs", "index.d.ts", "index.d.cts"]) {
      expect(existsSync(join(dir, "dist", file)), `dist/${file}`).toBe(true);
    }
  });

  it("loads with import from ESM and with require from CommonJS", () => {
    const spec = `@resource-guard/${name}`;
    const esm = node(
      [
        "--input-type=module",
        "-e",
        `import * as m from "${spec}"; console.log(Object.keys(m).sort().join(","))`,
      ],
      dir,
    );
    const cjs = node(["-e", `console.log(Object.keys(require("${spec}")).sort().join(","))`], dir);
    for (const exported of exportsExpected) {
      expect(esm.trim().split(",")).toContain(exported);
      expect(cjs.trim().split(",")).toContain(exported);
    }
  });

  // Only for the adapters that call their framework at run time (the others import nothing of it).
  if (name in PEERS)
    it("imports its framework as a peer rather than bundling a copy of it", () => {
      // A second copy of a framework breaks its dependency injection, decorators and `instanceof`.
      const { imports, notBundled } = PEERS[name as keyof typeof PEERS];
      for (const file of ["index.js", "index.cjs"]) {
        const code = readFileSync(join(dir, "dist", file), "utf8");
        const specifiers = new Set([...code.matchAll(/(?:from |require\()"([^"]+)"/g)].map((m) => m[1]));
        for (const spec of imports) expect([...specifiers], file).toContain(spec);
        expect(code, file).not.toContain(notBundled);
      }
    });

  it("passes publint", () => {
    const run = spawnSync(join(root, "node_modules/.bin/publint"), ["--strict"], {
      cwd: dir,
      encoding: "utf8",
    });
    expect(run.stdout, run.stdout + run.stderr).toMatch(/All good!/);
    expect(run.status).toBe(0);
  });

  it("passes @arethetypeswrong/cli for node10, node16 (CJS and ESM) and bundlers", () => {
    const run = spawnSync(join(root, "node_modules/.bin/attw"), ["--pack", ".", "--format", "ascii"], {
      cwd: dir,
      encoding: "utf8",
      timeout: 80_000,
    });
    expect(run.stdout, run.stdout + run.stderr).toMatch(/No problems found/);
    expect(run.status).toBe(0);
    // attw packs and resolves every entry point: well over vitest's default on a busy 2-core machine.
  }, 90_000);
});

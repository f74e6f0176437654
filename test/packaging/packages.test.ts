/**
 * Packaging: what a user installs is the built dist/ behind each package's `exports` map, not the
 * sources the other suites run. This suite checks the built packages the way a consumer meets them:
 * `import` from ESM and `require` from CommonJS in a fresh Node process, publint's rules, and
 * @arethetypeswrong/cli's resolution checks for every module system. The test command builds first.
 */
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, readFileSync, statSync } from "node:fs";
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
  testing: ["createTestIssuer", "createTestKeys", "dpopKeyPair", "dpopProof"],
  redis: ["redisStore"],
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

  // attw packs and resolves every entry point; on a loaded shared machine that takes up to ~30 s.
  it("passes @arethetypeswrong/cli for node10, node16 (CJS and ESM) and bundlers", {
    timeout: 120_000,
  }, () => {
    const run = spawnSync(join(root, "node_modules/.bin/attw"), ["--pack", ".", "--format", "ascii"], {
      cwd: dir,
      encoding: "utf8",
      timeout: 110_000,
    });
    expect(run.stdout, run.stdout + run.stderr).toMatch(/No problems found/);
    expect(run.status).toBe(0);
  });
});

// The command line is a bin, not a library: it has no import/require surface or types to check, so
// it is checked as users meet it: the packed manifest, and the built file run as the command.
describe("@resource-guard/cli", () => {
  const dir = join(root, "packages", "cli");

  it("has been built into an executable ESM file with a shebang", () => {
    const file = join(dir, "dist", "cli.js");
    expect(existsSync(file), "dist/cli.js").toBe(true);
    expect(readFileSync(file, "utf8").startsWith("#!/usr/bin/env node\n")).toBe(true);
    expect(statSync(file).mode & 0o111).not.toBe(0);
  });

  it("packs a bin named resource-guard that runs", () => {
    const manifest = JSON.parse(readFileSync(join(dir, "package.json"), "utf8")) as {
      bin: Record<string, string>;
    };
    expect(manifest.bin).toEqual({ "resource-guard": "./dist/cli.js" });
    const version = execFileSync(
      process.execPath,
      [join(dir, manifest.bin["resource-guard"] as string), "--version"],
      {
        encoding: "utf8",
      },
    );
    expect(version).toBe(
      `${(JSON.parse(readFileSync(join(dir, "package.json"), "utf8")) as { version: string }).version}\n`,
    );
    const help = spawnSync(process.execPath, [join(dir, "dist", "cli.js"), "inspect", "--help"], {
      encoding: "utf8",
    });
    expect([help.status, help.stdout.split("\n")[0]]).toEqual([
      0,
      "Usage: resource-guard inspect <token> [--issuer <url>] [--audience <aud>]... [--scope <scope>]...",
    ]);
  });

  it("runs core's verifier from the built packages", () => {
    const run = spawnSync(process.execPath, [join(dir, "dist", "cli.js"), "inspect", "not-a-jwt", "--json"], {
      encoding: "utf8",
    });
    expect(run.status).toBe(1);
    expect(JSON.parse(run.stdout).refusal).toEqual({
      status: 401,
      code: "invalid_token",
      description: "The token is not a well-formed JWS compact JWT",
      reason: "malformed",
    });
  });

  it("passes publint", () => {
    const run = spawnSync(join(root, "node_modules/.bin/publint"), ["--strict"], {
      cwd: dir,
      encoding: "utf8",
    });
    expect(run.stdout, run.stdout + run.stderr).toMatch(/All good!/);
    expect(run.status).toBe(0);
  });
});

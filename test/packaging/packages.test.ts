/**
 * Packaging: what a user installs is the built dist/ behind each package's `exports` map, not the
 * sources the other suites run. This suite checks the built packages the way a consumer meets them:
 * `import` from ESM and `require` from CommonJS in a fresh Node process, publint's rules, and
 * @arethetypeswrong/cli's resolution checks for every module system. The test command builds first.
 */
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const root = join(dirname(fileURLToPath(import.meta.url)), "../..");
const packages = {
  core: ["createVerifier", "InvalidTokenError", "assertScopes", "keycloak"],
  express: ["bearerAuth", "requireScopes"],
  koa: ["bearerAuth", "requireScopes"],
  fastify: ["resourceGuard", "default"],
  redis: ["redisStore"],
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
      timeout: 60_000,
    });
    expect(run.stdout, run.stdout + run.stderr).toMatch(/No problems found/);
    expect(run.status).toBe(0);
  });
});

/**
 * The built packages load the way a consumer meets them: `import` from ESM and `require` from
 * CommonJS, each in a fresh Node process (of the Node running the tests, so the test command's Node
 * 22 and 24 runs check both module systems there too). The test command builds first.
 */
import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { ROOT } from "./pack.js";
import { PUBLISHED } from "./published.js";

function node(args: string[], cwd: string): string {
  return execFileSync(process.execPath, args, { cwd, encoding: "utf8", timeout: 30_000 });
}

describe.each(Object.entries(PUBLISHED))("@resource-guard/%s", (name, exportsExpected) => {
  const dir = join(ROOT, "packages", name);

  it("has been built", () => {
    for (const file of ["index.js", "index.cjs", "index.d.ts", "index.d.cts"]) {
      expect(existsSync(join(dir, "dist", file)), `dist/${file}`).toBe(true);
    }
  });

  it(`loads with import from ESM and with require from CommonJS on Node ${process.versions.node}`, () => {
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
});

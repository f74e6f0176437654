/**
 * The conformance table (test/conformance/cases.ts) against the Hono adapter: on Node through
 * @hono/node-server, and on Bun and Deno (installed into .runtimes/ by scripts/install-runtimes.mjs)
 * with their own servers. A runtime that is missing, or a build that is missing, is a skip whose
 * reason is printed.
 */
import { existsSync } from "node:fs";
import { describe, it } from "vitest";
import { runConformance } from "../../../test/conformance/suite.js";
import { findRuntime } from "../../../test/support/runtimes.js";
import { honoHarness, runtimeHarness } from "./app.js";

runConformance(honoHarness);

const built = existsSync(new URL("../dist/index.js", import.meta.url));
for (const name of ["bun", "deno"] as const) {
  const runtime = findRuntime(name);
  const reason = !runtime.available
    ? runtime.reason
    : built
      ? undefined
      : "packages/hono/dist is missing (the runtimes run the built package: pnpm build)";
  if (runtime.available && reason === undefined) {
    runConformance(runtimeHarness(name, runtime.binary, runtime.version));
  } else {
    console.warn(`conformance: hono on ${name} skipped: ${reason}`);
    describe(`conformance: hono (${name})`, () => {
      it.skip(`skipped: ${reason}`, () => {});
    });
  }
}

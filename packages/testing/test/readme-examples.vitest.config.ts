import { fileURLToPath } from "node:url";
import { defineConfig } from "vitest/config";

// The configuration readme-examples.test.ts runs the README's "Testing your API" blocks with: only
// those files, and @resource-guard/* resolved to the sources as in the repository's own config.
const src = (pkg: string) => fileURLToPath(new URL(`../../${pkg}/src/index.ts`, import.meta.url));

export default defineConfig({
  resolve: {
    alias: Object.fromEntries(
      ["core", "express", "koa", "fastify", "testing"].map((pkg) => [`@resource-guard/${pkg}`, src(pkg)]),
    ),
  },
  test: {
    include: ["packages/*/test/readme/.tmp/*.test.mjs"],
    testTimeout: 20_000,
    hookTimeout: 30_000,
  },
});

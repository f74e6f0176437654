import { fileURLToPath } from "node:url";
import { defineConfig } from "vitest/config";

// Tests run against the TypeScript sources, so a change is tested without a build; the packaging
// tests (test/packaging) check the built dist/ output separately.
const src = (pkg: string) => fileURLToPath(new URL(`./packages/${pkg}/src/index.ts`, import.meta.url));

export default defineConfig({
  resolve: {
    alias: {
      "@resource-guard/core": src("core"),
      "@resource-guard/express": src("express"),
      "@resource-guard/koa": src("koa"),
      "@resource-guard/fastify": src("fastify"),
      "@resource-guard/redis": src("redis"),
    },
  },
  test: {
    include: ["packages/*/test/**/*.test.ts", "test/**/*.test.ts", "examples/**/*.test.ts"],
    testTimeout: 20_000,
    hookTimeout: 30_000,
    typecheck: {
      enabled: true,
      include: ["packages/*/test/**/*.test-d.ts"],
      tsconfig: "./tsconfig.json",
    },
  },
});

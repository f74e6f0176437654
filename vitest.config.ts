import { availableParallelism } from "node:os";
import { fileURLToPath } from "node:url";
import { defineConfig } from "vitest/config";

// Tests run against the TypeScript sources, so a change is tested without a build; the packaging
// tests (test/packaging) check the built dist/ output separately.
const src = (pkg: string) => fileURLToPath(new URL(`./packages/${pkg}/src/index.ts`, import.meta.url));

// NestJS 11 lives in a workspace package of its own (test/frameworks/nest11), where its packages
// resolve their peers to each other; the nest11 project points every `@nestjs/*` import there.
const nest11 = (pkg: string) =>
  fileURLToPath(new URL(`./test/frameworks/nest11/node_modules/@nestjs/${pkg}`, import.meta.url));

export default defineConfig({
  resolve: {
    alias: {
      "@resource-guard/core": src("core"),
      "@resource-guard/express": src("express"),
      "@resource-guard/koa": src("koa"),
      "@resource-guard/fastify": src("fastify"),
      "@resource-guard/hono": src("hono"),
      "@resource-guard/nestjs": src("nestjs"),
      "@resource-guard/testing": src("testing"),
      "@resource-guard/redis": src("redis"),
    },
  },
  test: {
    // Most suites wait on sockets and child processes (servers, IdPs, redis-server, example APIs), not
    // on the CPU: vitest's default of one worker per core less one leaves a 2-core machine running one
    // file at a time. Three workers there halve the run; larger machines keep the default.
    maxWorkers: Math.max(3, availableParallelism() - 1),
    testTimeout: 20_000,
    hookTimeout: 30_000,
    typecheck: {
      enabled: true,
      include: ["packages/*/test/**/*.test-d.ts"],
      tsconfig: "./tsconfig.json",
    },
    projects: [
      {
        extends: true,
        test: {
          name: "main",
          include: ["packages/*/test/**/*.test.ts", "test/**/*.test.ts", "examples/**/*.test.ts"],
        },
      },
      {
        extends: true,
        resolve: {
          alias: Object.fromEntries(
            ["common", "core", "platform-express", "platform-fastify", "config"].map((pkg) => [
              `@nestjs/${pkg}`,
              nest11(pkg),
            ]),
          ),
        },
        test: {
          name: "nest11",
          include: ["packages/nestjs/test/**/*.test.ts"],
          typecheck: { enabled: false },
        },
      },
    ],
  },
});

/**
 * The conformance app (test/conformance/harness.ts ROUTES) as a Nest application, on the Express or
 * the Fastify platform, with errors left to Nest's default exception filter. The same file runs
 * against NestJS 12 (this package's devDependencies) and NestJS 11 (the `nest11` vitest project,
 * which points `@nestjs/*` at test/frameworks/nest11).
 */
import "reflect-metadata";
import { Controller, Get, type INestApplication, Module, type ModuleMetadata } from "@nestjs/common";
import { NestFactory } from "@nestjs/core";
import nestCore from "@nestjs/core/package.json" with { type: "json" };
import { ExpressAdapter } from "@nestjs/platform-express";
import { FastifyAdapter } from "@nestjs/platform-fastify";
import type { VerifierOptions } from "@resource-guard/core";
import {
  Auth,
  type AuthResult,
  Public,
  RequireAnyScope,
  RequireScopes,
  ResourceGuardModule,
  type ResourceGuardModuleOptions,
  RouteScopes,
} from "@resource-guard/nestjs";
import { expect } from "vitest";
import {
  ANY_SCOPES,
  BOTH_SCOPES,
  type Harness,
  ORDERS_SCOPES,
  ROUTES,
  type TlsServerOptions,
} from "../../../test/conformance/harness.js";

export type Platform = "express" | "fastify";

/** The NestJS version these tests run against (the `nest11` project swaps it). */
export const NEST_VERSION: string = nestCore.version;

export interface StartOptions {
  /** Runs before listen: global prefix, filters, Express settings… */
  configure?(app: INestApplication): void;
  /** Serve HTTPS with these node:tls options (client certificates…). */
  https?: { key: string; cert: string; requestCert?: boolean; rejectUnauthorized?: boolean };
  /** Fastify's `trustProxy` (Express: `app.set("trust proxy", …)` in `configure`). */
  trustProxy?: boolean;
}

/** A Nest app of `metadata` on `platform`, listening on 127.0.0.1, port 0, without Nest's logger. */
export async function startNest(
  platform: Platform,
  metadata: ModuleMetadata,
  options: StartOptions = {},
): Promise<{ url: string; app: INestApplication; close(): Promise<void> }> {
  class TestModule {}
  Module(metadata)(TestModule);
  const app =
    platform === "express"
      ? await NestFactory.create(TestModule, new ExpressAdapter(), {
          logger: false,
          // A failed start rejects (by default Nest ends the process).
          abortOnError: false,
          ...(options.https ? { httpsOptions: options.https } : {}),
        })
      : await NestFactory.create(
          TestModule,
          new FastifyAdapter({
            ...(options.https ? { https: options.https } : {}),
            ...(options.trustProxy ? { trustProxy: true } : {}),
          }),
          { logger: false, abortOnError: false },
        );
  options.configure?.(app);
  await app.listen(0, "127.0.0.1");
  const { port } = app.getHttpServer().address() as { port: number };
  return { url: `${options.https ? "https" : "http"}://127.0.0.1:${port}`, app, close: () => app.close() };
}

const echo = (route: string, auth: AuthResult | undefined) => ({
  route,
  sub: auth?.claims.sub,
  scopes: auth?.scopes,
});

@Controller()
class ConformanceController {
  @Get(ROUTES.health)
  @Public()
  health(@Auth() auth: AuthResult | undefined) {
    return { route: ROUTES.health, authenticated: auth !== undefined };
  }

  @Get(ROUTES.me)
  me(@Auth() auth: AuthResult) {
    return echo(ROUTES.me, auth);
  }

  @Get(ROUTES.orders)
  @RequireScopes(...ORDERS_SCOPES)
  orders(@Auth() auth: AuthResult) {
    return echo(ROUTES.orders, auth);
  }

  @Get(ROUTES.both)
  @RequireScopes([...BOTH_SCOPES])
  both(@Auth() auth: AuthResult) {
    return echo(ROUTES.both, auth);
  }

  @Get(ROUTES.any)
  @RequireAnyScope(...ANY_SCOPES)
  any(@Auth() auth: AuthResult) {
    return echo(ROUTES.any, auth);
  }

  @Get(ROUTES.scoped)
  @RouteScopes(...ORDERS_SCOPES)
  scoped(@Auth() auth: AuthResult) {
    return echo(ROUTES.scoped, auth);
  }
}

/** The conformance app: the module with its global guard, and the controller of ROUTES. */
export function startConformanceApp(
  platform: Platform,
  options: ResourceGuardModuleOptions,
  https?: StartOptions["https"],
) {
  return startNest(
    platform,
    { imports: [ResourceGuardModule.forRoot(options)], controllers: [ConformanceController] },
    https ? { https } : {},
  );
}

/** The body `{ error, error_description }` of the adapter's HttpExceptions, as Nest's filter sends it. */
export function expectNestErrorBody(
  body: string,
  contentType: string | null,
  expected: { status: number; message: string; code: string | undefined },
): void {
  expect(contentType).toBe("application/json; charset=utf-8");
  // Core's toErrorResponse, as the other adapters' error handlers answer.
  expect(JSON.parse(body)).toEqual({
    error: expected.code ?? (expected.status === 503 ? "temporarily_unavailable" : "unauthorized"),
    error_description: expected.message,
  });
}

export function nestHarness(platform: Platform): Harness {
  return {
    name: `nestjs ${NEST_VERSION.split(".")[0]} (${platform})`,
    start: (options: VerifierOptions, tls?: TlsServerOptions) => startConformanceApp(platform, options, tls),
    // Nest runs guards on matched routes only: an unknown path is Nest's 404.
    routesBeforeAuthentication: true,
    expectErrorBody: expectNestErrorBody,
  };
}

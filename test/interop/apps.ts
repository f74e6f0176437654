/**
 * The apps the interop suites drive: the conformance app (test/conformance/harness.ts `ROUTES`)
 * served by core alone over node:http and by each adapter through its own harness
 * (packages/<adapter>/test/app.ts), so a vendor's tokens are judged by exactly the code paths users
 * run. `/me` accepts any valid token and echoes `sub` and the scopes read; `/orders` needs
 * `orders:read`. Helpers here call an app over real HTTP and assert the exact status, challenge and
 * body (each framework's default error body, checked by its harness).
 */
import { INVALID_TOKEN_DESCRIPTIONS, type InvalidTokenReason } from "@resource-guard/core";
import { expect } from "vitest";
import { expressHarness } from "../../packages/express/test/app.js";
import { fastifyHarness } from "../../packages/fastify/test/app.js";
import { honoHarness } from "../../packages/hono/test/app.js";
import { koaHarness } from "../../packages/koa/test/app.js";
import { nestHarness } from "../../packages/nestjs/test/app.js";
import { coreHarness } from "../conformance/core-harness.js";
import { type Harness, ORDERS_SCOPES, ROUTES, type RunningApp } from "../conformance/harness.js";

/** Every adapter on its previous major too (Express 4, Koa 2, Fastify 4), for the real-server suite. */
export const PREVIOUS_MAJORS: readonly Harness[] = [expressHarness(4), koaHarness(2), fastifyHarness(4)];

/** Core and every adapter, each on its current major. */
export const HARNESSES: readonly Harness[] = [
  coreHarness,
  expressHarness(5),
  koaHarness(3),
  fastifyHarness(5),
  honoHarness,
  nestHarness("express"),
  nestHarness("fastify"),
];

export interface Response {
  status: number;
  challenge: string | null;
  contentType: string | null;
  body: string;
}

/** GETs `path` on the app with the token as a bearer credential. */
export async function call(app: RunningApp, path: string, token: string): Promise<Response> {
  const res = await fetch(app.url + path, { headers: { authorization: `Bearer ${token}` } });
  return {
    status: res.status,
    challenge: res.headers.get("www-authenticate"),
    contentType: res.headers.get("content-type"),
    body: await res.text(),
  };
}

/** Asserts that `/me` accepts the token, with exactly these `sub` and scopes. */
export async function expectAccepted(
  app: RunningApp,
  token: string,
  expected: { sub: string | undefined; scopes: readonly string[] },
  path: string = ROUTES.me,
): Promise<void> {
  const res = await call(app, path, token);
  expect(res.status).toBe(200);
  expect(res.challenge).toBeNull();
  const body = JSON.parse(res.body) as { route: string; sub: string | undefined; scopes: string[] };
  expect({ ...body, scopes: [...body.scopes].sort() }).toEqual({
    route: path,
    sub: expected.sub,
    scopes: [...expected.scopes].sort(),
  });
}

/** Asserts a 401 `invalid_token` with the fixed description of `reason`. */
export async function expectInvalidToken(
  harness: Harness,
  app: RunningApp,
  token: string,
  reason: InvalidTokenReason,
  path: string = ROUTES.me,
): Promise<void> {
  const res = await call(app, path, token);
  const description = INVALID_TOKEN_DESCRIPTIONS[reason];
  expect({ status: res.status, challenge: res.challenge }).toEqual({
    status: 401,
    challenge: `Bearer realm="api", error="invalid_token", error_description="${description}"`,
  });
  harness.expectErrorBody(res.body, res.contentType, {
    status: 401,
    message: description,
    code: "invalid_token",
  });
}

/** Asserts that `/orders` answers 403 `insufficient_scope` naming `orders:read`. */
export async function expectInsufficientScope(
  harness: Harness,
  app: RunningApp,
  token: string,
): Promise<void> {
  const res = await call(app, ROUTES.orders, token);
  expect({ status: res.status, challenge: res.challenge }).toEqual({
    status: 403,
    challenge: `Bearer realm="api", error="insufficient_scope", scope="${ORDERS_SCOPES.join(" ")}"`,
  });
  harness.expectErrorBody(res.body, res.contentType, {
    status: 403,
    message: "The token lacks a scope this resource requires",
    code: "insufficient_scope",
  });
}

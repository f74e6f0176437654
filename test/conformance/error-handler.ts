/**
 * One suite for the adapters' `errorHandler()`: each adapter builds the same small app (below) with
 * its own framework and the suite drives it over real HTTP. resource-guard's errors must be answered
 * as JSON `{ error, error_description }` with their status and every header (the challenge,
 * `Retry-After`, and a header the app set before authentication), and every other error must reach
 * the app's own handler untouched.
 *
 * The app of `start(issuer)`:
 * - every answer gets `Access-Control-Allow-Origin: https://app.example.com`, set before authentication;
 * - `GET /unguarded` is declared before authentication and calls the adapter's `getAuth`;
 * - `GET /me` answers `{ sub }` through `getAuth`; `GET /orders` requires `orders:read`;
 * - `GET /teapot` throws an app error: status 418, message "short and stout";
 * - the adapter's `errorHandler()` answers resource-guard's errors; the app's own handler after it
 *   answers any other error as `{ own: err.message }` with the error's status (500 without one).
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestIdp, type TestIdp } from "../support/idp.js";
import type { RunningApp } from "./harness.js";

export const AUDIENCE = "https://api.example.com";
export const ORIGIN = "https://app.example.com";

export interface ErrorHandlerHarness {
  name: string;
  /** Starts the app above on 127.0.0.1, port 0, trusting `issuer` for tokens with AUDIENCE. */
  start(issuer: string): Promise<RunningApp>;
}

interface Answer {
  status: number;
  headers: Record<string, string | null>;
  body: unknown;
}

async function get(app: RunningApp, path: string, authorization?: string): Promise<Answer> {
  const res = await fetch(app.url + path, authorization ? { headers: { authorization } } : {});
  const text = await res.text();
  return {
    status: res.status,
    headers: {
      "content-type": res.headers.get("content-type"),
      "www-authenticate": res.headers.get("www-authenticate"),
      "retry-after": res.headers.get("retry-after"),
      "access-control-allow-origin": res.headers.get("access-control-allow-origin"),
    },
    body: text === "" ? undefined : JSON.parse(text),
  };
}

/** What every answer of our error handler looks like: JSON, CORS kept. */
function expected(
  status: number,
  headers: { "www-authenticate"?: string; "retry-after"?: string },
  error: string,
  description: string,
): Answer {
  return {
    status,
    headers: {
      "content-type": "application/json; charset=utf-8",
      "www-authenticate": headers["www-authenticate"] ?? null,
      "retry-after": headers["retry-after"] ?? null,
      "access-control-allow-origin": ORIGIN,
    },
    body: { error, error_description: description },
  };
}

/** Registers the suite for one adapter. */
export function describeErrorHandler(harness: ErrorHandlerHarness): void {
  describe(`errorHandler() on ${harness.name}`, () => {
    let idp: TestIdp;
    let down: TestIdp;
    let app: RunningApp;
    let cold: RunningApp;

    beforeAll(async () => {
      idp = await startTestIdp();
      down = await startTestIdp();
      down.fault = "status-500";
      app = await harness.start(idp.issuer);
      cold = await harness.start(down.issuer);
    });
    afterAll(async () => {
      await app?.close();
      await cold?.close();
      await idp?.close();
      await down?.close();
    });

    it("answers a request without credentials 401 with the bare challenge and error unauthorized", async () => {
      expect(await get(app, "/me")).toEqual(
        expected(
          401,
          { "www-authenticate": 'Bearer realm="api"' },
          "unauthorized",
          "Bearer authentication is required",
        ),
      );
    });

    it("answers a malformed request 400 invalid_request", async () => {
      expect(await get(app, "/me", "Bearer")).toEqual(
        expected(
          400,
          {
            "www-authenticate":
              'Bearer realm="api", error="invalid_request", error_description="The bearer token is empty"',
          },
          "invalid_request",
          "The bearer token is empty",
        ),
      );
    });

    it("answers an expired token 401 invalid_token", async () => {
      const now = Math.floor(Date.now() / 1000);
      const token = await idp.sign({ sub: "user-1", aud: AUDIENCE, iat: now - 600, exp: now - 300 });
      expect(await get(app, "/me", `Bearer ${token}`)).toEqual(
        expected(
          401,
          {
            "www-authenticate":
              'Bearer realm="api", error="invalid_token", error_description="The token has expired"',
          },
          "invalid_token",
          "The token has expired",
        ),
      );
    });

    it("answers a token without the route's scope 403 insufficient_scope", async () => {
      const token = await idp.sign({ sub: "user-1", aud: AUDIENCE, scope: "profile" });
      expect(await get(app, "/orders", `Bearer ${token}`)).toEqual(
        expected(
          403,
          { "www-authenticate": 'Bearer realm="api", error="insufficient_scope", scope="orders:read"' },
          "insufficient_scope",
          "The token lacks a scope this resource requires",
        ),
      );
    });

    it("answers 503 temporarily_unavailable with Retry-After when the keys cannot be had", async () => {
      const token = await down.sign({ sub: "user-1", aud: AUDIENCE });
      const answer = await get(cold, "/me", `Bearer ${token}`);
      expect(Number(answer.headers["retry-after"])).toBeGreaterThanOrEqual(1);
      expect(answer).toEqual(
        expected(
          503,
          { "retry-after": answer.headers["retry-after"] as string },
          "temporarily_unavailable",
          "The signing keys are unavailable; try again later",
        ),
      );
    });

    it("lets a valid token through, and getAuth returns its result", async () => {
      const token = await idp.sign({ sub: "user-1", aud: AUDIENCE, scope: "orders:read" });
      expect(await get(app, "/me", `Bearer ${token}`)).toMatchObject({
        status: 200,
        body: { sub: "user-1" },
      });
      expect(await get(app, "/orders", `Bearer ${token}`)).toMatchObject({ status: 200 });
    });

    it("passes an app error on to the app's own handler untouched", async () => {
      const token = await idp.sign({ sub: "user-1", aud: AUDIENCE });
      const answer = await get(app, "/teapot", `Bearer ${token}`);
      expect({ status: answer.status, body: answer.body }).toEqual({
        status: 418,
        body: { own: "short and stout" },
      });
      expect(answer.headers["www-authenticate"]).toBeNull();
    });

    it("passes getAuth's error on where no token was verified: a 500 naming the fix", async () => {
      const answer = await get(app, "/unguarded");
      expect(answer.status).toBe(500);
      expect(answer.body).toEqual({ own: expect.stringMatching(/^resource-guard: getAuth\(\) found no /) });
    });
  });
}

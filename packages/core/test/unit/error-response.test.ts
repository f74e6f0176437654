/**
 * toErrorResponse(): the answer the adapters' error handlers send. The 503 is covered end to end by
 * test/conformance/error-handler.ts (a real identity provider that fails), on every adapter.
 */
import {
  InsufficientScopeError,
  InvalidRequestError,
  InvalidTokenError,
  MissingCredentialsError,
  toErrorResponse,
} from "@resource-guard/core";
import createError from "http-errors";
import { describe, expect, it } from "vitest";

describe("toErrorResponse", () => {
  it("answers each 4xx with its status, every header, and { error, error_description }", () => {
    expect(toErrorResponse(new MissingCredentialsError("api"))).toEqual({
      status: 401,
      headers: { "WWW-Authenticate": 'Bearer realm="api"' },
      body: { error: "unauthorized", error_description: "Bearer authentication is required" },
    });
    expect(toErrorResponse(new InvalidRequestError("empty_token", "api"))).toEqual({
      status: 400,
      headers: {
        "WWW-Authenticate":
          'Bearer realm="api", error="invalid_request", error_description="The bearer token is empty"',
      },
      body: { error: "invalid_request", error_description: "The bearer token is empty" },
    });
    expect(toErrorResponse(new InvalidTokenError("expired", "api"))).toEqual({
      status: 401,
      headers: {
        "WWW-Authenticate":
          'Bearer realm="api", error="invalid_token", error_description="The token has expired"',
      },
      body: { error: "invalid_token", error_description: "The token has expired" },
    });
    expect(toErrorResponse(new InsufficientScopeError(["a", "b"], "api"))).toEqual({
      status: 403,
      headers: { "WWW-Authenticate": 'Bearer realm="api", error="insufficient_scope", scope="a b"' },
      body: {
        error: "insufficient_scope",
        error_description: "The token lacks a scope this resource requires",
      },
    });
  });

  it("copies the headers, so changing the answer leaves the error as it was", () => {
    const err = new MissingCredentialsError("api");
    const answer = toErrorResponse(err);
    (answer?.headers as Record<string, string>)["X-Extra"] = "1";
    expect(err.headers).toEqual({ "WWW-Authenticate": 'Bearer realm="api"' });
  });

  it("recognises the same error from the other build (ESM vs CJS) by its shape", () => {
    const foreign = createError(401, "The token has expired", {
      headers: { "WWW-Authenticate": 'Bearer realm="api", error="invalid_token"' },
      code: "invalid_token",
    });
    Object.defineProperty(foreign, "reason", { value: "expired", enumerable: false });
    expect(toErrorResponse(foreign)).toEqual({
      status: 401,
      headers: { "WWW-Authenticate": 'Bearer realm="api", error="invalid_token"' },
      body: { error: "invalid_token", error_description: "The token has expired" },
    });
  });

  it("leaves every other error to the caller, even one with a status and headers", () => {
    expect(toErrorResponse(new Error("boom"))).toBeUndefined();
    expect(
      toErrorResponse(createError(401, "Login first", { headers: { "WWW-Authenticate": "Basic" } })),
    ).toBe(undefined);
    expect(
      toErrorResponse(Object.assign(new Error("teapot"), { status: 418, reason: "tea" })),
    ).toBeUndefined();
    expect(toErrorResponse(undefined)).toBeUndefined();
    expect(toErrorResponse("401")).toBeUndefined();
  });
});

import {
  BearerError,
  formatChallenge,
  INVALID_REQUEST_DESCRIPTIONS,
  INVALID_TOKEN_DESCRIPTIONS,
  InsufficientScopeError,
  InvalidRequestError,
  InvalidTokenError,
  KeysUnavailableError,
  MissingCredentialsError,
} from "@resource-guard/core";
import createError from "http-errors";
import { describe, expect, it } from "vitest";

// RFC 6750 §3: error_description uses %x20-21 / %x23-5B / %x5D-7E only.
const RFC6750_TEXT = /^[\x20\x21\x23-\x5B\x5D-\x7E]+$/;

describe("the error hierarchy", () => {
  it("answers each row of the contract's error table", () => {
    const rows = [
      [new MissingCredentialsError("api"), 401, undefined, { "WWW-Authenticate": 'Bearer realm="api"' }],
      [
        new InvalidRequestError("empty_token", "api"),
        400,
        "invalid_request",
        {
          "WWW-Authenticate":
            'Bearer realm="api", error="invalid_request", error_description="The bearer token is empty"',
        },
      ],
      [
        new InvalidTokenError("expired", "api"),
        401,
        "invalid_token",
        {
          "WWW-Authenticate":
            'Bearer realm="api", error="invalid_token", error_description="The token has expired"',
        },
      ],
      [
        new InsufficientScopeError(["orders:read", "orders:write"], "api"),
        403,
        "insufficient_scope",
        {
          "WWW-Authenticate":
            'Bearer realm="api", error="insufficient_scope", scope="orders:read orders:write"',
        },
      ],
      [new KeysUnavailableError("jwks down", 7.2), 503, undefined, { "Retry-After": "8" }],
    ] as const;
    for (const [error, status, code, headers] of rows) {
      expect(error.status).toBe(status);
      expect(error.statusCode).toBe(status);
      expect(error.code).toBe(code);
      expect(error.headers).toEqual(headers);
      expect(error.expose).toBe(status < 500);
    }
  });

  it("is an http-errors HttpError at every level of instanceof", () => {
    const error = new InvalidTokenError("signature", "api");
    expect(error).toBeInstanceOf(InvalidTokenError);
    expect(error).toBeInstanceOf(BearerError);
    expect(error).toBeInstanceOf(createError.HttpError);
    expect(error).toBeInstanceOf(Error);
    expect(createError.isHttpError(error)).toBe(true);
    expect(error.name).toBe("InvalidTokenError");
  });

  it("keeps the reason code, its detail and the cause out of enumerable properties", () => {
    const cause = new Error("internal detail");
    const error = new KeysUnavailableError(
      "jwks_http_status",
      1,
      cause,
      "https://idp/jwks answered HTTP 500",
    );
    expect(error.reason).toBe("jwks_http_status");
    expect(error.detail).toBe("https://idp/jwks answered HTTP 500");
    expect(Object.keys(error)).not.toContain("reason");
    expect(Object.keys(error)).not.toContain("detail");
    expect(JSON.stringify(error)).not.toContain("idp/jwks");
    expect(error.message).toBe("The signing keys are unavailable; try again later");
    expect(error.cause).toBe(cause);
  });

  it("uses only short RFC 6750 §3 characters in every fixed description", () => {
    for (const text of [
      ...Object.values(INVALID_TOKEN_DESCRIPTIONS),
      ...Object.values(INVALID_REQUEST_DESCRIPTIONS),
    ]) {
      expect(text).toMatch(RFC6750_TEXT);
      expect(text.length).toBeLessThanOrEqual(200);
    }
  });

  it("omits the realm when it is off, and escapes quotes in a realm", () => {
    expect(new MissingCredentialsError(undefined).headers["WWW-Authenticate"]).toBe("Bearer");
    expect(formatChallenge({ realm: 'a "b" \\c' })).toBe('Bearer realm="a \\"b\\" \\\\c"');
    expect(() => formatChallenge({ error: 'bad"' })).toThrow(TypeError);
  });
});

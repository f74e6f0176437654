/**
 * The one error hierarchy. Every request-time failure is a BearerError: an http-errors HttpError
 * (`status`, `statusCode`, `expose`, `headers`) carrying the RFC 6750 `code` and a fixed
 * description. Frameworks answer with `err.status` and `err.headers` on their own, so adapters
 * only pass these errors on.
 *
 * Descriptions come from the fixed tables below and never contain token data, claim values or
 * internal exception text: Fastify and Express put `err.message` in the response body. What went
 * wrong in detail is kept in the non-enumerable `reason` (for logs) and `cause`.
 */
import createError from "http-errors";
import { formatChallenge } from "./challenge.js";

export type BearerErrorCode = "invalid_request" | "invalid_token" | "insufficient_scope";

/** Why a request was malformed (400 `invalid_request`). */
export const INVALID_REQUEST_DESCRIPTIONS = {
  empty_token: "The bearer token is empty",
  malformed_header: "The Authorization header is not Bearer followed by one token",
  malformed_token: "The bearer token has characters outside the b64token syntax",
  multiple_methods: "The token was sent by more than one method",
  multiple_headers: "More than one Authorization header was sent",
  repeated_parameter: "The access_token parameter was sent more than once",
  token_too_large: "The bearer token is too large",
} as const;

/** Why a token was refused (401 `invalid_token`). */
export const INVALID_TOKEN_DESCRIPTIONS = {
  malformed: "The token is not a well-formed JWS compact JWT",
  duplicate_member: "The token repeats a JSON member name",
  algorithm: "The token's algorithm is not accepted",
  critical_header: "The token has an unsupported critical header",
  typ: "The token type is not accepted",
  unknown_key: "The token's signing key is not known",
  key_mismatch: "The signing key does not fit the token's algorithm",
  signature: "Signature verification failed",
  issuer: "The token's issuer is not accepted",
  audience: "The token's audience is not accepted",
  expired: "The token has expired",
  missing_exp: "The token has no expiry",
  not_yet_valid: "The token is not valid yet",
  issued_in_future: "The token was issued in the future",
  too_old: "The token is too old",
  missing_iat: "The token has no issue time",
  claim_type: "A registered claim has the wrong type",
  claim_rule: "A required claim is missing or not accepted",
  client: "The token's client is not accepted",
  sender_constrained: "The token is sender-constrained and cannot be used as a bearer token",
} as const;

export type InvalidRequestReason = keyof typeof INVALID_REQUEST_DESCRIPTIONS;
export type InvalidTokenReason = keyof typeof INVALID_TOKEN_DESCRIPTIONS;

interface BearerErrorInit {
  status: number;
  message: string;
  code?: BearerErrorCode | undefined;
  headers: Record<string, string>;
  reason: string;
  cause?: unknown;
}

/**
 * Base of every error this library answers a request with. Branch on `err.status` and `err.code`
 * rather than `instanceof`, which fails when a process loads both the ESM and CJS builds.
 */
export class BearerError extends Error {
  readonly status: number;
  readonly statusCode: number;
  readonly expose: boolean;
  readonly headers: Record<string, string>;
  readonly code: BearerErrorCode | undefined;
  /** The short machine reason (`expired`, `signature`, `jwks_timeout`…); not part of any response. */
  declare readonly reason: string;

  protected constructor(init: BearerErrorInit) {
    super(init.message, init.cause === undefined ? undefined : { cause: init.cause });
    this.name = new.target.name;
    this.status = init.status;
    this.statusCode = init.status;
    this.expose = init.status < 500;
    this.headers = init.headers;
    this.code = init.code;
    Object.defineProperty(this, "reason", { value: init.reason, enumerable: false });
  }
}
// Splice our base under HttpError so that `instanceof HttpError` and `createError.isHttpError()` hold
// without calling the http-errors constructors (they return a fresh object, losing our prototype).
Object.setPrototypeOf(BearerError.prototype, createError.HttpError.prototype);

/** 401 without an error code: the request carried no bearer credentials at all (RFC 6750 §3.1). */
export class MissingCredentialsError extends BearerError {
  constructor(realm: string | undefined) {
    super({
      status: 401,
      message: "Bearer authentication is required",
      headers: { "WWW-Authenticate": formatChallenge({ realm }) },
      reason: "no_credentials",
    });
  }
}

/** 400 `invalid_request`: the request itself is malformed. */
export class InvalidRequestError extends BearerError {
  constructor(reason: InvalidRequestReason, realm: string | undefined) {
    const description = INVALID_REQUEST_DESCRIPTIONS[reason];
    super({
      status: 400,
      message: description,
      code: "invalid_request",
      headers: {
        "WWW-Authenticate": formatChallenge({
          realm,
          error: "invalid_request",
          errorDescription: description,
        }),
      },
      reason,
    });
  }
}

/** 401 `invalid_token`: the token is malformed, forged, expired, or not meant for this API. */
export class InvalidTokenError extends BearerError {
  constructor(reason: InvalidTokenReason, realm: string | undefined, cause?: unknown) {
    const description = INVALID_TOKEN_DESCRIPTIONS[reason];
    super({
      status: 401,
      message: description,
      code: "invalid_token",
      headers: {
        "WWW-Authenticate": formatChallenge({ realm, error: "invalid_token", errorDescription: description }),
      },
      reason,
      cause,
    });
  }
}

/** 403 `insufficient_scope`: a valid token without the scopes the route requires. */
export class InsufficientScopeError extends BearerError {
  /** Every scope the route requires. */
  readonly scopes: readonly string[];

  constructor(required: readonly string[], realm: string | undefined) {
    super({
      status: 403,
      message: "The token lacks a scope this resource requires",
      code: "insufficient_scope",
      headers: {
        "WWW-Authenticate": formatChallenge({
          realm,
          error: "insufficient_scope",
          scope: required.join(" "),
        }),
      },
      reason: "insufficient_scope",
    });
    this.scopes = required;
  }
}

/**
 * 503: the keys needed to judge the token cannot be had (the identity provider is unreachable and
 * nothing usable is cached). Deliberately not `invalid_token`: clients answer that by fetching a new
 * token, which would add load to an identity provider that is already failing.
 */
export class KeysUnavailableError extends BearerError {
  /** Seconds after which a retry may succeed. */
  readonly retryAfter: number;

  constructor(reason: string, retryAfterSeconds: number, cause?: unknown) {
    const retryAfter = Math.max(1, Math.ceil(retryAfterSeconds));
    super({
      status: 503,
      message: "The signing keys are unavailable; try again later",
      headers: { "Retry-After": String(retryAfter) },
      reason,
      cause,
    });
    this.retryAfter = retryAfter;
  }
}

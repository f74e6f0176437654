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
import { type ChallengeContext, formatChallenges, realmOnly, type Scheme } from "./challenge.js";

export type BearerErrorCode =
  | "invalid_request"
  | "invalid_token"
  | "insufficient_scope"
  | "invalid_dpop_proof"
  | "use_dpop_nonce";

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
  not_dpop_bound: "The token is not bound to a DPoP key",
  certificate_required: "The token is bound to a client certificate that was not presented",
  certificate_mismatch: "The token is bound to another client certificate",
  certificate_unusable: "The client certificate cannot be used",
  unbound_token: "The token must be bound to the sender",
  inactive: "The token is not active",
  revoked: "The token has been revoked",
} as const;

/** Why a DPoP proof was refused (401 `invalid_dpop_proof`, RFC 9449 §7.1). */
export const INVALID_DPOP_PROOF_DESCRIPTIONS = {
  missing: "A DPoP proof is required",
  multiple: "More than one DPoP proof was sent",
  malformed: "The DPoP proof is not a well-formed JWS compact JWT",
  too_large: "The DPoP proof is too large",
  duplicate_member: "The DPoP proof repeats a JSON member name",
  typ: "The DPoP proof type is not dpop+jwt",
  algorithm: "The DPoP proof algorithm is not accepted",
  critical_header: "The DPoP proof has an unsupported critical header",
  jwk: "The DPoP proof key is missing, private or not accepted",
  signature: "The DPoP proof signature is not valid",
  claim_type: "A DPoP proof claim is missing or has the wrong type",
  htm: "The DPoP proof is for another HTTP method",
  htu: "The DPoP proof is for another URL",
  iat: "The DPoP proof is too old or issued in the future",
  ath: "The DPoP proof is not for this access token",
  key_binding: "The DPoP proof key does not match the token binding",
  replay: "The DPoP proof has been used before",
  nonce: "The DPoP proof nonce is not valid",
} as const;

export type InvalidRequestReason = keyof typeof INVALID_REQUEST_DESCRIPTIONS;
export type InvalidTokenReason = keyof typeof INVALID_TOKEN_DESCRIPTIONS;
export type InvalidDPoPProofReason = keyof typeof INVALID_DPOP_PROOF_DESCRIPTIONS;

/** Where a 4xx challenge's context comes from: a verifier's full context, or only a realm. */
export type ChallengeSource = ChallengeContext | string | undefined;

function contextOf(source: ChallengeSource): ChallengeContext {
  return source !== undefined && typeof source === "object" ? source : realmOnly(source);
}

interface ChallengeParts {
  scheme?: Scheme | undefined;
  error?: string | undefined;
  errorDescription?: string | undefined;
  scope?: readonly string[] | undefined;
}

interface BearerErrorInit {
  status: number;
  message: string;
  code?: BearerErrorCode | undefined;
  /** Headers besides `WWW-Authenticate` (Retry-After, DPoP-Nonce). */
  headers?: Record<string, string>;
  /** Set for errors that carry a challenge (400, 401, 403). */
  challenge?: { context: ChallengeSource; parts: ChallengeParts };
  reason: string;
  /** Operator-facing detail beside the reason code (URLs, statuses); never part of a response. */
  detail?: string | undefined;
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
  /** The headers to send with the answer: `WWW-Authenticate`, `Retry-After`, `DPoP-Nonce`. */
  readonly headers: Record<string, string>;
  readonly code: BearerErrorCode | undefined;
  /** The short machine reason (`expired`, `signature`, `jwks_timeout`…); not part of any response. */
  declare readonly reason: string;
  /**
   * Human detail for logs beside the reason code, when there is one (which URL failed, with which
   * status); not part of any response and never holding token data.
   */
  declare readonly detail: string | undefined;
  /** The challenge parts, kept so the verifier can re-issue the header with its full context. */
  declare private readonly parts: ChallengeParts | undefined;

  protected constructor(init: BearerErrorInit) {
    super(init.message, init.cause === undefined ? undefined : { cause: init.cause });
    this.name = new.target.name;
    this.status = init.status;
    this.statusCode = init.status;
    this.expose = init.status < 500;
    this.headers = { ...init.headers };
    this.code = init.code;
    Object.defineProperty(this, "reason", { value: init.reason, enumerable: false });
    Object.defineProperty(this, "detail", { value: init.detail, enumerable: false });
    Object.defineProperty(this, "parts", { value: init.challenge?.parts, enumerable: false, writable: true });
    if (init.challenge) this.rechallenge(contextOf(init.challenge.context));
  }

  /**
   * Rebuilds `WWW-Authenticate` for `context` (a verifier's realm, metadata URL and schemes), the
   * scheme the request used and the scopes it needs, as far as they are known. Errors that carry no
   * challenge (500, 503) are left as they are. Returns the error itself.
   */
  rechallenge(context: ChallengeContext, scheme?: Scheme, scopes?: readonly string[]): this {
    const parts = this.parts;
    if (parts === undefined) return this;
    if (scheme !== undefined && parts.scheme === undefined) parts.scheme = scheme;
    if (scopes !== undefined && scopes.length > 0 && parts.scope === undefined) parts.scope = scopes;
    this.headers["WWW-Authenticate"] = formatChallenges(context, {
      scheme: parts.scheme,
      error: parts.error,
      errorDescription: parts.errorDescription,
      scope: parts.scope?.join(" "),
    });
    return this;
  }
}
// Splice our base under HttpError so that `instanceof HttpError` and `createError.isHttpError()` hold
// without calling the http-errors constructors (they return a fresh object, losing our prototype).
Object.setPrototypeOf(BearerError.prototype, createError.HttpError.prototype);

/** 401 without an error code: the request carried no credentials of an accepted scheme (RFC 6750 §3.1). */
export class MissingCredentialsError extends BearerError {
  constructor(context: ChallengeSource) {
    super({
      status: 401,
      message: "Bearer authentication is required",
      challenge: { context, parts: {} },
      reason: "no_credentials",
    });
  }
}

/** 400 `invalid_request`: the request itself is malformed. */
export class InvalidRequestError extends BearerError {
  constructor(reason: InvalidRequestReason, context: ChallengeSource) {
    const description = INVALID_REQUEST_DESCRIPTIONS[reason];
    super({
      status: 400,
      message: description,
      code: "invalid_request",
      challenge: { context, parts: { error: "invalid_request", errorDescription: description } },
      reason,
    });
  }
}

/** 401 `invalid_token`: the token is malformed, forged, expired, or not meant for this API. */
export class InvalidTokenError extends BearerError {
  constructor(reason: InvalidTokenReason, context: ChallengeSource, cause?: unknown) {
    const description = INVALID_TOKEN_DESCRIPTIONS[reason];
    super({
      status: 401,
      message: description,
      code: "invalid_token",
      challenge: { context, parts: { error: "invalid_token", errorDescription: description } },
      reason,
      cause,
    });
  }
}

/** 403 `insufficient_scope`: a valid token without the scopes the route requires. */
export class InsufficientScopeError extends BearerError {
  /** Every scope the route requires. */
  readonly scopes: readonly string[];

  constructor(required: readonly string[], context: ChallengeSource, scheme?: Scheme) {
    super({
      status: 403,
      message: "The token lacks a scope this resource requires",
      code: "insufficient_scope",
      challenge: { context, parts: { scheme, error: "insufficient_scope", scope: required } },
      reason: "insufficient_scope",
    });
    this.scopes = required;
  }
}

/** 401 `invalid_dpop_proof` (RFC 9449 §7.1): the DPoP proof is missing, malformed or fails a check. */
export class InvalidDPoPProofError extends BearerError {
  constructor(reason: InvalidDPoPProofReason, context: ChallengeSource, cause?: unknown) {
    const description = INVALID_DPOP_PROOF_DESCRIPTIONS[reason];
    super({
      status: 401,
      message: description,
      code: "invalid_dpop_proof",
      challenge: {
        context,
        parts: { scheme: "DPoP", error: "invalid_dpop_proof", errorDescription: description },
      },
      reason,
      cause,
    });
  }
}

/** 401 `use_dpop_nonce` (RFC 9449 §9): retry with the nonce in the `DPoP-Nonce` header. */
export class UseDPoPNonceError extends BearerError {
  constructor(
    nonce: string,
    context: ChallengeSource,
    reason: "nonce_missing" | "nonce_stale" = "nonce_missing",
  ) {
    const description = "Resource server requires nonce in DPoP proof";
    super({
      status: 401,
      message: description,
      code: "use_dpop_nonce",
      headers: { "DPoP-Nonce": nonce },
      challenge: {
        context,
        parts: { scheme: "DPoP", error: "use_dpop_nonce", errorDescription: description },
      },
      reason,
    });
  }
}

/**
 * 503: something needed to judge the token cannot be had right now: the signing keys, the
 * introspection endpoint, the replay store or cache. Deliberately not `invalid_token`: clients answer
 * that by fetching a new token, which would add load to a provider that is already failing.
 */
export class ServiceUnavailableError extends BearerError {
  /** Seconds after which a retry may succeed. */
  readonly retryAfter: number;

  constructor(message: string, reason: string, retryAfterSeconds: number, cause?: unknown, detail?: string) {
    const retryAfter = Math.max(1, Math.ceil(retryAfterSeconds));
    super({
      status: 503,
      message,
      headers: { "Retry-After": String(retryAfter) },
      reason,
      detail,
      cause,
    });
    this.retryAfter = retryAfter;
  }
}

/**
 * 503 for the signing keys: discovery or the JWKS cannot be had and nothing usable is cached.
 * `reason` is a code (`jwks_timeout`, `jwks_http_status`, `discovery_issuer_mismatch`, `backoff`…);
 * `detail` says which URL failed and how; `Retry-After` is the time left until the next fetch may run.
 */
export class KeysUnavailableError extends ServiceUnavailableError {
  constructor(reason: string, retryAfterSeconds: number, cause?: unknown, detail?: string) {
    super("The signing keys are unavailable; try again later", reason, retryAfterSeconds, cause, detail);
  }
}

/** 503 for introspection (RFC 7662): the endpoint is unreachable, slow, rate-limiting or broken. */
export class IntrospectionUnavailableError extends ServiceUnavailableError {
  constructor(reason: string, retryAfterSeconds: number, cause?: unknown) {
    super("Token introspection is unavailable; try again later", reason, retryAfterSeconds, cause);
  }
}

/** 503 for a shared store (DPoP replay store, introspection cache) that fails or is too slow. */
export class StoreUnavailableError extends ServiceUnavailableError {
  constructor(reason: string, retryAfterSeconds: number, cause?: unknown) {
    super("A required store is unavailable; try again later", reason, retryAfterSeconds, cause);
  }
}

/**
 * 500: an unexpected exception inside verification (a bug, or a user hook that threw where a 503 is not
 * right). Never `invalid_token`, which would make clients refetch tokens in a loop. Fixed text only.
 */
export class InternalVerifierError extends BearerError {
  constructor(reason: string, cause?: unknown, detail?: string) {
    super({ status: 500, message: "Internal error while verifying the request", reason, detail, cause });
  }
}

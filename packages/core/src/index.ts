/**
 * @resource-guard/core: the framework-agnostic verifier behind the Express, Koa and Fastify adapters.
 * This file is the whole public surface; everything else is internal.
 */
export { createVerifier } from "./create-verifier.js";
export {
  BearerError,
  type BearerErrorCode,
  INVALID_REQUEST_DESCRIPTIONS,
  INVALID_TOKEN_DESCRIPTIONS,
  InsufficientScopeError,
  InvalidRequestError,
  type InvalidRequestReason,
  InvalidTokenError,
  type InvalidTokenReason,
  KeysUnavailableError,
  MissingCredentialsError,
} from "./errors/bearer-error.js";
export { formatChallenge } from "./errors/challenge.js";
export { VERIFIER_OPTION_NAMES } from "./options/resolve-options.js";
export { assertAnyScope, assertClaims, assertScopes, parseRequiredScopes } from "./pipeline/scopes.js";
export * from "./presets/index.js";
export { resolveVerifier } from "./resolve-verifier.js";
export { type ErrorResponse, type ErrorResponseBody, toErrorResponse } from "./responses/error-response.js";
export type {
  Audience,
  AuthResult,
  ClaimCheck,
  ClaimPrimitive,
  ClaimRule,
  FetchLike,
  IssuerOptions,
  IssuerSettings,
  IssuerWithAudience,
  JWTHeader,
  JWTPayload,
  JwsAlgorithm,
  KeyErrorEvent,
  KeyFreshness,
  RequestLike,
  ScopeClaim,
  ScopeReader,
  SymmetricSecret,
  TokenCacheOptions,
  Verifier,
  VerifierOptions,
  VerifierOrOptions,
  VerifierSettings,
  VerifierStats,
} from "./types.js";

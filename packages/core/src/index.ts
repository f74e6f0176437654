/**
 * @resource-guard/core: the framework-agnostic verifier behind the Express, Koa and Fastify adapters.
 * This file is the whole public surface; everything else is internal.
 */
export { createVerifier } from "./create-verifier.js";
export {
  createMemoryReplayStore,
  DEFAULT_REPLAY_STORE_ENTRIES,
  type MemoryReplayStore,
  type MemoryReplayStoreOptions,
} from "./dpop/memory-replay-store.js";
export {
  BearerError,
  type BearerErrorCode,
  type ChallengeSource,
  INVALID_DPOP_PROOF_DESCRIPTIONS,
  INVALID_REQUEST_DESCRIPTIONS,
  INVALID_TOKEN_DESCRIPTIONS,
  InsufficientScopeError,
  InternalVerifierError,
  IntrospectionUnavailableError,
  InvalidDPoPProofError,
  type InvalidDPoPProofReason,
  InvalidRequestError,
  type InvalidRequestReason,
  InvalidTokenError,
  type InvalidTokenReason,
  KeysUnavailableError,
  MissingCredentialsError,
  ServiceUnavailableError,
  StoreUnavailableError,
  UseDPoPNonceError,
} from "./errors/bearer-error.js";
export {
  type ChallengeContext,
  type ChallengeError,
  type ChallengeParams,
  formatChallenge,
  formatChallenges,
  type Scheme,
} from "./errors/challenge.js";
export {
  type MetadataRequest,
  type MetadataResponse,
  metadataResponse,
} from "./metadata/metadata-response.js";
export { WELL_KNOWN_PATH } from "./metadata/protected-resource.js";
export { certificateThumbprint } from "./mtls/check-certificate.js";
export {
  CHANNEL_NAMES,
  type KeySetEvent,
  type KeySetEventType,
  type VerificationEvent,
  type VerificationOutcome,
} from "./observe/channels.js";
export { VERIFIER_OPTION_NAMES } from "./options/resolve-options.js";
export {
  anonymousContextOf,
  createGuard,
  type GuardKind,
  markAnonymous,
  type RouteGuard,
  type ScopeArgs,
} from "./pipeline/guards.js";
export { isCorsPreflight, peerCertificateOf } from "./pipeline/request.js";
export { assertAnyScope, assertClaims, assertScopes, parseRequiredScopes } from "./pipeline/scopes.js";
export * from "./presets/index.js";
export {
  type BearerAuthSettings,
  type BearerAuthSetup,
  resolveBearerAuth,
  resolveVerifier,
} from "./resolve-verifier.js";
export { type ErrorResponse, type ErrorResponseBody, toErrorResponse } from "./responses/error-response.js";
export type {
  Audience,
  AuthenticateOptions,
  AuthResult,
  ClaimCheck,
  ClaimPrimitive,
  ClaimRule,
  ClientCertificate,
  DPoPNonceOptions,
  DPoPOptions,
  FetchLike,
  InternalErrorEvent,
  IntrospectionCache,
  IntrospectionErrorEvent,
  IntrospectionOptions,
  IssuerOptions,
  IssuerSettings,
  IssuerWithAudience,
  JWTHeader,
  JWTPayload,
  JwsAlgorithm,
  KeyErrorEvent,
  KeyFreshness,
  MtlsOptions,
  OutboundBudgetOptions,
  ProtectedResourceDocument,
  ProtectedResourceMetadata,
  ReplayStore,
  RequestLike,
  ResourceMetadataOptions,
  ScopeClaim,
  ScopeReader,
  SymmetricSecret,
  TokenBinding,
  TokenCacheOptions,
  Verifier,
  VerifierOptions,
  VerifierOrOptions,
  VerifierSettings,
  VerifierStats,
} from "./types.js";

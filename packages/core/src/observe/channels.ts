/**
 * Observability through `node:diagnostics_channel`: every verification outcome and every key-set event
 * is published on channels named `resource-guard:…`, with reason codes and configured issuers only,
 * never token data (no token, claim, proof or hash of one). Any tool subscribes without a dependency of
 * ours: OpenTelemetry (see docs/observability.md), a metrics library, a logger.
 *
 * Nothing is built or published while nobody subscribes: the verifier checks `hasSubscribers` once per
 * request and otherwise runs exactly the uninstrumented path.
 *
 * Channels:
 * - `resource-guard:verify` (a TracingChannel: `tracing:resource-guard:verify:start|end|asyncStart|
 *   asyncEnd|error`): one trace per `authenticate`/`verify` call; its context is a VerificationEvent,
 *   filled in as the verification goes.
 * - `resource-guard:verification`: one VerificationEvent per call, when it is decided.
 * - `resource-guard:keys:fetch` (a TracingChannel): one trace per key-set fetch; context a KeySetEvent.
 * - `resource-guard:keys`: key-set events: fetched, failed, rotated, kid_miss, backoff.
 */
import { channel, tracingChannel } from "node:diagnostics_channel";

/** What one verification came to. */
export type VerificationOutcome = "accepted" | "anonymous" | "rejected" | "unavailable" | "error";

/** Published for each verification; also the context object of the `resource-guard:verify` trace. */
export interface VerificationEvent {
  outcome?: VerificationOutcome;
  /** The HTTP status of a failure (400, 401, 403, 500, 503). */
  status?: number;
  /** The RFC error code of a failure (`invalid_token`, `invalid_dpop_proof`…). */
  code?: string | undefined;
  /** The machine reason (`expired`, `signature`, `unknown_key`, `jwks_timeout`…). */
  reason?: string;
  /** The configured issuer the token was matched to, once it was (never an unmatched `iss`). */
  issuer?: string;
  /** The scheme the request used. */
  scheme?: "Bearer" | "DPoP";
  /** True when the token was answered from the verified-token cache. */
  cached?: boolean;
  /** True when the token was introspected (RFC 7662). */
  introspected?: boolean;
}

export type KeySetEventType = "fetched" | "failed" | "rotated" | "kid_miss" | "backoff";

/** Published for key-set events; also the context of the `resource-guard:keys:fetch` trace. */
export interface KeySetEvent {
  type?: KeySetEventType;
  issuer: string;
  /** The URL fetched (discovery or JWKS), when known. */
  url?: string | undefined;
  /** Failure reason code, for `failed` and `backoff`. */
  reason?: string;
  /** Usable keys in the set, for `fetched` and `rotated`. */
  keys?: number;
  /** Milliseconds until the next fetch may happen, for `backoff`. */
  retryInMs?: number;
}

/** The channel names, for subscribers. */
export const CHANNEL_NAMES = Object.freeze({
  verify: "resource-guard:verify",
  verification: "resource-guard:verification",
  keysFetch: "resource-guard:keys:fetch",
  keys: "resource-guard:keys",
});

export const verifyTrace = tracingChannel<unknown, VerificationEvent>(CHANNEL_NAMES.verify);
export const verificationChannel = channel(CHANNEL_NAMES.verification);
export const keysFetchTrace = tracingChannel<unknown, KeySetEvent>(CHANNEL_NAMES.keysFetch);
export const keysChannel = channel(CHANNEL_NAMES.keys);

/** True when anyone listens to verifications (one property read per channel on the hot path). */
export function isVerificationObserved(): boolean {
  return verificationChannel.hasSubscribers || verifyTrace.hasSubscribers;
}

/** Publishes a key-set event when anyone listens. */
export function publishKeySetEvent(event: KeySetEvent): void {
  if (keysChannel.hasSubscribers) keysChannel.publish(event);
}

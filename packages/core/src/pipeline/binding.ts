/**
 * Stage 6 of 8: the sender binding. Runs on every request, after the token was verified or found in
 * the verified-token cache, because a bound token is only as good as the proof that comes with it:
 * - RFC 9449 §7.1: a DPoP-bound token (`cnf.jkt`) needs the DPoP scheme and a valid proof; presented
 *   as a plain bearer token it is refused; a token without `cnf.jkt` presented as DPoP is refused.
 * - RFC 8705 §3: a certificate-bound token (`cnf["x5t#S256"]`) needs the client certificate of the
 *   connection with that thumbprint; without the `mtls` option it is refused, since it cannot be checked.
 * The checks themselves live in `dpop/` and `mtls/`; this stage only decides which one applies.
 */
import { InvalidTokenError } from "../errors/bearer-error.js";
import type { Scheme } from "../errors/challenge.js";
import { boundThumbprintOf } from "../mtls/check-certificate.js";
import type { AuthenticateOptions, AuthResult, RequestLike } from "../types.js";

/** Checks a request's proof of possession for a bound token. The certificate check is synchronous. */
export type SenderCheck = (
  auth: AuthResult,
  token: string,
  request: RequestLike,
  options: AuthenticateOptions<unknown> | undefined,
) => AuthResult | Promise<AuthResult>;

/** The binding checks a verifier has, from its options. */
export interface SenderChecks {
  /** DPoP proof check (RFC 9449 §4.3, §7.1); present when `dpop` is configured. */
  readonly dpop: SenderCheck | undefined;
  /** Certificate check (RFC 8705 §3); present when `mtls` is configured. */
  readonly mtls: SenderCheck | undefined;
  /** `mtls.required`: refuse tokens that are not certificate-bound (DPoP-bound ones included). */
  readonly mtlsRequired: boolean;
  /** Refuse DPoP-bound tokens presented as Bearer (default true; `rejectDPoPBoundTokens: false` loosens it). */
  readonly rejectDPoPBoundAsBearer: boolean;
}

/**
 * Applies the binding checks to `auth`, presented with `scheme`; returns the result to hand out (the
 * DPoP check may add response headers). Throws or rejects with a BearerError.
 */
export function checkBinding(
  auth: AuthResult,
  scheme: Scheme,
  token: string,
  request: RequestLike,
  options: AuthenticateOptions<unknown> | undefined,
  checks: SenderChecks,
): AuthResult | Promise<AuthResult> {
  const binding = auth.binding;
  if (scheme === "DPoP") {
    if (binding?.kind !== "dpop" || checks.dpop === undefined)
      throw new InvalidTokenError("not_dpop_bound", undefined);
    // A token bound to a DPoP key and to a certificate needs both proofs; the certificate is checked
    // first so that a refused request takes no room in the replay store.
    if (boundThumbprintOf(auth.claims) !== undefined) {
      if (checks.mtls === undefined) throw new InvalidTokenError("certificate_required", undefined);
      checks.mtls(auth, token, request, options);
    } else if (checks.mtlsRequired) throw new InvalidTokenError("unbound_token", undefined);
    return checks.dpop(auth, token, request, options);
  }
  if (binding === undefined) {
    if (checks.mtlsRequired) throw new InvalidTokenError("unbound_token", undefined);
    return auth;
  }
  if (binding.kind === "mtls") {
    if (checks.mtls === undefined) throw new InvalidTokenError("certificate_required", undefined);
    return checks.mtls(auth, token, request, options);
  }
  // A DPoP-bound token presented as a bearer token (RFC 9449 §7.1).
  if (checks.rejectDPoPBoundAsBearer) throw new InvalidTokenError("sender_constrained", undefined);
  return auth.scheme === "Bearer" ? auth : Object.freeze({ ...auth, scheme: "Bearer" as const });
}

/**
 * The DPoP proof check of a resource server (RFC 9449 §4.3 and §7.1), run on every request that
 * presents a DPoP-bound token with the `DPoP` scheme, after the token itself was verified (or found in
 * the verified-token cache: a cached token still needs a fresh proof every time).
 *
 * Checks, cheapest first so that garbage costs no crypto: one proof header, well-formed; the claims
 * have their types; `htm` is the request method; `htu` the request URL (normalised, query and fragment
 * ignored); `iat` inside the window (`iatWindowSeconds` back, `clockTolerance` forward); `ath` the
 * token's SHA-256; the protected header (`typ` `dpop+jwt`, `alg` on the allow-list, no `crit`, a public
 * `jwk` fitting `alg`) whose key has the RFC 7638 thumbprint the token's `cnf.jkt` names; the
 * signature; the nonce when nonces are on (§8, §9); and last the `jti`, recorded in the replay store
 * only once everything else holds, so a refused proof takes no room there.
 */
import { hash } from "node:crypto";
import { InternalVerifierError, InvalidDPoPProofError, UseDPoPNonceError } from "../errors/bearer-error.js";
import type { ResolvedDPoP } from "../options/dpop.js";
import type { SenderCheck } from "../pipeline/binding.js";
import { absoluteUrlOf } from "../pipeline/request.js";
import { verifyJwsSignature } from "../pipeline/verify.js";
import type { AuthResult } from "../types.js";
import { htuMatches } from "./htu.js";
import { NonceIssuer } from "./nonce.js";
import { ProofHeaderCache } from "./proof-key.js";
import { readProofHeader, splitProof } from "./read-proof.js";
import { rememberProof, replayKeyOf } from "./remember-proof.js";

/** Longest `jti` accepted; RFC 9449 §4.2 suggests 96 bits of randomness, far less than this. */
const MAX_JTI_LENGTH = 256;

function invalid(reason: ConstructorParameters<typeof InvalidDPoPProofError>[0]): never {
  throw new InvalidDPoPProofError(reason, undefined);
}

/** The verifier settings the proof check reads besides `dpop`. */
export interface ProofClock {
  readonly now: () => number;
  /** Seconds. */
  readonly clockTolerance: number;
}

/**
 * Builds the DPoP SenderCheck of one verifier, with its own proof-header cache and nonce issuer.
 * @example const check = createDPoPCheck(resolved.dpop, resolved);
 */
export function createDPoPCheck(options: ResolvedDPoP, clock: ProofClock): SenderCheck {
  const headers = new ProofHeaderCache(options.algorithmSet);
  const nonces = options.nonce === undefined ? undefined : new NonceIssuer(options.nonce);
  // RFC 9449 §4.2: ath = base64url(SHA-256(ASCII(access token))). A cached token comes back as the same
  // AuthResult, so its hash is computed once.
  const athOf = new WeakMap<AuthResult, string>();
  const { iatWindowSeconds, replayStore, storeTimeoutMs } = options;
  const { now, clockTolerance } = clock;

  return (auth, token, request, authOptions) => {
    const { headerSegment, claims, signingInput, signature } = splitProof(readProofHeader(request));
    const { jti, htm, htu, iat, ath, nonce } = claims;
    if (
      typeof jti !== "string" ||
      jti.length === 0 ||
      jti.length > MAX_JTI_LENGTH ||
      typeof htm !== "string" ||
      typeof htu !== "string" ||
      typeof iat !== "number" ||
      !Number.isFinite(iat) ||
      typeof ath !== "string" ||
      (nonce !== undefined && typeof nonce !== "string")
    ) {
      invalid("claim_type");
    }

    // RFC 9110 §9.1: methods are case-sensitive.
    if (htm !== request.method) invalid("htm");
    const url = absoluteUrlOf(request, authOptions);
    // No URL to compare with is a setup mistake (a RequestLike without `absoluteUrl`), not the client's.
    if (url === undefined) throw new InternalVerifierError("dpop_request_url_unknown");
    if (!htuMatches(htu, url)) invalid("htu");
    const nowMs = now();
    const nowSeconds = nowMs / 1000;
    if (iat > nowSeconds + clockTolerance || iat < nowSeconds - iatWindowSeconds - clockTolerance)
      invalid("iat");
    let expectedAth = athOf.get(auth);
    if (expectedAth === undefined) {
      expectedAth = hash("sha256", token, "base64url");
      athOf.set(auth, expectedAth);
    }
    if (ath !== expectedAth) invalid("ath");

    const header = headers.headerOf(headerSegment);
    // RFC 9449 §6.1: the token names the key by its RFC 7638 thumbprint.
    if (auth.binding?.kind !== "dpop" || header.jkt !== auth.binding.jkt) invalid("key_binding");
    if (!verifyJwsSignature(header.spec, header.key, Buffer.from(signingInput, "latin1"), signature))
      invalid("signature");

    let result: AuthResult = auth;
    if (nonces !== undefined) {
      if (nonce === undefined) throw new UseDPoPNonceError(nonces.current(nowMs), undefined, "nonce_missing");
      const standing = nonces.check(nonce as string, nowMs);
      if (standing === "invalid")
        throw new UseDPoPNonceError(nonces.current(nowMs), undefined, "nonce_stale");
      // RFC 9449 §8.2: a new nonce may be handed out with a successful answer.
      if (standing === "renew")
        result = Object.freeze({ ...auth, responseHeaders: { "DPoP-Nonce": nonces.current(nowMs) } });
    }

    // The proof stays acceptable until its iat leaves the window; it is remembered that long.
    const expiresAtMs = Math.ceil((iat + iatWindowSeconds + clockTolerance) * 1000);
    const remembered = rememberProof(replayStore, replayKeyOf(header.jkt, jti), expiresAtMs, storeTimeoutMs);
    return remembered === undefined ? result : remembered.then(() => result);
  };
}

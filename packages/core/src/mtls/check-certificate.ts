/**
 * The certificate binding check of RFC 8705 §3: a token whose `cnf` holds `x5t#S256` is accepted only
 * from a client that presented, on this request, the certificate with that SHA-256 thumbprint
 * (base64url of the hash of the DER bytes, §3.1). It runs on every request, after the verified-token
 * cache, since the certificate belongs to the connection, not to the token.
 *
 * The certificate is the TLS connection's (handed over by the adapter or the request), or with
 * `certificateHeader` the one a TLS-terminating proxy forwarded in that header, and then only that.
 * No certificate is 401 `certificate_required`; a different one `certificate_mismatch`; bytes that are
 * no certificate at all `certificate_unusable`. Parsing happens only when the thumbprints differ, to
 * name the reason: a certificate whose hash matches is the one the authorization server bound.
 */
import { createHash, X509Certificate } from "node:crypto";
import { InvalidTokenError } from "../errors/bearer-error.js";
import type { ResolvedMtls } from "../options/mtls.js";
import type { SenderCheck } from "../pipeline/binding.js";
import { clientCertificateOf } from "../pipeline/request.js";
import type { ClientCertificate } from "../types.js";
import { certificateFromHeader } from "./client-cert-header.js";

function derOf(certificate: ClientCertificate): Uint8Array | undefined {
  if (certificate instanceof X509Certificate) return certificate.raw;
  return certificate instanceof Uint8Array ? certificate : undefined;
}

function isCertificate(der: Uint8Array): boolean {
  try {
    new X509Certificate(der);
    return true;
  } catch {
    return false;
  }
}

/**
 * The RFC 8705 §3.1 thumbprint of a certificate: base64url(SHA-256(DER)).
 * @example const x5t = certificateThumbprint(new X509Certificate(pem)); // what cnf["x5t#S256"] holds
 */
export function certificateThumbprint(certificate: ClientCertificate): string {
  const der = derOf(certificate);
  if (der === undefined)
    throw new TypeError("resource-guard: a certificate is DER bytes or an X509Certificate");
  return createHash("sha256").update(der).digest("base64url");
}

/** The token's `cnf["x5t#S256"]` (its type was checked when the claims were read), if any. */
export function boundThumbprintOf(claims: Readonly<Record<string, unknown>>): string | undefined {
  const cnf = claims.cnf as Record<string, unknown> | undefined;
  const x5t = cnf === undefined ? undefined : cnf["x5t#S256"];
  return typeof x5t === "string" ? x5t : undefined;
}

/**
 * Builds the certificate SenderCheck of one verifier.
 * @example const check = createMtlsCheck(resolved.mtls);
 */
export function createMtlsCheck(options: ResolvedMtls): SenderCheck {
  const { certificateHeader } = options;
  return (auth, _token, request, authOptions) => {
    const x5t = boundThumbprintOf(auth.claims);
    if (x5t === undefined) throw new InvalidTokenError("unbound_token", undefined);
    const certificate =
      certificateHeader === undefined
        ? clientCertificateOf(request, authOptions)
        : certificateFromHeader(request, certificateHeader);
    if (certificate === undefined) throw new InvalidTokenError("certificate_required", undefined);
    const der = derOf(certificate);
    if (der === undefined || der.length === 0) throw new InvalidTokenError("certificate_unusable", undefined);
    if (createHash("sha256").update(der).digest("base64url") === x5t) return auth;
    throw new InvalidTokenError(
      isCertificate(der) ? "certificate_mismatch" : "certificate_unusable",
      undefined,
    );
  };
}

/**
 * Reads a client certificate from a header set by a TLS-terminating proxy, in the RFC 9440 §2.2 form:
 * `Client-Cert: :<base64 of the DER certificate>:`, an RFC 8941 Byte Sequence. Used only when the
 * `mtls.certificateHeader` option names the header; the proxy must then overwrite or remove that
 * header on every request it forwards, or any client could claim any certificate.
 */
import { InvalidTokenError } from "../errors/bearer-error.js";
import { headerValues } from "../pipeline/request.js";
import type { RequestLike } from "../types.js";

// RFC 8941 §3.3.5: base64 (RFC 4648 §4) between colons; padding is tolerated when missing.
const BYTE_SEQUENCE = /^:([A-Za-z0-9+/]*={0,2}):$/;
/** Longest header value read: certificates are a few kilobytes; this bounds the work on garbage. */
const MAX_HEADER_LENGTH = 16_384;

/**
 * The DER bytes in `header` of `request`; undefined when the header is absent. A header that is
 * repeated, too long or not a Byte Sequence is 401 `invalid_token` ("certificate_unusable").
 */
export function certificateFromHeader(request: RequestLike, header: string): Uint8Array | undefined {
  const values = headerValues(request.headers, header);
  if (values.length === 0) return undefined;
  const value = values.length === 1 ? values[0]?.trim() : undefined;
  const match = value !== undefined && value.length <= MAX_HEADER_LENGTH ? BYTE_SEQUENCE.exec(value) : null;
  const bytes = match ? Buffer.from(match[1] as string, "base64") : undefined;
  if (bytes === undefined || bytes.length === 0)
    throw new InvalidTokenError("certificate_unusable", undefined);
  return bytes;
}

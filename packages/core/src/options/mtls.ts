/**
 * Validates the `mtls` option (RFC 8705 §3) once, at construction: whether every token must be
 * certificate-bound, and where the client certificate comes from. By default it is the certificate of
 * the TLS connection; `certificateHeader` names the header a TLS-terminating proxy puts it in
 * (RFC 9440 `Client-Cert`), read only when configured, since any client can send any header.
 */
import type { MtlsOptions } from "../types.js";

export interface ResolvedMtls {
  readonly required: boolean;
  /** The header to read the certificate from, lower-cased; undefined: the TLS connection's. */
  readonly certificateHeader: string | undefined;
}

// RFC 9110 §5.6.2: a field name is a token.
const FIELD_NAME = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;

function fail(message: string): never {
  throw new TypeError(`resource-guard: ${message}`);
}

/** Resolves `mtls`; undefined when certificate-bound tokens are not accepted. */
export function resolveMtls(value: MtlsOptions | undefined): ResolvedMtls | undefined {
  if (value === undefined) return undefined;
  if (value === null || typeof value !== "object" || Array.isArray(value))
    fail(`"mtls" must be an object such as { required: false, certificateHeader: "client-cert" }`);
  for (const name of Object.keys(value)) {
    if (name !== "required" && name !== "certificateHeader")
      fail(`unknown option "${name}" in mtls; known options are: required, certificateHeader`);
  }
  if (value.required !== undefined && typeof value.required !== "boolean")
    fail(`"mtls.required" must be true or false`);
  const header = value.certificateHeader;
  if (header !== undefined && (typeof header !== "string" || !FIELD_NAME.test(header)))
    fail(`"mtls.certificateHeader" must be a header name such as "client-cert" (RFC 9440)`);
  return Object.freeze({ required: value.required ?? false, certificateHeader: header?.toLowerCase() });
}

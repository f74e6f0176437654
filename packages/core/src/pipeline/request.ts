/**
 * What the checks after the token itself read from a request: its absolute URL (RFC 9449 `htu`) and
 * the TLS client certificate (RFC 8705). Both are read lazily, only when a check needs them, through
 * the readers an adapter built once, or from the request itself (a RequestLike that names them, or a
 * Fetch API `Request`, whose `url` is absolute). Core never reads forwarding headers: which proxy is
 * believed is the framework's trust-proxy setting, applied by the adapter's reader.
 */
import type { AuthenticateOptions, ClientCertificate, RequestLike } from "../types.js";

function isAbsoluteHttpUrl(url: string): boolean {
  // "http://" or "https://", case-insensitively, without a regex pass per request.
  const colon = url.indexOf("://");
  if (colon !== 4 && colon !== 5) return false;
  const scheme = url.slice(0, colon).toLowerCase();
  return scheme === "http" || scheme === "https";
}

/** The request's absolute URL, or undefined when neither the adapter nor the request can say. */
export function absoluteUrlOf<R>(
  request: RequestLike,
  options: AuthenticateOptions<R> | undefined,
): string | undefined {
  const fromAdapter = options?.absoluteUrl?.(request as R);
  if (typeof fromAdapter === "string") return fromAdapter;
  if (typeof request.absoluteUrl === "string") return request.absoluteUrl;
  const { url } = request;
  return typeof url === "string" && isAbsoluteHttpUrl(url) ? url : undefined;
}

/** The request's TLS client certificate, or undefined when there is none. */
export function clientCertificateOf<R>(
  request: RequestLike,
  options: AuthenticateOptions<R> | undefined,
): ClientCertificate | undefined {
  return options?.clientCertificate?.(request as R) ?? request.clientCertificate;
}

/**
 * The DER bytes of the certificate a TLS peer presented, for adapters: `socket` is the request's
 * socket (a `tls.TLSSocket` on HTTPS servers that request certificates). Undefined on plain HTTP, or
 * when the client sent none.
 * @example clientCertificate: (req) => peerCertificateOf(req.socket)
 */
export function peerCertificateOf(socket: unknown): Uint8Array | undefined {
  const tls = socket as { getPeerCertificate?: (detailed?: boolean) => { raw?: Uint8Array } | null } | null;
  if (tls == null || typeof tls.getPeerCertificate !== "function") return undefined;
  const raw = tls.getPeerCertificate(false)?.raw;
  return raw !== undefined && raw.length > 0 ? raw : undefined;
}

/** All values of a request header, however the request holds its headers. */
export function headerValues(headers: RequestLike["headers"], name: string): string[] {
  if (typeof (headers as Headers).get === "function") {
    // Fetch Headers join repeated fields with ", "; callers that must count fields read them raw.
    const value = (headers as Headers).get(name);
    return value === null ? [] : [value];
  }
  const value = (headers as Record<string, string | string[] | undefined>)[name];
  if (value === undefined) return [];
  return Array.isArray(value) ? value : [value];
}

/**
 * True for a CORS preflight (Fetch standard: `OPTIONS` with `Access-Control-Request-Method`). Browsers
 * never send credentials on a preflight, so challenging one only breaks CORS; adapters let it through
 * without authentication, to whatever CORS middleware answers it.
 */
export function isCorsPreflight(request: RequestLike): boolean {
  return (
    request.method === "OPTIONS" && headerValues(request.headers, "access-control-request-method").length > 0
  );
}

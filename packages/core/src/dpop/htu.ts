/**
 * The `htu` check of RFC 9449 §4.3 (item 9): the proof's URL must be the request's URL, query and
 * fragment ignored. The RFC asks for syntax-based and scheme-based normalisation (RFC 3986 §6.2.2,
 * §6.2.3) before comparing, so that `HTTPS://API.example.com:443/a/./b` and `https://api.example.com/a/b`
 * are the same URL: scheme and host lower-cased, the default port dropped, an empty path made `/`, dot
 * segments removed, percent-encodings of unreserved characters decoded and the others upper-cased.
 *
 * The request URL comes from the adapter, as the framework reconstructs it under its own trust-proxy
 * setting; nothing here reads a forwarding header. Most proofs carry exactly the URL the server sees,
 * so a plain string comparison answers first and the parser runs only when the strings differ.
 */

// RFC 3986 §2.3: unreserved = ALPHA / DIGIT / "-" / "." / "_" / "~".
const UNRESERVED = /^[A-Za-z0-9\-._~]$/;
const PERCENT_ENCODED = /%[0-9A-Fa-f]{2}/g;

/** The URL up to (not including) its query or fragment. */
export function withoutQueryAndFragment(url: string): string {
  let end = url.length;
  const query = url.indexOf("?");
  if (query !== -1) end = query;
  const fragment = url.indexOf("#");
  if (fragment !== -1 && fragment < end) end = fragment;
  return end === url.length ? url : url.slice(0, end);
}

function normalisePercentEncoding(path: string): string {
  return path.replace(PERCENT_ENCODED, (encoded) => {
    const char = String.fromCharCode(Number.parseInt(encoded.slice(1), 16));
    return UNRESERVED.test(char) ? char : encoded.toUpperCase();
  });
}

/**
 * The normalised form of an absolute `http:`/`https:` URL without query and fragment, or undefined
 * when it is not one. Userinfo is kept, so a URL carrying it never equals a request URL.
 */
export function normaliseHttpUrl(url: string): string | undefined {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return undefined;
  }
  // WHATWG URL parsing lower-cases scheme and host, drops the default port and removes dot segments.
  if (parsed.protocol !== "http:" && parsed.protocol !== "https:") return undefined;
  const userinfo =
    parsed.username === "" && parsed.password === "" ? "" : `${parsed.username}:${parsed.password}@`;
  return `${parsed.protocol}//${userinfo}${parsed.host}${normalisePercentEncoding(parsed.pathname)}`;
}

/**
 * True when the proof's `htu` names the request URL (RFC 9449 §4.3), query and fragment ignored on
 * both sides, after RFC 3986 normalisation.
 * @example htuMatches("https://API.example.com:443/orders", "https://api.example.com/orders?page=2") // true
 */
export function htuMatches(htu: string, requestUrl: string): boolean {
  const claimed = withoutQueryAndFragment(htu);
  const actual = withoutQueryAndFragment(requestUrl);
  if (claimed === actual) return true;
  const normalisedClaim = normaliseHttpUrl(claimed);
  return normalisedClaim !== undefined && normalisedClaim === normaliseHttpUrl(actual);
}

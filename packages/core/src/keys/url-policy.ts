/**
 * Which URLs the key layer may fetch. Keys fetched over plain HTTP can be swapped by anyone on the
 * path, which defeats every signature check, so `http:` is refused except on loopback (local
 * development, tests) or when the user opts in with `allowInsecureHttp`.
 */

function isLoopbackHost(hostname: string): boolean {
  const host = hostname.replace(/^\[|\]$/g, "").toLowerCase();
  return (
    host === "localhost" || host.endsWith(".localhost") || host === "::1" || /^127(\.\d{1,3}){3}$/.test(host)
  );
}

/** Returns why `url` may not be fetched, or undefined when it may. */
export function whyUrlIsRefused(url: string, allowInsecureHttp: boolean): string | undefined {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return "is not an absolute URL";
  }
  if (parsed.username || parsed.password) return "must not carry credentials";
  if (parsed.protocol === "https:") return undefined;
  if (parsed.protocol === "http:") {
    if (allowInsecureHttp || isLoopbackHost(parsed.hostname)) return undefined;
    return 'uses plain http on a non-loopback host (set "allowInsecureHttp: true" to allow it)';
  }
  return "must be an https: URL";
}

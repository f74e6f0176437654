/**
 * One HTTP request and its response, kept whole so the transcript can show both and the scenario
 * can judge the response. Every request the demo makes, to the authorization server or to the API,
 * goes through `send()`, so what is printed is exactly what went over the wire.
 */

export interface OutgoingRequest {
  method: "GET" | "POST";
  url: string;
  headers?: Record<string, string>;
  body?: string;
}

export interface Exchange {
  request: OutgoingRequest;
  status: number;
  statusText: string;
  headers: Headers;
  /** The raw response body. */
  body: string;
  /** The body parsed as JSON, when it is JSON. */
  json: unknown;
}

/** How long the demo waits for any answer before it calls the step failed. */
const REQUEST_TIMEOUT_MS = 10_000;

/**
 * Sends a request over real HTTP and records the exchange.
 *
 * @example
 * const exchange = await send({ method: "GET", url: `${api}/health` });
 * exchange.status; // 200
 */
export async function send(request: OutgoingRequest): Promise<Exchange> {
  const response = await fetch(request.url, {
    method: request.method,
    headers: request.headers ?? {},
    body: request.body,
    signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
  });
  const body = await response.text();
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch {
    json = undefined;
  }
  return {
    request,
    status: response.status,
    statusText: response.statusText,
    headers: response.headers,
    body,
    json,
  };
}

/** The `error` auth-param of a `WWW-Authenticate: Bearer …` challenge, or undefined (RFC 6750 §3). */
export function challengeError(exchange: Exchange): string | undefined {
  const challenge = exchange.headers.get("www-authenticate") ?? "";
  return /(?:^|[\s,])error="([^"]*)"/.exec(challenge)?.[1];
}

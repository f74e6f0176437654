/**
 * The command line's own HTTP requests (`discover`, `token`). Core keeps its network to itself; the
 * command line is a separate tool that reports what a provider serves, so it fetches for itself,
 * bounded in time and size, and turns every transport failure into a NetworkError (exit code 3).
 */

const MAX_BYTES = 1024 * 1024;

/** The provider could not be reached or answered something unusable: exit code 3. */
export class NetworkError extends Error {
  override name = "NetworkError";
}

export interface HttpAnswer {
  url: string;
  status: number;
  headers: Headers;
  text: string;
  /** The parsed body when it is JSON, otherwise undefined. */
  json: unknown;
}

export interface HttpRequest {
  method?: "GET" | "POST";
  headers?: Record<string, string>;
  body?: string;
  timeoutMs: number;
}

async function readText(response: Response, url: string): Promise<string> {
  if (!response.body) return "";
  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > MAX_BYTES) {
      await reader.cancel().catch(() => undefined);
      throw new NetworkError(`${url} answered with more than ${MAX_BYTES} bytes`);
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks, size).toString("utf8");
}

function describeFailure(error: unknown, url: string, timeoutMs: number): NetworkError {
  if (error instanceof NetworkError) return error;
  if (error instanceof Error && error.name === "TimeoutError")
    return new NetworkError(`${url} did not answer within ${timeoutMs} ms`);
  const code = (error as { cause?: { code?: string } }).cause?.code;
  return new NetworkError(`${url} could not be reached${code ? ` (${code})` : ""}`);
}

/** One HTTP request; resolves with any status, rejects with NetworkError when no answer came. */
export async function request(url: string, init: HttpRequest): Promise<HttpAnswer> {
  let response: Response;
  let text: string;
  try {
    response = await fetch(url, {
      method: init.method ?? "GET",
      headers: { accept: "application/json", ...init.headers },
      ...(init.body === undefined ? {} : { body: init.body }),
      // A POST carries credentials: never replay it to wherever a redirect points.
      redirect: init.method === "POST" ? "manual" : "follow",
      signal: AbortSignal.timeout(init.timeoutMs),
    });
    text = await readText(response, url);
  } catch (error) {
    throw describeFailure(error, url, init.timeoutMs);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { url, status: response.status, headers: response.headers, text, json };
}

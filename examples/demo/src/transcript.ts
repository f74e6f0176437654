/**
 * The demo's readable transcript: for each step, what the integrator does and why, the request line
 * and the headers that matter, the response status, challenge and body, and a ✔ or ✘ line that
 * compares what was expected with what came back. Tokens are shortened for display; everything else
 * is printed as sent. The verdict lines have a fixed shape (`✔ step 3: expected 200, got 200`)
 * because the end-to-end test reads them.
 */
import type { Exchange, OutgoingRequest } from "./http-exchange.js";

/** Request and response headers worth showing; the rest is framework noise. */
const SHOWN_REQUEST_HEADERS = ["authorization", "content-type"];
const SHOWN_RESPONSE_HEADERS = ["www-authenticate", "retry-after"];

export type Write = (line: string) => void;

/** Shortens a JWT for display: its first and last characters and its length. */
export function shortenToken(token: string): string {
  return token.length <= 40 ? token : `${token.slice(0, 24)}…${token.slice(-8)} (${token.length} chars)`;
}

/**
 * Writes transcript lines; colours the verdict marks only on a terminal that wants colour.
 *
 * @example
 * const transcript = createTranscript(console.log, process.stdout.isTTY);
 * transcript.step(1, "Get a token");
 */
export function createTranscript(write: Write, colour: boolean) {
  const paint = (code: number, text: string) => (colour ? `\x1b[${code}m${text}\x1b[0m` : text);

  return {
    heading(text: string) {
      write("");
      write(paint(1, text));
    },
    line(text = "") {
      write(text);
    },
    step(number: number, title: string, why?: string) {
      write("");
      write(paint(1, `[${number}] ${title}`));
      if (why) write(`    ${why}`);
    },
    note(text: string) {
      write(`    … ${text}`);
    },
    request(request: OutgoingRequest) {
      write(`    → ${request.method} ${request.url}`);
      for (const [name, value] of Object.entries(request.headers ?? {})) {
        if (SHOWN_REQUEST_HEADERS.includes(name.toLowerCase()))
          write(`      ${name}: ${shortenHeader(value)}`);
      }
      if (request.body) write(`      ${request.body}`);
    },
    response(exchange: Exchange) {
      write(`    ← ${exchange.status} ${exchange.statusText}`);
      for (const name of SHOWN_RESPONSE_HEADERS) {
        const value = exchange.headers.get(name);
        if (value !== null) write(`      ${displayName(name)}: ${value}`);
      }
      if (exchange.body) write(`      ${shortenBody(exchange)}`);
    },
    verdict(number: number, passed: boolean, expected: string, got: string) {
      const mark = passed ? paint(32, "✔") : paint(31, "✘");
      write(`    ${mark} step ${number}: expected ${expected}, got ${got}`);
    },
  };
}

export type Transcript = ReturnType<typeof createTranscript>;

function shortenHeader(value: string): string {
  const bearer = /^Bearer (\S+)$/.exec(value);
  return bearer ? `Bearer ${shortenToken(bearer[1]!)}` : value;
}

function shortenBody(exchange: Exchange): string {
  const json = exchange.json;
  if (
    json &&
    typeof json === "object" &&
    typeof (json as { access_token?: unknown }).access_token === "string"
  ) {
    const body = json as { access_token: string };
    return JSON.stringify({ ...body, access_token: shortenToken(body.access_token) });
  }
  return exchange.body;
}

function displayName(header: string): string {
  return header === "www-authenticate"
    ? "WWW-Authenticate"
    : header.replace(/(^|-)([a-z])/g, (m) => m.toUpperCase());
}

/**
 * Request headers read straight from Node's raw header list, for apps served by @hono/node-server.
 *
 * There, the first `c.req.raw.headers.get(name)` of a request makes a header object, copies the raw
 * list and runs two regular expressions, one of them over the whole value: for a bearer token,
 * 1–2 µs of a request on a slow machine, more than everything else resource-guard does for a token it
 * has already verified. Core only ever calls `get`, so this view answers `get` as Fetch `Headers` would
 * for a request Node has parsed: names compared without regard to case, the values of a repeated
 * field joined with ", " (two Authorization headers stay one malformed value, as they are on Bun and
 * Deno), null when absent. Node's parser has already trimmed the values and refused the bytes Fetch
 * forbids in them (NUL, CR, LF).
 */
export class RawHeaderView {
  constructor(private readonly raw: readonly string[]) {}

  get(name: string): string | null {
    const wanted = name.toLowerCase();
    let value: string | null = null;
    for (let i = 0; i < this.raw.length - 1; i += 2) {
      const field = this.raw[i] as string;
      if (field.length !== wanted.length || (field !== wanted && field.toLowerCase() !== wanted)) continue;
      const next = this.raw[i + 1] as string;
      value = value === null ? next : `${value}, ${next}`;
    }
    return value;
  }
}

/** The raw header list of the Node request @hono/node-server handed Hono, if the app runs there. */
export function rawHeadersOf(incoming: { rawHeaders?: unknown } | undefined): readonly string[] | undefined {
  const raw = incoming?.rawHeaders;
  return Array.isArray(raw) ? (raw as string[]) : undefined;
}

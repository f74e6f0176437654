/**
 * An independent reader of `WWW-Authenticate` challenges, written from the ABNF of RFC 7235 §2.1 and
 * §4.1 (with RFC 7230 §3.2.6 token and quoted-string) and the Bearer rules of RFC 6750 §3. The
 * property tests parse every challenge core produces with it, so a header that a strict client could
 * not read fails a test even if core's own serialiser thinks it is fine.
 */

export interface ParsedChallenge {
  scheme: string;
  params: Record<string, string>;
}

// RFC 7230 §3.2.6: tchar = "!" / "#" / "$" / "%" / "&" / "'" / "*" / "+" / "-" / "." / "^" / "_" / "`" / "|" / "~" / DIGIT / ALPHA
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+/;
const OWS = /^[ \t]*/;
// RFC 6750 §3: error, error_description and scope values are %x20-21 / %x23-5B / %x5D-7E.
const BEARER_VALUE = /^[\x20\x21\x23-\x5B\x5D-\x7E]*$/;
// RFC 6749 §3.3: scope = scope-token *( SP scope-token ), scope-token = 1*( %x21 / %x23-5B / %x5D-7E )
const SCOPE = /^[\x21\x23-\x5B\x5D-\x7E]+(?: [\x21\x23-\x5B\x5D-\x7E]+)*$/;

class Reader {
  constructor(
    private text: string,
    private pos = 0,
  ) {}
  get rest(): string {
    return this.text.slice(this.pos);
  }
  done(): boolean {
    return this.pos >= this.text.length;
  }
  take(re: RegExp): string | undefined {
    const m = re.exec(this.rest);
    if (!m) return undefined;
    this.pos += m[0].length;
    return m[0];
  }
  peek(): string | undefined {
    return this.text[this.pos];
  }
  next(): string | undefined {
    return this.text[this.pos++];
  }
}

function quotedString(r: Reader): string {
  if (r.next() !== '"') throw new SyntaxError("expected a quoted-string");
  let value = "";
  for (;;) {
    const c = r.next();
    if (c === undefined) throw new SyntaxError("unterminated quoted-string");
    if (c === '"') return value;
    if (c === "\\") {
      const escaped = r.next();
      // quoted-pair = "\" ( HTAB / SP / VCHAR / obs-text )
      if (escaped === undefined || !/[\t\x20-\x7E\x80-\xFF]/.test(escaped))
        throw new SyntaxError("bad quoted-pair");
      value += escaped;
      continue;
    }
    // qdtext = HTAB / SP / %x21 / %x23-5B / %x5D-7E / obs-text
    if (!/[\t\x20\x21\x23-\x5B\x5D-\x7E\x80-\xFF]/.test(c)) throw new SyntaxError("bad qdtext");
    value += c;
  }
}

/**
 * Parses one challenge (`auth-scheme [ 1*SP #auth-param ]`). Throws SyntaxError on anything the
 * grammar does not allow, including a repeated parameter name (RFC 7235 §2.1).
 */
export function parseChallenge(header: string): ParsedChallenge {
  const r = new Reader(header);
  const scheme = r.take(TOKEN);
  if (!scheme) throw new SyntaxError("missing auth-scheme");
  const params: Record<string, string> = {};
  if (r.done()) return { scheme, params };
  if (!r.take(/^ +/)) throw new SyntaxError("auth-scheme must be followed by SP");
  for (let first = true; !r.done(); first = false) {
    if (!first) {
      r.take(OWS);
      if (r.next() !== ",") throw new SyntaxError("expected ',' between auth-params");
      r.take(OWS);
    }
    const name = r.take(TOKEN)?.toLowerCase();
    if (!name) throw new SyntaxError("expected an auth-param name");
    r.take(OWS);
    if (r.next() !== "=") throw new SyntaxError("expected '=' after auth-param name");
    r.take(OWS);
    const value = r.peek() === '"' ? quotedString(r) : r.take(TOKEN);
    if (value === undefined) throw new SyntaxError("expected a token or quoted-string value");
    if (Object.hasOwn(params, name)) throw new SyntaxError(`auth-param ${name} repeated`);
    params[name] = value;
  }
  return { scheme, params };
}

/**
 * Parses a Bearer challenge and checks RFC 6750 §3 on top of the grammar: scheme Bearer, only the
 * characters §3 allows in `error`, `error_description` and `scope`, and a well-formed scope list.
 */
export function parseBearerChallenge(header: string): ParsedChallenge {
  const challenge = parseChallenge(header);
  if (challenge.scheme.toLowerCase() !== "bearer") throw new SyntaxError("scheme is not Bearer");
  for (const name of ["error", "error_description", "error_uri", "scope"]) {
    const value = challenge.params[name];
    if (value !== undefined && !BEARER_VALUE.test(value))
      throw new SyntaxError(`${name} has characters §3 forbids`);
  }
  const scope = challenge.params.scope;
  if (scope !== undefined && !SCOPE.test(scope)) throw new SyntaxError("scope is not a scope-token list");
  return challenge;
}

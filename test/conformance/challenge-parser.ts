/**
 * A strict parser for the `WWW-Authenticate` field (RFC 9110 §11.6.1, §11.2), written for the tests
 * so that challenges are compared as auth-params, the way a client reads them, rather than as bytes.
 * It throws on anything a client could not parse (unterminated quotes, missing `=`, stray commas),
 * which makes a malformed header fail the conformance table too.
 */

export interface Challenge {
  scheme: string;
  /** Parameter names lower-cased (they are case-insensitive); values unquoted. */
  params: Record<string, string>;
}

// RFC 9110 §5.6.2: tchar.
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+/;

/** Parses every challenge in a `WWW-Authenticate` value; throws when the value is malformed. */
export function parseChallenges(value: string): Challenge[] {
  const challenges: Challenge[] = [];
  let rest = value;
  const skipSpace = () => {
    rest = rest.replace(/^[ \t]+/, "");
  };
  const fail = (why: string): never => {
    throw new Error(`malformed WWW-Authenticate (${why}): ${JSON.stringify(value)}`);
  };
  const readToken = (): string | undefined => {
    const match = TOKEN.exec(rest);
    if (!match) return undefined;
    rest = rest.slice(match[0].length);
    return match[0];
  };
  const readQuoted = (): string => {
    let out = "";
    let i = 1;
    for (; i < rest.length; i++) {
      const c = rest[i];
      if (c === "\\") {
        i++;
        if (i >= rest.length) fail("dangling escape");
        out += rest[i];
      } else if (c === '"') {
        rest = rest.slice(i + 1);
        return out;
      } else {
        out += c;
      }
    }
    return fail("unterminated quoted-string");
  };

  skipSpace();
  while (rest.length > 0) {
    const scheme = readToken() ?? fail("expected an auth-scheme");
    const challenge: Challenge = { scheme, params: {} };
    challenges.push(challenge);
    skipSpace();
    // Auth-params until the next challenge (a token not followed by "=") or the end.
    while (rest.length > 0) {
      if (rest.startsWith(",")) {
        rest = rest.slice(1);
        skipSpace();
        continue;
      }
      const save = rest;
      const name = readToken() ?? fail("expected an auth-param name");
      skipSpace();
      if (!rest.startsWith("=")) {
        rest = save; // The start of the next challenge.
        break;
      }
      rest = rest.slice(1);
      skipSpace();
      const param = rest.startsWith('"')
        ? readQuoted()
        : (readToken() ?? fail("expected an auth-param value"));
      const key = name.toLowerCase();
      if (key in challenge.params) fail(`repeated auth-param ${key}`);
      challenge.params[key] = param;
      skipSpace();
      if (rest.length > 0 && !rest.startsWith(",")) fail("expected a comma");
    }
  }
  return challenges;
}

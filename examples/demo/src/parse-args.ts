/**
 * The demo's command line. Kept apart from the demo itself so the flags, their defaults and the
 * usage text are in one place (docs/demo.md repeats them).
 */
import { parseArgs } from "node:util";
import { FRAMEWORKS, type Framework, isFramework } from "./start-api.js";

export interface DemoArgs {
  framework: Framework;
  serve: boolean;
  /** Lifetime of the tokens the authorization server issues, in seconds. */
  tokenTtl: number;
  /** Opaque access tokens, which the API introspects (RFC 7662), instead of JWTs. */
  opaque: boolean;
  help: boolean;
}

export const USAGE = `Usage: pnpm demo [--framework express|koa|fastify|hono|nestjs] [--opaque] [--serve] [--token-ttl seconds]

  --framework   which example API to run (default express)
  --opaque      opaque access tokens, which the API introspects at the authorization server
                (RFC 7662), instead of JWTs
  --serve       keep the authorization server and the API up and print curl commands;
                ports AS_PORT (default 4000) and API_PORT (default 4001)
  --token-ttl   access token lifetime in seconds (default 5; 300 with --serve)`;

/**
 * Parses the demo's flags; throws a TypeError with a readable message on a bad one.
 *
 * @example
 * parseDemoArgs(["--framework", "koa"]); // { framework: "koa", serve: false, tokenTtl: 5, opaque: false, help: false }
 */
export function parseDemoArgs(argv: readonly string[]): DemoArgs {
  // `pnpm demo -- --serve` passes the separator through; it is not a positional marker here.
  const args = argv.filter((arg) => arg !== "--");
  const { values } = parseArgs({
    args,
    options: {
      framework: { type: "string", default: "express" },
      serve: { type: "boolean", default: false },
      opaque: { type: "boolean", default: false },
      "token-ttl": { type: "string" },
      help: { type: "boolean", short: "h", default: false },
    },
    strict: true,
  });
  const framework = values.framework ?? "express";
  if (!isFramework(framework)) {
    throw new TypeError(`--framework must be one of ${FRAMEWORKS.join(", ")} (got "${framework}")`);
  }
  const serve = values.serve ?? false;
  const tokenTtl = values["token-ttl"] === undefined ? (serve ? 300 : 5) : Number(values["token-ttl"]);
  if (!Number.isInteger(tokenTtl) || tokenTtl < 1) {
    throw new TypeError("--token-ttl must be a whole number of seconds, at least 1");
  }
  return { framework, serve, tokenTtl, opaque: values.opaque ?? false, help: values.help ?? false };
}

/**
 * Runs a quick start from docs/frameworks.md as a user would paste it: the code block marked
 * `<!-- quick-start: <framework> -->` is saved as an .mjs (or, for a TypeScript block, .ts) file in
 * the adapter's test folder (so its imports resolve the way they do for a user), started with
 * ISSUER/AUDIENCE pointing at a test IdP and PORT=0, and checked over real HTTP. The docs then cannot
 * drift from what works.
 */
import { execFile } from "node:child_process";
import { mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { Server } from "node:http";
import type { AddressInfo } from "node:net";
import { promisify } from "node:util";
import { expect, vi } from "vitest";
import { parseChallenges } from "./challenge-parser.js";

// Each start writes a file of its own, so a second start of the same block is a fresh module.
let started = 0;

// The README shows the same quick starts as docs/frameworks.md; both copies must stay identical.
const DOCS = ["../../README.md", "../../docs/frameworks.md"].map((path) => new URL(path, import.meta.url));

/** A quick start's code and language: `js` blocks run as .mjs, `ts` blocks (NestJS's decorators) as .ts. */
export interface Block {
  code: string;
  language: "js" | "ts";
}

/** The block marked `<!-- quick-start: <name> -->` in `doc`; throws when there is none. */
export function blockOf(doc: URL, framework: string): Block {
  const text = readFileSync(doc, "utf8");
  for (const language of ["js", "ts"] as const) {
    const marker = `<!-- quick-start: ${framework} -->\n\`\`\`${language}\n`;
    const start = text.indexOf(marker);
    if (start === -1) continue;
    const end = text.indexOf("\n```", start + marker.length);
    return { code: text.slice(start + marker.length, end + 1), language };
  }
  throw new Error(`${doc.pathname} has no quick start for ${framework}`);
}

/** The quick-start block for `framework`; throws when a doc lacks it or the copies differ. */
function quickStart(framework: string): Block {
  const [readme, guide] = DOCS.map((doc) => blockOf(doc, framework)) as [Block, Block];
  if (readme.code !== guide.code || readme.language !== guide.language)
    throw new Error(`the ${framework} quick start differs between README.md and docs/frameworks.md`);
  return readme;
}

/** The code of the quick-start block for `framework`; throws when a doc lacks it or the copies differ. */
export function quickStartCode(framework: string): string {
  return quickStart(framework).code;
}

/**
 * Starts the quick start of `framework` from `testDir` (the adapter's test folder URL), returns its
 * origin and a close function that stops its server and removes the file. `env` is set for it, with
 * PORT=0 unless given; `code` replaces the block of the two docs (for a block only one doc has).
 */
export async function startQuickStart(
  framework: string,
  testDir: URL,
  env: Record<string, string>,
  block: Block = quickStart(framework),
): Promise<{ url: string; close(): Promise<void> }> {
  const dir = new URL(".tmp/", testDir);
  mkdirSync(dir, { recursive: true });
  const { code, language } = block;
  // A .ts block is compiled with the adapter's tsconfig (the test folder's nearest), as a user's would be.
  const file = new URL(
    `quick-start-${framework}-${process.pid}-${++started}.${language === "js" ? "mjs" : "ts"}`,
    dir,
  );
  writeFileSync(file, code);

  const servers: Server[] = [];
  const listen = Server.prototype.listen;
  const spy = vi.spyOn(Server.prototype, "listen").mockImplementation(function (
    this: Server,
    ...args: unknown[]
  ) {
    servers.push(this);
    return (listen as (...a: unknown[]) => Server).apply(this, args);
  });
  const log = vi.spyOn(console, "log").mockImplementation(() => {});
  for (const [name, value] of Object.entries({ PORT: "0", ...env })) vi.stubEnv(name, value);
  const cleanUp = () => {
    spy.mockRestore();
    log.mockRestore();
    vi.unstubAllEnvs();
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    await import(file.href);
    // A quick start may listen from a function it does not await (Nest's `bootstrap()`).
    const server = await vi.waitFor(
      () => {
        if (!servers[0]) throw new Error(`the ${framework} quick start did not listen`);
        return servers[0];
      },
      { timeout: 20_000, interval: 20 },
    );
    if (!server.listening)
      await new Promise((resolve, reject) => {
        server.once("listening", resolve);
        // A port taken meanwhile (a test that picked one) must fail the start, not hang it.
        server.once("error", reject);
      });
    const { port } = server.address() as AddressInfo;
    return {
      url: `http://127.0.0.1:${port}`,
      async close() {
        for (const s of servers) {
          s.closeAllConnections();
          await new Promise<void>((resolve) => s.close(() => resolve()));
        }
        cleanUp();
      },
    };
  } catch (err) {
    cleanUp();
    throw err;
  }
}

/** The requests of the docs' "Try it" section, with what each must answer. */
export async function checkQuickStart(url: string, sign: (scope?: string) => Promise<string>): Promise<void> {
  const get = (path: string, token?: string) =>
    fetch(url + path, token === undefined ? {} : { headers: { authorization: `Bearer ${token}` } });

  const health = await get("/health");
  expect(health.status).toBe(200);
  expect(await health.json()).toEqual({ ok: true });

  const missing = await get("/me");
  expect(missing.status).toBe(401);
  expect(missing.headers.get("www-authenticate")).toBe('Bearer realm="api"');
  expect(missing.headers.get("content-type")).toMatch(/^application\/json(; charset=utf-8)?$/);
  expect(await missing.json()).toEqual({
    error: "unauthorized",
    error_description: "Bearer authentication is required",
  });

  const me = await get("/me", await sign("orders:read"));
  expect(me.status).toBe(200);
  expect(await me.json()).toEqual({ sub: "user-1", scopes: ["orders:read"] });

  const forbidden = await get("/orders", await sign("profile"));
  expect(forbidden.status).toBe(403);
  expect(parseChallenges(forbidden.headers.get("www-authenticate") ?? "")).toEqual([
    { scheme: "Bearer", params: { realm: "api", error: "insufficient_scope", scope: "orders:read" } },
  ]);
  expect(await forbidden.json()).toEqual({
    error: "insufficient_scope",
    error_description: "The token lacks a scope this resource requires",
  });

  const orders = await get("/orders", await sign("orders:read"));
  expect(orders.status).toBe(200);
  expect(await orders.json()).toEqual([{ id: 1, item: "coffee" }]);
}

/**
 * The README's "Get a token and try it" commands: the environment the quick start is started with
 * (`ISSUER=… AUDIENCE=… node server.mjs`) and the shell command that sets TOKEN.
 */
export function readmeTokenRecipe(): { issuer: string; audience: string; tokenCommand: string } {
  const text = readFileSync(DOCS[0] as URL, "utf8");
  const start = text.indexOf("### Get a token and try it");
  const fence = text.indexOf("```sh\n", start);
  const block = text.slice(fence + "```sh\n".length, text.indexOf("\n```", fence));
  const env = /^ISSUER=(\S+) AUDIENCE=(\S+) node server\.mjs$/m.exec(block);
  const token = /^TOKEN=\$\((?:[^\n]*\\\n)*[^\n]*\)$/m.exec(block);
  if (!env || !token) throw new Error("README.md: the token recipe is not where the test expects it");
  return { issuer: env[1] as string, audience: env[2] as string, tokenCommand: token[0] };
}

/**
 * Runs the README's TOKEN command with `issuer` in place of the documented one; resolves the token.
 * Asynchronous, because the authorization server answering it runs in this process.
 */
export async function runTokenCommand(
  recipe: ReturnType<typeof readmeTokenRecipe>,
  issuer: string,
): Promise<string> {
  const command = recipe.tokenCommand.split(recipe.issuer).join(issuer);
  const { stdout } = await promisify(execFile)("bash", ["-c", `${command}\nprintf %s "$TOKEN"`], {
    encoding: "utf8",
    timeout: 15_000,
  });
  return stdout;
}

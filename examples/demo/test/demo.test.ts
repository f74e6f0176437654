/**
 * End-to-end: `pnpm demo` for each framework, run as its own process exactly as a newcomer runs it,
 * non-interactively. Asserts the exit code, every step's verdict line, the status and challenge each
 * step printed, that both client-authentication methods really went over the wire, that nothing was
 * written to stderr, and that no server is left listening afterwards. Also `--serve`: the printed
 * curl commands work as printed, and SIGINT stops both servers.
 */
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import { runScript, startScript } from "./child-process.js";

const DEMO = "examples/demo/demo.ts";
const FRAMEWORKS = ["express", "koa", "fastify"] as const;

const WRITER_GRANT = '200 Bearer token, scope "orders:read orders:write"';
const READER_GRANT = '200 Bearer token, scope "orders:read"';

/** What each step must answer: its verdict text, its response status line and its challenge. */
const STEPS: { verdict: string; status: string; challenge: string | null }[] = [
  { verdict: WRITER_GRANT, status: "← 200 OK", challenge: null },
  { verdict: READER_GRANT, status: "← 200 OK", challenge: null },
  { verdict: "200", status: "← 200 OK", challenge: null },
  { verdict: "200", status: "← 200 OK", challenge: null },
  { verdict: "201", status: "← 201 Created", challenge: null },
  {
    verdict: '403 insufficient_scope scope="orders:write"',
    status: "← 403 Forbidden",
    challenge: 'Bearer realm="api", error="insufficient_scope", scope="orders:write"',
  },
  {
    verdict: '401 invalid_token "Signature verification failed"',
    status: "← 401 Unauthorized",
    challenge: 'Bearer realm="api", error="invalid_token", error_description="Signature verification failed"',
  },
  {
    verdict: "401 Bearer challenge without error",
    status: "← 401 Unauthorized",
    challenge: 'Bearer realm="api"',
  },
  {
    verdict: '401 invalid_token "The token has expired"',
    status: "← 401 Unauthorized",
    challenge: 'Bearer realm="api", error="invalid_token", error_description="The token has expired"',
  },
  { verdict: WRITER_GRANT, status: "← 200 OK", challenge: null },
  { verdict: "200", status: "← 200 OK", challenge: null },
];

/** Splits a transcript into the text of each numbered step (`[n] …` up to the next one). */
function stepBlocks(transcript: string): string[] {
  return transcript.split(/\n(?=\[\d+\] )/).slice(1);
}

async function isListening(url: string): Promise<boolean> {
  try {
    await fetch(url, { signal: AbortSignal.timeout(2000) });
    return true;
  } catch {
    return false;
  }
}

// Each test starts the demo as a TypeScript process that waits for a real token to expire: on a busy
// two-core machine three of them side by side take longer than the default 20 s.
describe.concurrent("pnpm demo", { timeout: 60_000 }, () => {
  it.each(FRAMEWORKS)(
    "tells the whole story on %s and exits 0, leaving nothing running",
    async (framework) => {
      const { code, stdout, stderr } = await runScript(DEMO, ["--framework", framework]);

      expect(stderr).toBe("");
      expect(code).toBe(0);
      const lines = stdout.split("\n");
      STEPS.forEach(({ verdict }, index) => {
        expect(lines).toContain(`    ✔ step ${index + 1}: expected ${verdict}, got ${verdict}`);
      });
      expect(stdout).not.toContain("✘");
      expect(lines).toContain(`✔ all ${STEPS.length} steps behaved as expected (${framework})`);

      const blocks = stepBlocks(stdout);
      expect(blocks).toHaveLength(STEPS.length);
      STEPS.forEach(({ status, challenge }, index) => {
        const block = blocks[index]!.split("\n");
        expect(block).toContain(`    ${status}`);
        const shown = block.filter((line) => line.startsWith("      WWW-Authenticate: "));
        expect(shown).toEqual(challenge === null ? [] : [`      WWW-Authenticate: ${challenge}`]);
      });
      // Step 1 authenticates with a Basic header, step 2 with credentials in the form body.
      expect(blocks[0]).toContain(
        `      Authorization: Basic ${Buffer.from("orders-writer:writer-demo-secret").toString("base64")}`,
      );
      expect(blocks[1]).not.toContain("Authorization:");
      expect(blocks[1]).toContain(
        "      grant_type=client_credentials&scope=orders%3Aread&client_id=orders-reader&client_secret=reader-demo-secret",
      );
      expect(blocks[8]).toMatch(
        /… waiting \d+\.\d s: the token lives 5 s \(expires_in\) and the API's clockTolerance is 0 s/,
      );

      const issuer = /authorization server {2}(http:\/\/127\.0\.0\.1:\d+)/.exec(stdout)?.[1];
      const api = /orders API {12}(http:\/\/127\.0\.0\.1:\d+)/.exec(stdout)?.[1];
      expect(issuer).toBeDefined();
      expect(api).toBeDefined();
      expect(await isListening(`${issuer}/.well-known/openid-configuration`)).toBe(false);
      expect(await isListening(`${api}/health`)).toBe(false);
    },
  );

  it("refuses an unknown framework with exit code 2 and the usage text", async () => {
    const { code, stdout, stderr } = await runScript(DEMO, ["--framework", "hapi"]);
    expect(code).toBe(2);
    expect(stdout).toBe("");
    expect(stderr).toContain('--framework must be one of express, koa, fastify (got "hapi")');
    expect(stderr).toContain("Usage: pnpm demo");
  });

  it("--serve prints curl commands that work as printed, and SIGINT stops both servers", async () => {
    const demo = startScript(DEMO, ["--serve", "--framework", "koa"], { AS_PORT: "0", API_PORT: "0" });
    try {
      await demo.waitFor(/Press Ctrl-C to stop both servers\./);
      const { stdout } = demo.output();
      const commands = stdout.split("\n").filter((line) => /^(WRITE_TOKEN=|READ_TOKEN=|curl )/.test(line));
      expect(commands).toHaveLength(7);
      // Each curl prints its status line; -i output is reduced to the status codes.
      const script = `set -e\n${commands
        .map((line) => (line.startsWith("curl -i") ? `${line} -s -o /dev/null -w '%{http_code}\\n'` : line))
        .join("\n")}\n`;
      const { stdout: statuses } = await promisify(execFile)("bash", ["-c", script], { timeout: 15_000 });
      expect(statuses.trim().split("\n")).toEqual(["200", "200", "201", "403", "401"]);

      const api = /orders API {12}(http:\/\/127\.0\.0\.1:\d+)/.exec(stdout)?.[1];
      demo.child.kill("SIGINT");
      const { code } = await demo.finished;
      expect(code).toBe(0);
      expect(demo.output().stdout).toContain("stopping…");
      expect(await isListening(`${api}/health`)).toBe(false);
    } finally {
      if (demo.child.exitCode === null && demo.child.signalCode === null) demo.child.kill("SIGKILL");
    }
  });
});

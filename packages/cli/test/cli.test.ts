/**
 * The command line as a program: help, version, usage errors (exit code 2, on stderr), and the
 * terminal rules: colours and a progress line only on a terminal, no colours with NO_COLOR.
 */
import { readFileSync } from "node:fs";
import { createTestIssuer, type TestIssuer } from "@resource-guard/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DISCOVER_USAGE } from "../src/commands/discover.js";
import { INSPECT_USAGE } from "../src/commands/inspect.js";
import { TOKEN_USAGE } from "../src/commands/token.js";
import { USAGE } from "../src/main.js";
import { removeBundle, runCli, runCliInTerminal } from "./run-cli.js";

afterAll(removeBundle);

// An SGR colour sequence (ESC [ n m).
const COLOUR = new RegExp(`${String.fromCharCode(27)}\\[\\d+m`);

const version = (
  JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8")) as { version: string }
).version;

describe("resource-guard", () => {
  it("prints its usage with --help on stdout, exit 0", async () => {
    expect(await runCli(["--help"])).toEqual({ code: 0, stdout: `${USAGE}\n`, stderr: "" });
  });

  it("prints its usage on stderr without a command, exit 2", async () => {
    expect(await runCli([])).toEqual({ code: 2, stdout: "", stderr: `${USAGE}\n` });
  });

  it("is documented in docs/cli.md with its exact help texts", () => {
    const doc = readFileSync(new URL("../../../docs/cli.md", import.meta.url), "utf8");
    for (const usage of [USAGE, INSPECT_USAGE, DISCOVER_USAGE, TOKEN_USAGE])
      expect(doc).toContain(`\`\`\`\n${usage}\n\`\`\``);
  });

  it("prints each command's help with --help", async () => {
    for (const [command, usage] of [
      ["inspect", INSPECT_USAGE],
      ["discover", DISCOVER_USAGE],
      ["token", TOKEN_USAGE],
    ]) {
      expect(await runCli([command as string, "--help"])).toEqual({
        code: 0,
        stdout: `${usage}\n`,
        stderr: "",
      });
    }
  });

  it("prints its version", async () => {
    expect(await runCli(["--version"])).toEqual({ code: 0, stdout: `${version}\n`, stderr: "" });
  });

  it("refuses an unknown command with exit 2", async () => {
    expect(await runCli(["verify", "x"])).toEqual({
      code: 2,
      stdout: "",
      stderr: `resource-guard: unknown command "verify"; the commands are inspect, discover, token\n${USAGE}\n`,
    });
  });

  it("refuses an unknown option with exit 2 and the command's usage", async () => {
    const run = await runCli(["discover", "https://idp.example.com", "--audiance", "x"]);
    expect(run.code).toBe(2);
    expect(run.stdout).toBe("");
    expect(run.stderr.split("\n")[0]).toBe("resource-guard discover: Unknown option '--audiance'");
    expect(run.stderr).toContain("Usage: resource-guard discover <issuer> [--json]");
  });

  it("refuses a bad --timeout and a non-URL issuer with exit 2", async () => {
    const timeout = await runCli(["discover", "https://idp.example.com", "--timeout", "soon"]);
    expect([timeout.code, timeout.stderr.split("\n")[0]]).toEqual([
      2,
      "resource-guard discover: --timeout takes a whole number of milliseconds, e.g. --timeout 10000",
    ]);
    const issuer = await runCli(["discover", "idp.example.com"]);
    expect([issuer.code, issuer.stderr.split("\n")[0]]).toEqual([
      2,
      "resource-guard discover: the issuer must be an absolute http(s) URL, e.g. https://idp.example.com",
    ]);
  });
});

describe("on a terminal", () => {
  let idp: TestIssuer;
  beforeAll(async () => {
    idp = await createTestIssuer({ algorithms: ["ES256"], alg: "ES256" });
  });
  afterAll(async () => {
    await idp.close();
  });

  it("colours the output and shows a progress line while it waits on the network", async () => {
    const run = await runCliInTerminal(["discover", idp.issuer]);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain(`\u001b[1mIssuer\u001b[22m    ${idp.issuer}\r\n`);
    expect(run.stdout).toContain("\u001b[32mNo problems found.\u001b[39m");
    expect(run.stdout).toMatch(COLOUR);
    expect(run.stdout).toContain(`\r\u001b[K| fetching ${idp.metadataUrl}`);
    expect(run.stdout).toContain(`\r\u001b[K| fetching ${idp.jwksUri}`);
  });

  it("shows no colours with NO_COLOR, but still the progress line", async () => {
    const run = await runCliInTerminal(["discover", idp.issuer], { NO_COLOR: "1" });
    expect(run.code).toBe(0);
    expect(run.stdout).not.toMatch(COLOUR);
    expect(run.stdout).toContain(`Issuer    ${idp.issuer}\r\n`);
    expect(run.stdout).toContain(`\r\u001b[K| fetching ${idp.jwksUri}`);
  });

  it("shows no colours with --no-color", async () => {
    const run = await runCliInTerminal(["discover", idp.issuer, "--no-color"]);
    expect(run.stdout).not.toMatch(COLOUR);
  });

  it("writes neither colours nor progress when the output is not a terminal", async () => {
    const run = await runCli(["discover", idp.issuer]);
    expect(run.code).toBe(0);
    expect(run.stdout + run.stderr).not.toContain("\u001b");
  });
});

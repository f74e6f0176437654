/**
 * Runs `pnpm fleet` (examples/fleet/fleet.ts) as a newcomer would, as its own Node process: Redis,
 * the authorization server, two API instances behind a load balancer, and the client's exchanges. It
 * must exit 0 and show the replayed proof refused by the other instance.
 */
import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const ROOT = fileURLToPath(new URL("../../../", import.meta.url));

describe("pnpm fleet", () => {
  it("shows two instances on one Redis refusing a proof replayed across them", async () => {
    const child = spawn(process.execPath, ["--import", "tsx", "examples/fleet/fleet.ts"], {
      cwd: ROOT,
      env: { ...process.env, NO_COLOR: "1" },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk: Buffer) => {
      stdout += chunk.toString("utf8");
    });
    child.stderr.on("data", (chunk: Buffer) => {
      stderr += chunk.toString("utf8");
    });
    const code = await new Promise<number | null>((resolve) => child.once("close", resolve));

    expect(code, stdout + stderr).toBe(0);
    expect(stdout).not.toContain("FAIL");
    expect(stdout).toMatch(/ok +GET \/orders with a fresh DPoP proof\n +← 200 from instance A/);
    expect(stdout).toMatch(
      /ok +GET \/orders replaying the same proof \(the balancer sends it to the other instance\)\n +← 401 from instance B \(.*error="invalid_dpop_proof", error_description="The DPoP proof has been used before".*\)/,
    );
    expect(stdout).toMatch(
      /ok +GET \/orders while Redis is paused \(SIGSTOP\)\n +← 503 from instance \w \(\d+\)/,
    );
    expect(stdout).toContain("the two instances behaved as one");
  }, 90_000);
});

/**
 * The "Testing your API" examples of README.md, run as pasted: each `<!-- testing: <framework> -->`
 * block is saved as a test file in that adapter's folder (so `express`, `koa` and `fastify` resolve as
 * they do for a user) and run by a child vitest, whose report must show every example passing.
 */
import { execFile } from "node:child_process";
import { mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { afterAll, expect, it } from "vitest";

const root = fileURLToPath(new URL("../../../", import.meta.url));
const FRAMEWORKS = ["express", "koa", "fastify"];
const folders = FRAMEWORKS.map((name) => `${root}packages/${name}/test/readme/`);

function blockOf(framework: string): string {
  const text = readFileSync(`${root}README.md`, "utf8");
  const marker = `<!-- testing: ${framework} -->\n\`\`\`js\n`;
  const start = text.indexOf(marker);
  if (start === -1) throw new Error(`README.md has no "Testing your API" example for ${framework}`);
  return text.slice(start + marker.length, text.indexOf("\n```", start + marker.length) + 1);
}

afterAll(() => {
  for (const folder of folders) rmSync(folder, { recursive: true, force: true });
});

it("runs the README's test examples for Express, Koa and Fastify, and they pass", {
  timeout: 180_000,
}, async () => {
  FRAMEWORKS.forEach((framework, i) => {
    mkdirSync(`${folders[i]}.tmp`, { recursive: true });
    writeFileSync(`${folders[i]}.tmp/orders-${framework}.test.mjs`, blockOf(framework));
  });
  const report = await new Promise<{ code: number; output: string }>((resolve) => {
    execFile(
      process.execPath,
      [
        `${root}node_modules/vitest/vitest.mjs`,
        "run",
        "--config",
        "packages/testing/test/readme-examples.vitest.config.ts",
        "--reporter=json",
      ],
      { cwd: root, timeout: 170_000, env: { ...process.env, FORCE_COLOR: "0" }, maxBuffer: 16 * 1024 * 1024 },
      (error, stdout, stderr) =>
        resolve({ code: error ? Number(error.code ?? 1) : 0, output: stdout + stderr }),
    );
  });
  const json = JSON.parse(
    report.output.slice(report.output.indexOf("{"), report.output.lastIndexOf("}") + 1),
  ) as {
    numPassedTests: number;
    numFailedTests: number;
    testResults: { name: string; status: string }[];
  };
  expect(
    json.testResults.map((file) => [file.name.slice(root.length), file.status]).sort(),
    report.output,
  ).toEqual(FRAMEWORKS.map((f) => [`packages/${f}/test/readme/.tmp/orders-${f}.test.mjs`, "passed"]).sort());
  expect([json.numPassedTests, json.numFailedTests]).toEqual([3, 0]);
  expect(report.code).toBe(0);
});

// Installs Bun and Deno into .runtimes/ (git-ignored) from their npm platform packages, so the test
// command can run the Hono adapter's conformance table on them as well as on Node. Nothing is
// installed globally. A runtime that cannot be had here (another platform, no registry) is reported
// with its reason and left out: the tests that need it then print that they skip, and why.
//
//   node scripts/install-runtimes.mjs            install what is missing
//   node scripts/install-runtimes.mjs --check    only report what is installed
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const dir = join(root, ".runtimes");

// The versions TOOLCHAIN.md records as working here; one npm package per platform.
const RUNTIMES = {
  bun: {
    version: "1.4.5",
    packages: {
      "linux-x64": "@oven/bun-linux-x64",
      "linux-arm64": "@oven/bun-linux-aarch64",
      "darwin-x64": "@oven/bun-darwin-x64",
      "darwin-arm64": "@oven/bun-darwin-aarch64",
    },
    binary: "bin/bun",
  },
  deno: {
    version: "2.9.6",
    packages: {
      "linux-x64": "@deno/linux-x64-glibc",
      "linux-arm64": "@deno/linux-arm64-glibc",
      "darwin-x64": "@deno/darwin-x64",
      "darwin-arm64": "@deno/darwin-arm64",
    },
    binary: "deno",
  },
};

function isMusl() {
  if (process.platform !== "linux") return false;
  const report = process.report?.getReport?.();
  return report?.header?.glibcVersionRuntime === undefined;
}

const platform = `${process.platform}-${process.arch}`;
const check = process.argv.includes("--check");
const wanted = [];
for (const [name, runtime] of Object.entries(RUNTIMES)) {
  const pkg = runtime.packages[platform];
  if (pkg === undefined || isMusl()) {
    console.log(
      `runtimes: ${name} skipped: no npm package of it for ${platform}${isMusl() ? " (musl)" : ""}`,
    );
    continue;
  }
  const manifest = join(dir, "node_modules", pkg, "package.json");
  const installed = existsSync(manifest) ? JSON.parse(readFileSync(manifest, "utf8")).version : undefined;
  if (installed === runtime.version) {
    console.log(
      `runtimes: ${name} ${installed} present (${join(".runtimes/node_modules", pkg, runtime.binary)})`,
    );
  } else {
    wanted.push({ name, spec: `${pkg}@${runtime.version}` });
  }
}

if (wanted.length > 0 && check) {
  for (const { name } of wanted) console.log(`runtimes: ${name} not installed`);
} else if (wanted.length > 0) {
  mkdirSync(dir, { recursive: true });
  // A package.json of its own keeps npm from treating the workspace root as the project.
  const own = join(dir, "package.json");
  if (!existsSync(own)) writeFileSync(own, '{ "private": true, "description": "Bun and Deno for tests" }\n');
  const specs = wanted.map((w) => w.spec);
  console.log(`runtimes: npm install ${specs.join(" ")} into .runtimes/`);
  const npm = process.platform === "win32" ? "npm.cmd" : "npm";
  const run = spawnSync(
    npm,
    ["install", "--prefix", dir, "--no-save", "--no-audit", "--no-fund", "--no-package-lock", ...specs],
    { encoding: "utf8", timeout: 300_000 },
  );
  if (run.status === 0) console.log(`runtimes: installed ${wanted.map((w) => w.name).join(", ")}`);
  else {
    const reason = (run.error?.message ?? run.stderr ?? "").trim().split("\n").slice(-3).join(" ");
    console.log(`runtimes: could not install ${specs.join(", ")}: ${reason || `npm exited ${run.status}`}`);
  }
}
// Never fails: a missing runtime is a skip with its reason, printed again by the tests that need it.

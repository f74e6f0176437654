// `pnpm bench`: the one command. Builds the packages, then starts the bench orchestrator (bench/main.ts)
// through tsx from the repo root with bench/tsconfig.json, which has no `paths`: `@resource-guard/*`
// resolve to the built packages (what users install), never to sources transpiled on the fly. Every
// child process of the bench inherits that setting. Arguments pass through: `pnpm bench --quick`,
// `pnpm bench --only=micro`; `--only=report` re-renders without building.
import { spawn, spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("..", import.meta.url));
const args = process.argv.slice(2);
if (!args.includes("--only=report")) {
  process.stderr.write("bench: building the packages (pnpm run build)\n");
  const build = spawnSync("pnpm", ["run", "build"], { cwd: root, stdio: ["ignore", "ignore", "inherit"] });
  if (build.status !== 0) {
    process.stderr.write(`bench: the build failed (exit ${build.status}); run pnpm run build to see why\n`);
    process.exit(1);
  }
}
const child = spawn(process.execPath, ["--import", "tsx", "bench/main.ts", ...args], {
  cwd: root,
  stdio: "inherit",
  env: { ...process.env, TSX_TSCONFIG_PATH: "bench/tsconfig.json" },
});
child.on("exit", (code, signal) => process.exit(code ?? (signal ? 1 : 0)));

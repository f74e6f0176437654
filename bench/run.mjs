// `pnpm bench`: the one command. Starts the bench orchestrator (bench/main.ts) through tsx from the repo
// root, so `@resource-guard/*` resolve to the workspace sources through tsconfig paths and nothing has
// to be built first. Arguments pass through: `pnpm bench --quick`, `pnpm bench --only=micro`.
import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("..", import.meta.url));
const child = spawn(process.execPath, ["--import", "tsx", "bench/main.ts", ...process.argv.slice(2)], {
  cwd: root,
  stdio: "inherit",
});
child.on("exit", (code, signal) => process.exit(code ?? (signal ? 1 : 0)));

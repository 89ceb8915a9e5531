// Build: tsc type-checks and emits build/ (what the unit tests run); esbuild bundles
// the runtime into ONE CommonJS file per program:
//   dist/ddns.cjs       the `ddns` command (dist/ddns-start.cjs launches it)
//   dist/ddns-push.cjs  the per-connection push receiver (issue 8), when present
// One CJS file, not ESM chunks: measured here, the ESM loader and a graph of ~20
// chunks cost a no-op run ~6 MiB more peak RSS than one CJS file (PERFORMANCE.md).
// Modules reached only through `await import()` (the human CLI with yargs, the HTTP
// client, providers, the http/dns/command sources) are wrapped by esbuild and not
// evaluated unless that path runs.
import { execFile, execFileSync, spawn } from "node:child_process";
import { connect, createServer as createNetServer } from "node:net";
import { rmSync, chmodSync, existsSync, mkdtempSync, readFileSync, statSync, writeFileSync, mkdirSync, readdirSync } from "node:fs";
import { createHash } from "node:crypto";
import { tmpdir } from "node:os";
import { join } from "node:path";

// DDNS_PACKAGE_BUILD=1 (debian/rules): no npm. Debian's esbuild program through
// scripts/esbuild-cli.mjs, the runtime modules from vendor/, and no type check: the
// check stays in CI, since Debian 13's node-typescript 4.9 cannot check this code
// (TypeScript 5.x options and syntax); esbuild only strips the types.
const packageBuild = process.env.DDNS_PACKAGE_BUILD === "1";
const { build } = await import(packageBuild ? "./esbuild-cli.mjs" : "esbuild");

const root = new URL("..", import.meta.url).pathname;
rmSync(root + "build", { recursive: true, force: true });
rmSync(root + "dist", { recursive: true, force: true });
if (!packageBuild) execFileSync(process.execPath, [root + "node_modules/typescript/bin/tsc", "-p", root + "tsconfig.json"], { stdio: "inherit" });

// The build id names the code of this build: the idle seal is trusted only by the
// same build (src/version.ts) and a code cache is used only with the bundle it was
// made from (src/start/launch.ts). It is a digest of the bundles themselves, so that two
// builds of the same source give the same files (reproducible .debs): the bundles
// are made with a placeholder id, then the placeholder is replaced by the first 16
// hex digits of the SHA-256 of all of them.
const placeholder = "d0d0d0d0d0d0d0d0";
const buildId = placeholder;
const bundles = [];
// The human CLI (yargs, ~120 KB) is its own bundle, loaded only when argv is not a
// plain `ddns run`: a no-op run then compiles and maps less (PERFORMANCE.md).
// dist/ddns-start.cjs is the `ddns` program itself (bin/ddns and /usr/bin/ddns are
// symbolic links to it, src/start/ddns.ts): the idle-seal check (src/quick.ts), a few
// KB that decide whether the reconciler needs loading at all, and the code-cache
// launcher (src/start/launch.ts), in the one file Node's CommonJS loader loads.
// dist/launch.cjs is that launcher alone, for ddns-push (src/start/launch-program.ts).
// dist/ddns-toml.cjs is the TOML parser, which dist/ddns.cjs loads (with a code cache of
// its own) only when it parses a config: most runs take the parsed document from
// /run/ddns/config-doc.json (src/config/toml-lazy.ts, PERFORMANCE.md).
const programs = {
  ddns: "src/main.ts",
  "ddns-cli": "src/cli/commands.ts",
  "ddns-push": "src/push/main.ts",
  "ddns-start": "src/start/ddns.ts",
  launch: "src/start/launch-program.ts",
  "ddns-toml": "src/config/toml-chunk.ts",
};
// The start script is executed directly (/usr/bin/ddns): Debian's node by its path in
// the package (no PATH lookup under systemd), whichever `node` is on PATH elsewhere.
const shebang = packageBuild ? "#!/usr/bin/node\n" : "#!/usr/bin/env node\n";
// In dist/ddns.cjs only, `import toml from "toml"` means src/config/toml-lazy.ts: an
// alias, not a plugin, since the package build runs esbuild's program, which takes no
// plugins (scripts/esbuild-cli.mjs).
const tomlLazy = { toml: root + "src/config/toml-lazy.ts" };
// Each provider's implementation is a bundle of its own, dist/ddns-provider-<type>.cjs,
// with its own code cache: in dist/ddns.cjs, globalThis.__DDNS_PARTS__ is true, so the
// registry (src/provider/registry.ts) loads a type's part through src/code-cache.ts and
// its dynamic import of the implementation is dead code esbuild leaves out. A run that
// pushes nothing then deserialises no provider code, one that pushes only its own
// provider's (PERFORMANCE.md). The CLI bundle keeps them inside (`ddns check` and
// `ddns setup` are not timed).
for (const type of readdirSync(root + "src/provider").sort()) {
  if (existsSync(`${root}src/provider/${type}/${type}.ts`)) programs[`ddns-provider-${type}`] = `src/provider/${type}/${type}.ts`;
}
// The parts the reconciler loads on demand (src/code-cache.ts: the TOML parser, each
// provider) are written already wrapped as the function CommonJS makes of a module,
// WRAP_HEAD/WRAP_TAIL exactly as src/start/launch.ts has them: the run hands V8 the
// text it read, not a concatenated copy of it (a copy in V8's young generation, enough
// to bring back a scavenge in an update: PERFORMANCE.md). The programs (dist/ddns.cjs,
// dist/ddns-push.cjs) stay runnable as `node FILE` and are wrapped by the launcher.
const WRAP_HEAD = "(function (exports, require, module, __filename, __dirname) { ";
const WRAP_TAIL = "\n});";
const isPart = (name) => name === "ddns-toml" || name.startsWith("ddns-provider-");
for (const [name, entry] of Object.entries(programs)) {
  if (!existsSync(root + entry)) continue;
  await build({
    entryPoints: [root + entry],
    outfile: `${root}dist/${name}.cjs`,
    bundle: true,
    format: "cjs",
    platform: "node",
    target: "node20",
    minify: true,
    legalComments: "none",
    // import() of node builtins becomes require(): the bundle runs in a vm.Script
    // (src/start/launch.ts), which has no dynamic-import hook.
    supported: { "dynamic-import": false },
    // Native addons stay outside the bundle; both are optional at run time.
    external: ["sd-notify", "systemd-journald"],
    // Sources are ESM and use import.meta.url (createRequire for the addons).
    // __DDNS_ADDON_DIR__: where the installed program finds the native addons (src/log/native.ts);
    // debian/rules sets it, other builds leave it empty (node_modules).
    define: {
      "import.meta.url": "__ddnsModuleUrl",
      __DDNS_BUILD_ID__: JSON.stringify(buildId),
      __DDNS_ADDON_DIR__: JSON.stringify(process.env.DDNS_ADDON_DIR ?? ""),
      ...(name === "ddns" ? { "globalThis.__DDNS_PARTS__": "true" } : {}),
    },
    // The build id ties the bundle to its code cache (src/start/launch.ts).
    // import.meta.url: ddns's own code only hands it to createRequire, which takes a
    // path as well, and pathToFileURL would load node:url (~1 ms) on every run; yargs
    // (the human CLI) needs a real file: URL.
    banner: {
      js: `${name === "ddns-start" ? shebang : ""}/*ddns-build:${buildId}*/${isPart(name) ? WRAP_HEAD : ""}\nconst __ddnsModuleUrl=${name === "ddns-cli" ? "require('node:url').pathToFileURL(__filename).href" : "__filename"};`,
    },
    ...(isPart(name) ? { footer: { js: WRAP_TAIL } } : {}),
    logLevel: "warning",
    ...(name === "ddns" ? { alias: tomlLazy } : {}),
  });
  bundles.push(`${root}dist/${name}.cjs`);
}
{
  const texts = bundles.map((file) => readFileSync(file, "latin1")); // latin1: byte for byte
  const digest = createHash("sha256");
  for (const [i, text] of texts.entries()) digest.update(`${bundles[i].slice(root.length)}\0${text.length}\0${text}`, "latin1");
  const id = digest.digest("hex").slice(0, 16);
  for (const [i, text] of texts.entries()) {
    if (!text.replace(/^#!.*\n/, "").startsWith(`/*ddns-build:${placeholder}*/`)) throw new Error(`${bundles[i]}: no build-id banner`);
    writeFileSync(bundles[i], text.replaceAll(placeholder, id), "latin1");
  }
}
// bin/ddns (in git) and /usr/bin/ddns (debian/ddns.links) are symbolic links to it.
chmodSync(root + "dist/ddns-start.cjs", 0o755);

// V8 code caches for dist/ddns.cjs and dist/ddns-toml.cjs (the TOML parser, which the
// runs that parse a config load: src/config/toml-lazy.ts), recorded by runs of the real
// program (each writes the cache of every bundle it ran, src/start/launch.ts). First an
// update run:
// config parsed, state read, interfaces listed, the address asked of an echo service
// (the http source: what every timer run behind NAT does), a plan with two changed
// records pushed through dyndns2 and Cloudflare (cached ids: one GET, one PATCH),
// state saved. The HTTP answers come from scripts/train-stub.cjs inside the process (a
// package build has no network). A run with nothing to do rarely gets this far (the
// idle seal, src/quick.ts, answers it), so the cache is for the runs that work.
//
// The caches are the same bytes in every build of the same source (reproducible .debs):
// - V8 seeds its string hashing from its random number generator, and the seed
//   shows in the serialized cache (hash-ordered tables): two trainings of the same
//   bundle differed in most of their bytes. --random-seed fixes it, and --predictable
//   keeps V8's own threads (concurrent compilation, GC) from varying what the cache
//   holds. V8 leaves both flags out of the flag hash a cache must match, so a plain
//   `node` accepts the cache (a flag that counts, e.g. --hash-seed, gets it rejected).
// - what the run finds decides what it compiles: scripts/train-stub.cjs shows the same
//   interfaces on every builder (IPv4 list and, through DDNS_PROC_IF_INET6, IPv6 table),
//   and the training's environment holds nothing of the builder's;
// - V8 records the script's name in the cache, and a run from the cache reports that
//   name in stack traces: the training names each bundle where it will be installed
//   (DDNS_INSTALL_DIR: /usr/share/ddns in the package), not by the build tree's path,
//   and builds that name without holding on to that path (src/start/launch.ts: a V8
//   sliced string of it carried the build directory into ddns-toml.cjs.cache).
const trainFlags = ["--random-seed=1", "--predictable"];
const installDir = process.env.DDNS_INSTALL_DIR ?? root + "dist";
const train = mkdtempSync(join(tmpdir(), "ddns-train-"));
const api = "http://127.0.0.1:9";
// The training configs, their secret file in `dir`.
const trainConfig = (dir) =>
  `[ipv4]\nsources = ["event", "interface", "http", "static"]\ninterfaces = ["ddns-train0"]\nurls = ["${api}/ip"]\naccept_private = true\n` +
      `address = "203.0.113.9"\n[ipv6]\nsources = ["interface"]\n` +
      `[providers.p]\ntype = "dyndns2"\nendpoint = "${api}"\nusername = "u"\npassword_file = "${join(dir, "pw")}"\n` +
      `[providers.c]\ntype = "cloudflare"\nendpoint = "${api}"\ntoken_file = "${join(dir, "pw")}"\n` +
      `[[records]]\nname = "train.example.org"\nprovider = "p"\nfamilies = ["ipv4"]\n` +
      `[[records]]\nname = "cf.example.org"\nprovider = "c"\nfamilies = ["ipv4"]\n`;
const trainLocalConfig = (dir) =>
  `[ipv4]\nsources = ["event", "interface", "static"]\ninterfaces = ["ddns-train0"]\naccept_private = true\n` +
      `address = "203.0.113.8"\n[ipv6]\nsources = ["interface"]\n` +
      `[providers.p]\ntype = "dyndns2"\nendpoint = "${api}"\nusername = "u"\npassword_file = "${join(dir, "pw")}"\n` +
      `[providers.c]\ntype = "cloudflare"\nendpoint = "${api}"\ntoken_file = "${join(dir, "pw")}"\n` +
      `[[records]]\nname = "train.example.org"\nprovider = "p"\nfamilies = ["ipv4"]\n` +
      `[[records]]\nname = "cf.example.org"\nprovider = "c"\nfamilies = ["ipv4"]\n`;
try {
  mkdirSync(join(train, "state"));
  writeFileSync(join(train, "ddns.toml"), trainConfig(train), { mode: 0o600 });
  writeFileSync(join(train, "pw"), "x\n");
  // The third pass's config, written now so that its ctime is well in the past when
  // that pass runs: a config changed within the last 20 ms is "racily clean" and no
  // idle seal would be written (src/state/seal-writer.ts).
  writeFileSync(join(train, "ddns-local.toml"), trainLocalConfig(train), { mode: 0o600 });
  // The IPv6 table of the interfaces scripts/train-stub.cjs shows (not the build machine's).
  writeFileSync(
    join(train, "if_inet6"),
    "00000000000000000000000000000001 01 80 10 80       lo\nfe80000000000000505400fffe123456 02 40 20 80     eth0\n",
  );
  const old = { published: ["203.0.113.7"], failures: 0, pushedAt: Date.now() };
  const oldState = JSON.stringify({
    version: 1,
    records: { "train.example.org/ipv4": { provider: "p", ...old }, "cf.example.org/ipv4": { provider: "c", ...old, cache: { zone: "z1", record: "r1" } } },
  });
  writeFileSync(join(train, "state", "state.json"), oldState);
  const trainingRun = (config = "ddns.toml") =>
    new Promise((resolve) =>
      execFile(
        process.execPath,
        [...trainFlags, "--require", root + "scripts/train-stub.cjs", root + "bin/ddns", "run", "--config", join(train, config), "--state-dir", join(train, "state"), "--events-dir", join(train, "run", "events")],
        { env: { PATH: "/usr/bin:/bin", DDNS_WRITE_CODE_CACHE: root + "dist/ddns.cjs.cache", DDNS_CODE_CACHE_NAME: `${installDir}/ddns.cjs`, DDNS_PROC_IF_INET6: join(train, "if_inet6") } },
        (error, stdout, stderr) => resolve({ code: error ? error.code : 0, stdout, stderr }),
      ),
    );
  const r = await trainingRun();
  // The echo and both pushes must have happened, or the cache would miss the code it is for.
  const seen = r.stderr.split("\n").filter((l) => l.startsWith("train-stub: "));
  if (r.code !== 0 || seen.length !== 3 || !/now points to 203\.0\.113\.8 /.test(r.stdout)) throw new Error(`code cache training run: exit ${r.code}, requests ${JSON.stringify(seen)}\n${r.stdout}${r.stderr}`);
  // A second pass finds both records current: the no-op through the full reconciler
  // with an echo service (no idle seal: the outside world is an input). It starts from
  // the first pass's cache and writes it out again with the functions only a no-op runs.
  const r2 = await trainingRun();
  const seen2 = r2.stderr.split("\n").filter((l) => l.startsWith("train-stub: "));
  if (r2.code !== 0 || seen2.length !== 1 || r2.stdout !== "") throw new Error(`code cache training run (no-op pass): exit ${r2.code}, requests ${JSON.stringify(seen2)}\n${r2.stdout}${r2.stderr}`);
  // A third pass: the same records from local sources only, current, so the run seals
  // (/run/ddns/idle.json): the first run after any change of a config without http, dns
  // or command source, the benchmark's full no-op. Without the seal writer and the
  // input collection in the cache, that run compiled them every time: 1.2 M
  // instructions of a 118 M run (PERFORMANCE.md, "Where a full run's time goes").
  // Deterministic on any file system (reproducible caches): the config's last change
  // must be older than the racy window before this pass, 20 ms or, where ctimes are
  // whole seconds, 3 s (src/state/idle-seal.ts changedTooRecently); wait if it is not yet.
  const ctimeNs = statSync(join(train, "ddns-local.toml"), { bigint: true }).ctimeNs;
  const windowMs = ctimeNs % 1_000_000_000n === 0n ? 3100 : 25;
  const ageMs = Number(BigInt(Date.now()) * 1_000_000n - ctimeNs) / 1e6;
  if (ageMs < windowMs) await new Promise((r) => setTimeout(r, windowMs - ageMs));
  const r3 = await trainingRun("ddns-local.toml");
  const seen3 = r3.stderr.split("\n").filter((l) => l.startsWith("train-stub: "));
  if (r3.code !== 0 || seen3.length !== 0 || r3.stdout !== "" || !existsSync(join(train, "run", "idle.json")))
    throw new Error(`code cache training run (sealing no-op pass): exit ${r3.code}, requests ${JSON.stringify(seen3)}, seal ${existsSync(join(train, "run", "idle.json"))}\n${r3.stdout}${r3.stderr}`);
  // The provider parts' caches (dist/ddns-provider-<type>.cjs) are written by the first
  // pass, which pushes through dyndns2 and Cloudflare (each bundle a training run runs
  // writes its cache, src/start/launch.ts).
  for (const part of ["ddns-provider-dyndns2.cjs", "ddns-provider-cloudflare.cjs"]) {
    if (!existsSync(`${root}dist/${part}.cache`)) throw new Error(`the code cache of ${part} was not written by the training runs`);
  }
} finally {
  rmSync(train, { recursive: true, force: true });
}

chmodSync(root + "bin/ddns-push", 0o755);

// V8 code cache for dist/ddns-push.cjs: one router push on a Unix-socket connection
// handed to the receiver as its stdin, as ddns-push.socket hands it one (no network).
const ptrain = mkdtempSync(join(tmpdir(), "ddns-push-train-"));
const server = createNetServer({ pauseOnConnect: true });
try {
  writeFileSync(join(ptrain, "pw"), "x\n");
  writeFileSync(join(ptrain, "pushpw"), "router-secret\n");
  writeFileSync(
    join(ptrain, "ddns.toml"),
    `[ipv4]\nsources = ["event"]\naccept_private = true\n[ipv6]\nenabled = false\n` +
      `[providers.p]\ntype = "dyndns2"\nendpoint = "http://127.0.0.1:9"\nusername = "u"\npassword_file = "${join(ptrain, "pw")}"\n` +
      `[[records]]\nname = "home.example.org"\nprovider = "p"\n` +
      `[push]\nnames = ["home.example.org"]\nusername = "router"\npassword_file = "${join(ptrain, "pushpw")}"\n`,
    { mode: 0o600 },
  );
  await new Promise((r) => server.listen(join(ptrain, "s.sock"), r));
  const accepted = new Promise((r) => server.once("connection", r));
  const client = connect(join(ptrain, "s.sock"));
  const conn = await accepted;
  let answer = "";
  client.on("data", (d) => (answer += d));
  const child = spawn(
    process.execPath,
    [...trainFlags, root + "bin/ddns-push", "--config", join(ptrain, "ddns.toml"), "--events-dir", join(ptrain, "events"), "--push-dir", join(ptrain, "push")],
    { stdio: [conn, "ignore", "pipe"], env: { PATH: "/usr/bin:/bin", DDNS_WRITE_CODE_CACHE: root + "dist/ddns-push.cjs.cache", DDNS_CODE_CACHE_NAME: `${installDir}/ddns-push.cjs` } },
  );
  let stderr = "";
  child.stderr.on("data", (d) => (stderr += d));
  const basic = Buffer.from("router:router-secret").toString("base64");
  client.write(`GET /nic/update?hostname=home.example.org&myip=203.0.113.8 HTTP/1.1\r\nHost: ddns\r\nAuthorization: Basic ${basic}\r\n\r\n`);
  const code = await new Promise((r) => child.on("close", r));
  conn.destroy();
  client.destroy();
  if (code !== 0 || !answer.endsWith("good 203.0.113.8\n")) throw new Error(`push code cache training: exit ${code}, answer ${JSON.stringify(answer)}\n${stderr}`);
} finally {
  server.close();
  rmSync(ptrain, { recursive: true, force: true });
}

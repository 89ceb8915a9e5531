// The Debian package, proven on a clean Debian 13: build it from `git archive` in a
// Debian 13 build root as Debian's buildds do, and once more varied (debian-build.sh),
// compare the two builds' .debs byte for byte, lintian it, install it
// with apt into a minimal Debian 13 booted with systemd-nspawn (loopback only),
// drive it as a user would, purge it and look for leftovers.
// Needs root, debootstrap, systemd-nspawn and the Debian mirror of this
// machine's apt sources (roots are cached in /var/cache/ddns-test).
import { describe, it, before, after } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { copyFileSync, existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from "node:fs";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { fileURLToPath } from "node:url";
import { DebianMachine, type Result } from "./debian-machine.js";
import { MESSAGE_IDS } from "../../src/log/message-ids.js";
import { providerSpec, providerSpecs } from "../../src/provider/registry.js";
import { runLoopbackUpdate } from "./debian-update.js";

const root = fileURLToPath(new URL("../../../", import.meta.url));
const cache = process.env["DDNS_TEST_CACHE"] ?? "/var/cache/ddns-test";
const isRoot = process.getuid?.() === 0;
const started = Date.now();
const elapsed = () => `${((Date.now() - started) / 1000).toFixed(1)} s`;

function ok(r: Result, what: string): string {
  assert.equal(r.status, 0, `${what} exited ${r.status}\nstdout: ${r.stdout}\nstderr: ${r.stderr}`);
  return r.stdout;
}

describe("Debian package - build, install on Debian 13, purge", { skip: isRoot ? false : "needs root" }, () => {
  let out: string;
  let deb: string;
  let m: DebianMachine | undefined;
  let upperBeforeInstall: Set<string>;

  before(async () => {
    // DDNS_TEST_DEB_OUT names a directory a previous debian-build.sh filled (to
    // iterate on the install checks without rebuilding); by default, build now.
    const reuse = process.env["DDNS_TEST_DEB_OUT"];
    out = reuse ?? mkdtempSync("/tmp/ddns-deb-out.");
    if (reuse === undefined) {
      const b = spawnSync(join(root, "test/system/debian-build.sh"), [out], { encoding: "utf8", timeout: 1_200_000 });
      assert.equal(b.status, 0, `debian-build.sh: ${b.stderr}`);
      process.stderr.write(b.stderr.replace(/^/gm, "# ").replace(/# $/, ""));
    }
    deb = readdirSync(out).find((f) => /^ddns_.*\.deb$/.test(f)) ?? "";
    assert.ok(deb, "a ddns_VERSION_ARCH.deb was built");
    process.stderr.write(`# built ${deb} (${elapsed()})\n`);

    const rootDir = spawnSync(join(root, "test/system/debian-root.sh"), ["install"], { encoding: "utf8", timeout: 1_200_000 });
    assert.equal(rootDir.status, 0, `debian-root.sh install: ${rootDir.stderr}`);
    m = DebianMachine.prepare(rootDir.stdout.trim());
    copyFileSync(join(out, deb), join(m.merged, "root", deb));
    // apt resolves the package's dependencies from Debian 13 and fetches them now,
    // while the network is there; the booted machine has loopback only.
    const archives: Array<[string, string]> = [[`${cache}/apt-archives`, "/var/cache/apt/archives"]];
    // With recommends, as the install below (and a user's `apt install`) takes them:
    // nodejs recommends nodejs-doc, which must be in the cache for the offline install.
    const download = ["apt-get", "install", "--download-only", "-y", "-q", `/root/${deb}`];
    let dl = m.chroot(download, archives);
    if (dl.status !== 0) {
      // The cached package lists may name versions the mirror has dropped.
      m.chroot(["apt-get", "update", "-q"]);
      dl = m.chroot(download, archives);
    }
    ok(dl, "apt-get install --download-only");
    // curl, the router push test's client, is part of the machine before it boots (twice a
    // later `apt-get install curl` in the booted machine was followed by ddns.service
    // failing to start with "Failed to spawn executor: No such file or directory").
    ok(m.chroot(["apt-get", "install", "-y", "-q", "--no-install-recommends", "curl"], archives), "apt-get install curl");
    upperBeforeInstall = new Set(listTree(m.upper));
    await m.boot(archives);
    process.stderr.write(`# booted Debian 13 (${elapsed()})\n`);
  });

  after(async () => {
    await m?.stop();
    if (out && process.env["DDNS_TEST_DEB_OUT"] === undefined) rmSync(out, { recursive: true, force: true });
    process.stderr.write(`# Debian package proof took ${elapsed()}\n`);
  });

  it("lintian --pedantic/source and binary/no error and no warning", () => {
    const log = readFileSync(join(out, "lintian.log"), "utf8");
    process.stderr.write(`# lintian --pedantic --display-info --display-experimental:\n${log.replace(/^/gm, "#   ")}\n`);
    assert.doesNotMatch(log, /^[EW]: /m);
    assert.equal(readFileSync(join(out, "lintian.status"), "utf8").trim(), "0");
  });

  it("built as Debian's buildds build/from the .dsc, not root, HOME missing, no network, -B/a binary-only amd64 upload", () => {
    // What dpkg-buildpackage itself recorded about the build (debian-build.sh step 2).
    const buildinfo = readFileSync(join(out, readdirSync(out).find((f) => /^ddns_.*_amd64\.buildinfo$/.test(f)) ?? "missing.buildinfo"), "utf8");
    assert.match(buildinfo, /^Build-Path: \/build\/reproducible-path\/ddns$/m);
    assert.match(buildinfo, /^ DEB_BUILD_OPTIONS="parallel=2"$/m, "with the tests (no nocheck), in parallel");
    assert.match(buildinfo, /^ SOURCE_DATE_EPOCH="\d+"$/m);
    const changes = readFileSync(join(out, readdirSync(out).find((f) => /^ddns_.*_amd64\.changes$/.test(f)) ?? "missing.changes"), "utf8");
    assert.match(changes, /^Architecture: amd64$/m, "-B: binaries only, no source");
    assert.match(changes, /^Binary: ddns ddns-dbgsym$/m);
    const log = readFileSync(join(out, "build.log"), "utf8");
    assert.match(log, /setpriv --reuid=sbuild .*HOME=\/sbuild-nonexistent .*dpkg-buildpackage -us -uc -B/s);
    assert.doesNotMatch(log, /^dpkg-buildpackage: warning: /m);
  });

  it("reproducible/a second build from the .dsc (another path, user, umask, TZ, locale, parallelism)/byte-identical .debs", () => {
    const log = readFileSync(join(out, "reproducible.log"), "utf8");
    process.stderr.write(`# two builds' .debs:\n${log.replace(/^/gm, "#   ")}\n`);
    const digests = new Map<string, string[]>();
    for (const [, sum, file] of log.matchAll(/^([0-9a-f]{64})  (?:second\/)?(\S+)$/gm)) digests.set(file!, [...(digests.get(file!) ?? []), sum!]);
    assert.deepEqual([...digests.keys()].sort(), [deb.replace(/^ddns_/, "ddns-dbgsym_"), deb].sort(), "both builds' ddns and ddns-dbgsym .debs compared");
    for (const [file, sums] of digests) assert.ok(sums.length === 2 && sums[0] === sums[1], `${file} differs between the builds:\n${log}`);
    assert.equal(readFileSync(join(out, "reproducible.status"), "utf8").trim(), "0");
  });

  // The real sbuild, opt-in: it needs the host packages sbuild and uidmap, creates a
  // system user with subordinate ids, and adds about 5 minutes (it unpacks the build
  // root from a tarball for every build). Run here on 2026-12-05: the same .debs as both builds.
  const sbuild = process.env["DDNS_TEST_SBUILD"] === "1";
  it("real sbuild/--chroot-mode=unshare -B of the .dsc, offline/the same .debs byte for byte", { skip: sbuild ? false : "DDNS_TEST_SBUILD=1 runs it (host packages sbuild, uidmap)" }, () => {
    const dsc = readdirSync(out).find((f) => /^ddns_[^_]+\.dsc$/.test(f));
    assert.ok(dsc, "debian-build.sh kept the source package");
    const sbOut = mkdtempSync("/tmp/ddns-sbuild-out.");
    try {
      const r = spawnSync(join(root, "test/system/debian-sbuild.sh"), [join(out, dsc), out, sbOut], { encoding: "utf8", timeout: 1_500_000 });
      process.stderr.write(r.stderr.replace(/^/gm, "# "));
      assert.equal(r.status, 0, `debian-sbuild.sh exited ${r.status}`);
      assert.match(readFileSync(join(sbOut, readdirSync(sbOut).find((f) => /^ddns_.*_amd64.*\.build$/.test(f)) ?? "ddns.build"), "utf8"), /^Command: dpkg-buildpackage .*-B\b/m);
    } finally {
      rmSync(sbOut, { recursive: true, force: true });
    }
  });

  it("the .deb/its contents/every unit in systemd/ under /usr/lib/systemd/system", () => {
    const contents = spawnSync("dpkg-deb", ["-c", join(out, deb)], { encoding: "utf8" });
    assert.equal(contents.status, 0, contents.stderr);
    const shipped = new Set(contents.stdout.split("\n").map((l) => l.split(/\s+/).pop() ?? ""));
    const units = readdirSync(join(root, "systemd")).filter((f) => /\.(service|socket|path|timer|target|mount)$/.test(f));
    assert.ok(units.includes("ddns-push@.service") && units.includes("ddns-push.socket"), units.join(" "));
    const missing = units.filter((u) => !shipped.has(`./usr/lib/systemd/system/${u}`));
    assert.deepEqual(missing, [], "units in systemd/ missing from the .deb");
  });

  it("the .deb/native addons/sd-notify and systemd-journald under /usr/lib/<triplet>/ddns, Depends on the nodejs ABI", () => {
    const contents = spawnSync("dpkg-deb", ["-c", join(out, deb)], { encoding: "utf8" }).stdout;
    for (const f of ["notify.node", "journal_send.node"]) assert.match(contents, new RegExp(`\\./usr/lib/[a-z0-9_]+-linux-[a-z0-9_]+/ddns/${f.replace(".", "\\.")}\\n`), f);
    const field = (name: string) => spawnSync("dpkg-deb", ["-f", join(out, deb), name], { encoding: "utf8" }).stdout.trim();
    assert.notEqual(field("Architecture"), "all");
    // libnode115: the ABI the addons were built for (from ${shlibs:Depends}), and libsystemd0.
    assert.match(field("Depends"), /\blibnode\d+ \(/);
    assert.match(field("Depends"), /\blibsystemd0\b/);
  });

  it("a clean Debian 13/apt install ./ddns_VERSION_ARCH.deb/installs with nodejs from Debian 13", async () => {
    const r = await aptInstall(m!, [`/root/${deb}`]);
    ok(r, "apt-get install");
    const node = ok(m!.exec(["dpkg-query", "-W", "-f=${Version}", "nodejs"]), "dpkg-query nodejs");
    assert.match(node, /^20\.19\./, "nodejs comes from Debian 13");
    assert.doesNotMatch(r.stdout + r.stderr, /^(E|W): /m, "apt and the maintainer scripts complain about nothing");
  });

  it("after install/the native addons/load in Debian 13's node", () => {
    // /usr/lib/<triplet>/ddns, whatever this machine's triplet.
    const dir = ok(m!.exec(["sh", "-c", "ls -d /usr/lib/*-linux-*/ddns"]), "the addon directory").trim();
    const load = `const d=${JSON.stringify(dir)};
      const n=require(d+"/notify.node"), j=require(d+"/journal_send.node"); process.stdout.write(typeof n.sendState+" "+typeof j.send);`;
    assert.equal(ok(m!.exec(["node", "-e", load]), "require the addons"), "function function");
  });

  it("after install/ddns.path and ddns.timer/enabled and active", () => {
    assert.equal(m!.exec(["systemctl", "is-enabled", "ddns.path", "ddns.timer"]).stdout, "enabled\nenabled\n");
    assert.equal(m!.exec(["systemctl", "is-active", "ddns.path", "ddns.timer"]).stdout, "active\nactive\n");
  });

  it("after install/systemd-analyze verify of the installed units/no complaint from Debian 13's systemd", () => {
    // Not the push units: verify cannot load an Accept=yes socket's template
    // ("service ddns-push@internal.service not loaded"); test/push covers them.
    const units = ["ddns.service", "ddns.path", "ddns.timer"].map((u) => `/usr/lib/systemd/system/${u}`);
    const r = m!.exec(["systemd-analyze", "verify", "--man=no", ...units]);
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stderr, "", "unknown keys only warn: stderr must be empty");
  });

  it("after install/the router push receiver/installed but disabled and not listening", () => {
    assert.equal(m!.exec(["systemctl", "is-enabled", "ddns-push.socket"]).stdout.trim(), "disabled");
    assert.equal(m!.exec(["systemctl", "is-active", "ddns-push.socket"]).stdout.trim(), "inactive");
    for (const f of ["launch.cjs", "ddns-push.cjs", "ddns-push.cjs.cache"]) {
      assert.ok(existsSync(join(m!.merged, "usr/share/ddns", f)), `${f}: the receiver the unit runs is installed`);
    }
    for (const f of ["ddns-toml.cjs", "ddns-toml.cjs.cache"]) {
      assert.ok(existsSync(join(m!.merged, "usr/share/ddns", f)), `${f}: the TOML parser the reconciler loads is installed`);
    }
  });

  it("after install/ddns.service/not started by dpkg", () => {
    const show = ok(m!.exec(["systemctl", "show", "-P", "ExecMainStartTimestampMonotonic", "ddns.service"]), "systemctl show");
    assert.equal(show.trim(), "0", "ddns.service never ran");
    assert.equal(m!.exec(["systemctl", "is-enabled", "ddns.service"]).stdout.trim(), "static");
  });

  it("after install/sysusers and tmpfiles/ddns user and /run/ddns/events exist", () => {
    assert.match(ok(m!.exec(["getent", "passwd", "ddns"]), "getent"), /^ddns:x:\d+:\d+:.*:\/var\/lib\/ddns:/);
    assert.equal(ok(m!.exec(["stat", "-c", "%U:%G %a", "/run/ddns/events"]), "stat").trim(), "root:ddns 770");
  });

  it("after install/the shipped config/is a conffile that validates", () => {
    assert.match(ok(m!.exec(["dpkg-query", "-W", "-f=${Conffiles}", "ddns"]), "conffiles"), /\/etc\/ddns\/ddns\.toml [0-9a-f]{32}/);
    ok(m!.exec(["ddns", "check"]), "ddns check");
  });

  it("shipped config/systemctl start ddns.service/exits 0 and logs nothing alarming", () => {
    ok(m!.exec(["systemctl", "start", "ddns.service"], { timeoutMs: 120_000 }), "systemctl start ddns.service");
    assert.equal(m!.exec(["systemctl", "show", "-P", "Result", "ddns.service"]).stdout.trim(), "success");
    assert.equal(m!.exec(["systemctl", "show", "-P", "ExecMainStatus", "ddns.service"]).stdout.trim(), "0");
    const warnings = m!.exec(["journalctl", "-q", "--no-pager", "-u", "ddns.service", "-p", "warning", "-o", "cat"]).stdout;
    assert.equal(warnings, "", "no journal entry of priority warning or worse");
  });

  it("man pages and help/man ddns, man ddns.toml, ddns --help/work", () => {
    const env = { MANPAGER: "cat", MANWIDTH: "80" };
    assert.match(ok(m!.exec(["man", "ddns"], { env }), "man ddns"), /ddns - keep DNS records pointed/);
    const toml5 = ok(m!.exec(["man", "ddns.toml"], { env }), "man ddns.toml");
    assert.match(toml5, /PROVIDER TYPES/);
    for (const spec of providerSpecs()) assert.match(toml5, new RegExp(`^   ${spec.type}$`, "m"), `ddns.toml(5) documents ${spec.type}`);
    const help = ok(m!.exec(["ddns", "--help"]), "ddns --help");
    for (const cmd of ["run", "status", "check", "detect", "providers"]) assert.match(help, new RegExp(`\\b${cmd}\\b`));
  });

  // autopkgtest's own tests (debian/tests), run as autopkgtest would: as root, with
  // AUTOPKGTEST_TMP, failing on any stderr output (no allow-stderr restriction).
  for (const name of ["smoke", "units"]) {
    it(`autopkgtest ${name}/run in the booted machine/passes with empty stderr`, () => {
      copyFileSync(join(root, "debian/tests", name), join(m!.merged, "root", `autopkgtest-${name}`));
      const r = m!.sh(`mkdir -p /tmp/adt-${name} && sh /root/autopkgtest-${name}; rc=$?; rm -rf /root/autopkgtest-${name} /tmp/adt-${name}; exit $rc`, {
        env: { AUTOPKGTEST_TMP: `/tmp/adt-${name}` },
        timeoutMs: 120_000,
      });
      ok(r, `debian/tests/${name}`);
      assert.equal(r.stderr, "", `debian/tests/${name} wrote to stderr`);
    });
  }

  it("V8 code caches/built with the package (ddns, ddns-push, the TOML parser, the trained provider parts)/accepted by Debian 13's node", () => {
    for (const bundle of ["ddns", "ddns-push", "ddns-toml", "ddns-provider-dyndns2", "ddns-provider-cloudflare"]) {
      // What src/start/launch.ts does, reporting V8's verdict on the cache: the programs
      // are wrapped as Module.wrap does, the parts are written wrapped by the build.
      const wrapped = bundle === "ddns-toml" || bundle.startsWith("ddns-provider-");
      const probe = `const fs=require("node:fs"),vm=require("node:vm"),M=require("node:module");
        const b="/usr/share/ddns/${bundle}.cjs",raw=fs.readFileSync(b+".cache"),body=raw.subarray(raw.indexOf(10)+1);
        const t=fs.readFileSync(b,"utf8");
        const s=new vm.Script(${wrapped ? "t" : "M.wrap(t)"},{filename:b,cachedData:body});
        process.stdout.write(String(s.cachedDataRejected));`;
      assert.equal(ok(m!.exec(["node", "-e", probe]), `code cache probe ${bundle}`), "false", bundle);
    }
  });

  it("journal catalog/journalctl --list-catalog/knows every MESSAGE_ID", () => {
    const list = ok(m!.exec(["journalctl", "--list-catalog"]), "journalctl --list-catalog");
    for (const id of Object.values(MESSAGE_IDS)) assert.match(list, new RegExp(`^${id} ddns: `, "m"), id);
  });

  it("bash completion/installed/completes the commands", () => {
    assert.ok(existsSync(join(m!.merged, "usr/share/bash-completion/completions/ddns")));
  });

  it("loopback provider/NetworkManager and networkd-dispatcher hook events, a follow-up, then a router push to ddns-push.socket with curl/exactly one update each", { skip: providerSpec("dyndns2") ? false : "no dyndns2 provider yet" }, async () => {
    await runLoopbackUpdate(m!);
  });

  it("purge/apt-get purge ddns/nothing left but what Debian policy keeps", () => {
    ok(m!.exec(["apt-get", "purge", "-y", "-q", "ddns"], { timeoutMs: 120_000 }), "apt-get purge");
    assert.equal(m!.exec(["systemctl", "list-unit-files", "--no-legend", "ddns*"]).stdout.trim(), "");
    for (const unit of ["ddns.path", "ddns.timer", "ddns.service"]) {
      assert.equal(m!.exec(["systemctl", "is-active", unit]).stdout.trim(), "inactive", unit);
    }
    // Everything the machine wrote since before install is in the overlay's upper
    // layer: nothing with "ddns" in its name may remain there.
    // Logs stay (the journal), and so do caches other packages own and expire:
    // man-db's cat pages of the pages this test itself read.
    const kept = (p: string) => p.startsWith("var/log/journal/") || p.startsWith("var/cache/man/");
    const left = listTree(m!.upper).filter((p) => !upperBeforeInstall.has(p) && /ddns/i.test(p) && !kept(p));
    assert.deepEqual(left, []);
    // Debian keeps system users (policy 9.2.2): the ddns user stays, nothing of it does.
    assert.ok(m!.exec(["getent", "passwd", "ddns"]).status === 0, "the ddns system user stays");
    assert.equal(m!.exec(["find", "/", "-xdev", "-user", "ddns"]).stdout, "", "no file owned by ddns");
  });
});

/**
 * apt-get install inside the machine from the downloaded archives. The archive
 * directory is the shared cache under /var/cache/ddns-test, which another suite's
 * apt may hold locked for a moment: wait for it (up to 2 minutes) rather than fail.
 */
async function aptInstall(m: DebianMachine, args: string[]): Promise<Result> {
  const deadline = Date.now() + 120_000;
  for (;;) {
    const r = m.exec(["apt-get", "install", "-y", "-q", ...args], { timeoutMs: 300_000 });
    if (r.status === 0 || !/Could not get lock/.test(r.stderr) || Date.now() > deadline) return r;
    await sleep(2000);
  }
}

/** Every path under `dir`, relative, without descending into mounts. */
function listTree(dir: string): string[] {
  const r = spawnSync("find", [".", "-xdev"], { cwd: dir, encoding: "utf8", maxBuffer: 64 << 20 });
  return r.stdout.split("\n").filter((l) => l !== "" && l !== ".").map((l) => l.slice(2));
}

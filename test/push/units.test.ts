import { strict as assert } from "node:assert";
import { spawnSync } from "node:child_process";
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { after, before, describe, it } from "node:test";

const root = fileURLToPath(new URL("../../../", import.meta.url));
const UNITS = ["ddns-push.socket", "ddns-push@.service"];
const analyze = spawnSync("systemd-analyze", ["--version"]).status === 0;
const unitDir = ["/usr/lib/systemd/system", "/lib/systemd/system"].find((d) => existsSync(join(d, "sysinit.target")));
const unit = (name: string): string => readFileSync(join(root, "systemd", name), "utf8");

/** The values of `key` in `[section]`, in order. */
function values(text: string, section: string, key: string): string[] {
  let current = "";
  const out: string[] = [];
  for (const raw of text.split("\n")) {
    const line = raw.trim();
    if (line === "" || line.startsWith("#")) continue;
    if (line.startsWith("[")) current = line;
    else if (current === `[${section}]` && line.startsWith(`${key}=`)) out.push(line.slice(key.length + 1));
  }
  return out;
}

describe("Push - units under systemd-analyze", { skip: analyze ? false : "systemd-analyze is not installed" }, () => {
  let fakeRoot = "";
  before(() => {
    fakeRoot = mkdtempSync(join(tmpdir(), "ddns-push-verify-"));
    mkdirSync(join(fakeRoot, "usr/bin"), { recursive: true });
    mkdirSync(join(fakeRoot, "etc/systemd/system"), { recursive: true });
    writeFileSync(join(fakeRoot, "usr/bin/node"), "#!/bin/sh\n", { mode: 0o755 });
    if (unitDir) cpSync(unitDir, join(fakeRoot, "usr/lib/systemd/system"), { recursive: true, verbatimSymlinks: true });
    for (const u of UNITS) cpSync(join(root, "systemd", u), join(fakeRoot, "etc/systemd/system", u));
  });
  after(() => rmSync(fakeRoot, { recursive: true, force: true }));

  it("socket and service/verify --man=no/pass with empty stderr", () => {
    const r = spawnSync("systemd-analyze", ["verify", "--man=no", `--root=${fakeRoot}`, ...UNITS], { encoding: "utf8" });
    assert.equal(r.stderr, "", "no warning at all (unknown keys only warn)");
    assert.equal(r.status, 0);
  });

  it("ddns-push@.service/security --offline/scores 0.5 or lower", () => {
    const r = spawnSync("systemd-analyze", ["security", "--offline=true", "--no-pager", join(root, "systemd/ddns-push@.service")], { encoding: "utf8" });
    const m = /Overall exposure level for ddns-push@\S*\.service: (\d+\.\d)/.exec(r.stdout);
    assert.ok(m, r.stdout + r.stderr);
    assert.ok(Number(m[1]) <= 0.5, `exposure ${m[1]}`);
  });
});

describe("Push - unit contents", () => {
  it("socket/limits/per-connection instances bounded overall, per source and per burst", () => {
    const s = unit("ddns-push.socket");
    assert.deepEqual(values(s, "Socket", "Accept"), ["yes"]);
    assert.ok(Number(values(s, "Socket", "MaxConnections")[0]) <= 64);
    assert.ok(Number(values(s, "Socket", "MaxConnectionsPerSource")[0]) <= 8);
    assert.equal(values(s, "Socket", "TriggerLimitIntervalSec").length, 1);
    assert.equal(values(s, "Socket", "TriggerLimitBurst").length, 1);
  });

  it("socket/listeners/a TCP port and a root-only Unix socket", () => {
    const s = unit("ddns-push.socket");
    assert.deepEqual(values(s, "Socket", "ListenStream"), ["8245", "/run/ddns-push.sock"]);
    assert.deepEqual(values(s, "Socket", "SocketMode"), ["0600"]);
  });

  it("service/io and sandbox/connection on stdin+stdout, no network of its own", () => {
    const s = unit("ddns-push@.service");
    assert.deepEqual(values(s, "Service", "StandardInput"), ["socket"]);
    assert.deepEqual(values(s, "Service", "StandardOutput"), ["socket"]);
    assert.deepEqual(values(s, "Service", "PrivateNetwork"), ["yes"]);
    assert.deepEqual(values(s, "Service", "IPAddressDeny"), ["any"]);
    assert.deepEqual(values(s, "Service", "RestrictAddressFamilies"), ["AF_UNIX"]);
    assert.deepEqual(values(s, "Service", "User"), ["ddns"]);
    assert.ok(values(s, "Service", "RuntimeMaxSec").length === 1);
    assert.deepEqual(values(s, "Unit", "CollectMode"), ["inactive-or-failed"]);
    // Where debian/ddns.install puts the bundle scripts/build.mjs makes.
    assert.deepEqual(values(s, "Service", "ExecStart"), ["/usr/bin/node /usr/share/ddns/launch.cjs /usr/share/ddns/ddns-push.cjs"]);
    assert.equal(values(s, "Service", "LoadCredential").length, 0, "the push secret credential is a documented drop-in");
  });
});

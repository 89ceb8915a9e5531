import { describe, it, before, after } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { cpSync, existsSync, symlinkSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

// build/test/systemd/ -> repository root
const root = fileURLToPath(new URL("../../../", import.meta.url));
const UNITS = ["ddns.service", "ddns.path", "ddns.timer"];
const analyze = spawnSync("systemd-analyze", ["--version"]).status === 0;
const isRoot = process.getuid?.() === 0;
const unitDir = ["/usr/lib/systemd/system", "/lib/systemd/system"].find((d) => existsSync(join(d, "sysinit.target")));

function unit(name: string): string {
  return readFileSync(join(root, "systemd", name), "utf8");
}

/** `Key=value` lines of one section, in order (a unit may repeat a key). */
function entries(text: string, section: string): Array<[string, string]> {
  const out: Array<[string, string]> = [];
  let current = "";
  for (const raw of text.split("\n")) {
    const line = raw.trim();
    if (line === "" || line.startsWith("#")) continue;
    if (line.startsWith("[")) current = line;
    else if (current === `[${section}]`) {
      const eq = line.indexOf("=");
      out.push([line.slice(0, eq), line.slice(eq + 1)]);
    }
  }
  return out;
}
function one(text: string, section: string, key: string): string | undefined {
  const all = entries(text, section).filter(([k]) => k === key);
  return all.at(-1)?.[1];
}

describe("Units - systemd-analyze", { skip: analyze ? false : "systemd-analyze is not installed" }, () => {
  // verify checks that ExecStart= exists, and needs the system's own units
  // (sysinit.target ...): a root with both, and the units under /etc.
  let fakeRoot = "";
  before(() => {
    fakeRoot = mkdtempSync(join(tmpdir(), "ddns-verify-"));
    mkdirSync(join(fakeRoot, "usr/bin"), { recursive: true });
    mkdirSync(join(fakeRoot, "etc/systemd/system"), { recursive: true });
    // Every program the units name, on a merged-/usr layout (as Debian 12 and 13 are).
    for (const prog of ["ddns", "sh"]) writeFileSync(join(fakeRoot, "usr/bin", prog), "#!/bin/sh\n", { mode: 0o755 });
    symlinkSync("usr/bin", join(fakeRoot, "bin"));
    if (unitDir) cpSync(unitDir, join(fakeRoot, "usr/lib/systemd/system"), { recursive: true, verbatimSymlinks: true });
    for (const u of UNITS) cpSync(join(root, "systemd", u), join(fakeRoot, "etc/systemd/system", u));
  });
  after(() => rmSync(fakeRoot, { recursive: true, force: true }));

  it("units/verify --man=no/passes with empty stderr", () => {
    const r = spawnSync("systemd-analyze", ["verify", "--man=no", `--root=${fakeRoot}`, ...UNITS], { encoding: "utf8" });
    assert.equal(r.stderr, "", "no warning at all (unknown keys only warn)");
    assert.equal(r.status, 0);
  });

  it("verify itself/an unknown key/is reported on stderr", () => {
    const bad = join(fakeRoot, "etc/systemd/system/ddns-bad.service");
    writeFileSync(bad, unit("ddns.service") + "RestartSteps=5\n");
    const r = spawnSync("systemd-analyze", ["verify", "--man=no", `--root=${fakeRoot}`, "ddns-bad.service"], { encoding: "utf8" });
    rmSync(bad);
    assert.match(r.stderr, /RestartSteps|Unknown key/, "the check above can fail");
  });

  it("ddns.service/security --offline/scores 1.5 or lower", () => {
    const r = spawnSync("systemd-analyze", ["security", "--offline=true", "--no-pager", join(root, "systemd/ddns.service")], {
      encoding: "utf8",
    });
    const m = /Overall exposure level for ddns\.service: (\d+\.\d)/.exec(r.stdout);
    assert.ok(m, r.stdout + r.stderr);
    assert.ok(Number(m[1]) <= 1.5, `exposure ${m[1]}`);
  });
});

describe("Units - contents", () => {
  it("ddns.service/exit statuses/77 and 78 are never retried, 75 is", () => {
    const s = unit("ddns.service");
    assert.equal(one(s, "Service", "Type"), "oneshot");
    assert.equal(one(s, "Service", "ExecStart"), "/usr/bin/ddns run");
    assert.equal(one(s, "Service", "Restart"), "on-failure");
    assert.deepEqual(one(s, "Service", "RestartPreventExitStatus")?.split(/\s+/).sort(), ["77", "78"]);
    assert.equal(one(s, "Service", "SuccessExitStatus"), undefined, "75 must stay a failure for Restart=");
    assert.ok(Number.parseInt(one(s, "Service", "RestartSec") ?? "0", 10) >= 1, "a delay before the retry");
  });

  it("ddns.service/identity and directories/as designed", () => {
    const s = unit("ddns.service");
    assert.equal(one(s, "Service", "User"), "ddns");
    assert.equal(one(s, "Service", "DynamicUser"), undefined, "DynamicUser= would take over /run/ddns");
    assert.equal(one(s, "Service", "StateDirectory"), "ddns");
    assert.equal(one(s, "Service", "ConfigurationDirectory"), "ddns");
    assert.equal(one(s, "Service", "RuntimeDirectory"), undefined, "tmpfiles.d owns /run/ddns");
    assert.equal(one(s, "Service", "ReadWritePaths"), "/run/ddns");
    assert.equal(one(s, "Service", "NotifyAccess"), "main");
    assert.equal(one(s, "Unit", "Documentation"), "man:ddns(8) man:ddns.toml(5)");
    assert.notEqual(one(s, "Service", "MemoryDenyWriteExecute"), "yes", "V8 dies under it");
    const families = one(s, "Service", "RestrictAddressFamilies")?.split(/\s+/).sort();
    assert.deepEqual(families, ["AF_INET", "AF_INET6", "AF_NETLINK", "AF_UNIX"]);
    const filters = entries(s, "Service").filter(([k]) => k === "SystemCallFilter").map(([, v]) => v);
    assert.ok(filters.some((f) => f.split(/\s+/).includes("@pkey")), "node 20 needs pkey_alloc");
  });

  it("ddns.service/start limit/above what the path unit's events can cause", () => {
    const s = unit("ddns.service");
    const p = unit("ddns.path");
    const burst = Number(one(s, "Unit", "StartLimitBurst"));
    const interval = Number(one(s, "Unit", "StartLimitIntervalSec"));
    assert.ok(burst >= 20 && interval <= 120, `${burst} in ${interval}s`);
    assert.ok(Number(one(p, "Path", "TriggerLimitBurst")) > burst, "the service's limit trips first");
  });

  it("ddns.path/watches/the events directory and the config", () => {
    const p = unit("ddns.path");
    assert.equal(one(p, "Path", "DirectoryNotEmpty"), "/run/ddns/events");
    assert.equal(one(p, "Path", "PathChanged"), "/etc/ddns/ddns.toml");
    assert.equal(one(p, "Path", "MakeDirectory"), undefined);
  });

  it("ddns.timer/schedule/boot, interval, randomized, persistent", () => {
    const t = unit("ddns.timer");
    assert.ok(one(t, "Timer", "OnBootSec"));
    assert.ok(one(t, "Timer", "OnCalendar"));
    assert.ok(one(t, "Timer", "RandomizedDelaySec"));
    assert.equal(one(t, "Timer", "Persistent"), "yes");
  });
});

describe("Units - sysusers.d and tmpfiles.d", { skip: isRoot ? false : "chown needs root" }, () => {
  it("a fresh root/sysusers then tmpfiles/ddns user and /run/ddns/events root:ddns 0770", () => {
    const r = mkdtempSync(join(tmpdir(), "ddns-tmpfiles-"));
    try {
      mkdirSync(join(r, "etc"));
      const u = spawnSync("systemd-sysusers", [`--root=${r}`, join(root, "systemd/ddns.sysusers")], { encoding: "utf8" });
      assert.equal(u.status, 0, u.stderr);
      const passwd = readFileSync(join(r, "etc/passwd"), "utf8");
      const m = /^ddns:x:(\d+):(\d+):[^:]*:[^:]*:(.*)$/m.exec(passwd);
      assert.ok(m, passwd);
      assert.ok(Number(m[1]) < 1000, "a system user");
      assert.match(m[3] ?? "", /nologin$/);
      const t = spawnSync("systemd-tmpfiles", [`--root=${r}`, "--create", join(root, "systemd/ddns.tmpfiles")], { encoding: "utf8" });
      assert.equal(t.status, 0, t.stderr);
      for (const d of ["run/ddns", "run/ddns/events"]) {
        const st = statSync(join(r, d));
        assert.ok(st.isDirectory());
        assert.equal(st.uid, 0, `${d} owned by root`);
        assert.equal(st.gid, Number(m[2]), `${d} group ddns`);
        assert.equal(st.mode & 0o7777, 0o770, d);
      }
    } finally {
      rmSync(r, { recursive: true, force: true });
    }
  });
});

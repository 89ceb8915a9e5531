import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { surveyIpv4, surveyIpv6 } from "../../src/ip-source/survey.js";
import { ROOT } from "../helpers/ddns.js";

// /proc/net/if_inet6 lines: address, ifindex, prefix length, scope, flags, interface.
const IF_INET6 = [
  "20010db8000000000000000000000001 02 40 00 80 eth0", // documentation range: dropped
  "2a0100000000000000000000000000aa 02 40 00 80 eth0", // global, permanent: usable
  "2a0100000000000000000000000000bb 02 40 00 01 eth0", // temporary
  "2a0100000000000000000000000000cc 02 40 00 20 eth0", // deprecated
  "2a0100000000000000000000000000dd 02 40 00 40 eth0", // tentative
  "fe800000000000000000000000000001 02 40 20 80 eth0", // link-local
  "fd000000000000000000000000000001 02 40 00 80 eth0", // ULA
  "00000000000000000000000000000001 01 80 10 80 lo",
].join("\n");

describe("Detect - survey of the interfaces", () => {
  it("IPv6 addresses/each with its verdict: usable, temporary, deprecated, tentative, link-local, ULA, loopback", () => {
    const v = Object.fromEntries(surveyIpv6(IF_INET6, "stable").map((c) => [c.address, c.dropped]));
    assert.equal(v["2a01::aa"], null);
    assert.match(v["2a01::bb"] ?? "", /^temporary/);
    assert.match(v["2a01::cc"] ?? "", /^deprecated/);
    assert.match(v["2a01::dd"] ?? "", /^tentative/);
    assert.equal(v["fe80::1"], "link-local");
    assert.match(v["fd00::1"] ?? "", /^unique local/);
    assert.equal(v["::1"], "loopback");
    assert.equal(v["2001:db8::1"], "documentation range");
    assert.equal(Object.fromEntries(surveyIpv6(IF_INET6, "temporary").map((c) => [c.address, c.dropped]))["2a01::bb"], null);
  });

  it("IPv4 addresses/private, CGNAT, link-local and loopback dropped with the reason; a global one usable", () => {
    const mk = (address: string, internal = false) => ({ address, netmask: "255.255.255.0", family: "IPv4" as const, mac: "00:00:00:00:00:00", internal, cidr: null });
    const c = surveyIpv4({ lo: [mk("127.0.0.1", true)], eth0: [mk("192.168.1.10"), mk("81.2.69.160")], wwan0: [mk("100.64.3.4")], eth1: [mk("169.254.1.1")] });
    const v = Object.fromEntries(c.map((x) => [`${x.iface} ${x.address}`, x.dropped]));
    assert.equal(v["lo 127.0.0.1"], "loopback");
    assert.match(v["eth0 192.168.1.10"] ?? "", /^private/);
    assert.equal(v["eth0 81.2.69.160"], null);
    assert.match(v["wwan0 100.64.3.4"] ?? "", /^CGNAT/);
    assert.equal(v["eth1 169.254.1.1"], "link-local");
  });
});

/** bin/ddns in a network namespace of its own (only a loopback that is down): nothing can leave the machine. */
function ddnsOffline(args: string[], env: Record<string, string>): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn("unshare", ["--net", process.execPath, `${ROOT}bin/ddns`, ...args], { env: { PATH: "/usr/bin:/bin", ...env }, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.setEncoding("utf8").on("data", (d: string) => (stdout += d));
    child.stderr.setEncoding("utf8").on("data", (d: string) => (stderr += d));
    const timer = setTimeout(() => child.kill("SIGKILL"), 60_000);
    child.on("error", reject);
    child.on("close", (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

describe("Detect - ddns detect without a config, through the real bin/ddns", { skip: process.getuid?.() !== 0 ? "needs root for a network namespace" : false }, () => {
  it("no config file/exit 0, every unconfigured source for both families, each address and why it was dropped", async () => {
    const dir = await mkdtemp(join(tmpdir(), "ddns-detect-"));
    await writeFile(join(dir, "if_inet6"), IF_INET6 + "\n");
    const env = { DDNS_PROC_IF_INET6: join(dir, "if_inet6") };
    const r = await ddnsOffline(["detect", "--config", join(dir, "missing.toml")], env);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^no config at .*missing\.toml/);
    assert.match(r.stdout, /^ipv4 \(a config without \[ipv4\] uses sources = \["event", "interface"\]\)$/m);
    assert.match(r.stdout, /^ {4}eth0 2a01::aa: usable$/m);
    assert.match(r.stdout, /^ {4}eth0 2a01::bb: dropped: temporary/m);
    assert.match(r.stdout, /^ {4}eth0 fe80::1: dropped: link-local$/m);
    assert.match(r.stdout, /^ {2}interface: 2a01::aa$/m);
    assert.match(r.stdout, /^ {2}http: nothing \(/m);
    // The gateway source runs without configuration: here no default route, so no router to ask (at once).
    assert.match(r.stdout, /^ {2}gateway: nothing \(no default IPv4 route: no router to ask\)$/m);
    assert.match(r.stdout, /^ {2}gateway: nothing \(the gateway source is IPv4 only/m);
    assert.match(r.stdout, /^ {2}dns: nothing \(/m);
    const j = await ddnsOffline(["detect", "--json", "--config", join(dir, "missing.toml")], env);
    assert.equal(j.code, 0, j.stderr);
    const doc = JSON.parse(j.stdout);
    assert.equal(doc.config, null);
    assert.deepEqual(doc.families.ipv6.sources.map((s: { source: string }) => s.source), ["interface", "gateway", "http", "dns"]);
    assert.deepEqual(doc.families.ipv4.sources.map((s: { source: string }) => s.source), ["interface", "gateway", "http", "dns"]);
    assert.equal(doc.families.ipv6.sources[0].kind, "found");
  });

  it("an unreadable config that exists/still exit 78: only a missing file means a fresh install", async () => {
    const dir = await mkdtemp(join(tmpdir(), "ddns-detect-"));
    await writeFile(join(dir, "bad.toml"), "[ipv4\n");
    const r = await ddnsOffline(["detect", "--config", join(dir, "bad.toml")], {});
    assert.equal(r.code, 78);
  });
});

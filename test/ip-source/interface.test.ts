import { describe, it, before, after } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir, type NetworkInterfaceInfo } from "node:os";
import { join } from "node:path";
import { createInterfaceSource, parseIfInet6, selectIpv6 } from "../../src/ip-source/interface.js";
import { familyConfig } from "./family-config.js";

// A realistic machine: loopback, link-local, a ULA, stable and privacy addresses on
// two interfaces, and addresses in every unusable state.
const SAMPLE = [
  "00000000000000000000000000000001 01 80 10 80       lo",
  "fe8000000000000002fc00fffe000001 02 40 20 80     eth0",
  "fd000000000000000000000000000002 02 40 00 80     eth0",
  "2a0104f8000000010000000000000001 02 40 00 80     eth0", // permanent (static)
  "2a0104f8000000020211223344556677 02 40 00 100    eth0", // mngtmpaddr (SLAAC base), printed wider than 2 digits
  "2a0104f800000002a1b2c3d4e5f60718 02 40 00 01     eth0", // temporary
  "2a0104f800000002a1b2c3d4e5f60719 02 40 00 21     eth0", // temporary + deprecated
  "2a0104f800000002000000000000dead 02 40 00 20     eth0", // deprecated
  "2a0104f800000002000000000000beef 02 40 00 40     eth0", // tentative
  "2a0104f800000002000000000000bad0 02 40 00 48     eth0", // tentative + dadfailed
  "2a0104f800000002000000000000bad1 02 40 00 08     eth0", // dadfailed
  "2a0104f800000002000000000000051e 02 40 40 80     eth0", // site scope
  "2a0104f8000000030000000000000003 03 40 00 80    wlan0",
  "2a0104f8000000030000000000000004 03 40 00 01    wlan0", // temporary
  "garbage line",
  "",
].join("\n");

describe("IpSource - interface", () => {
  let dir: string;
  let proc: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), "ddns-if-"));
    proc = join(dir, "if_inet6");
    writeFileSync(proc, SAMPLE);
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  const noV4 = (): NodeJS.Dict<NetworkInterfaceInfo[]> => ({});

  it("sample if_inet6/parse/every well-formed line", () => {
    const e = parseIfInet6(SAMPLE);
    assert.equal(e.length, 14);
    assert.deepEqual(e[4], { address: "2a01:4f8:0:2:211:2233:4455:6677", ifindex: 2, prefixLength: 64, scope: 0, flags: 0x100, iface: "eth0" });
    assert.equal(e[0]!.address, "::1");
    assert.equal(e[0]!.scope, 0x10);
  });

  it("prefer stable/select/global non-temporary usable only, file order", () => {
    assert.deepEqual(selectIpv6(parseIfInet6(SAMPLE), "stable", []), [
      "fd00::2",
      "2a01:4f8:0:1::1",
      "2a01:4f8:0:2:211:2233:4455:6677",
      "2a01:4f8:0:3::3",
    ]);
  });

  it("prefer temporary/select/temporary first, then stable; deprecated temporary still skipped", () => {
    assert.deepEqual(selectIpv6(parseIfInet6(SAMPLE), "temporary", []), [
      "2a01:4f8:0:2:a1b2:c3d4:e5f6:718",
      "2a01:4f8:0:3::4",
      "fd00::2",
      "2a01:4f8:0:1::1",
      "2a01:4f8:0:2:211:2233:4455:6677",
      "2a01:4f8:0:3::3",
    ]);
  });

  it("interfaces configured/select/only those, in config order", () => {
    assert.deepEqual(selectIpv6(parseIfInet6(SAMPLE), "stable", ["wlan0", "eth0"]), [
      "2a01:4f8:0:3::3",
      "fd00::2",
      "2a01:4f8:0:1::1",
      "2a01:4f8:0:2:211:2233:4455:6677",
    ]);
  });

  it("every flag combination/select/usable iff not tentative, dadfailed or deprecated; temporary per prefer", () => {
    const lines: string[] = [];
    for (let f = 0; f < 0x200; f++) lines.push(`2a0104f8000000090000000000${f.toString(16).padStart(6, "0")} 02 40 00 ${f.toString(16).padStart(2, "0")} eth0`);
    const entries = parseIfInet6(lines.join("\n"));
    assert.equal(entries.length, 0x200);
    const stable = new Set(selectIpv6(entries, "stable", []));
    const temporary = selectIpv6(entries, "temporary", []);
    for (const e of entries) {
      const bad = (e.flags & 0x08) !== 0 || (e.flags & 0x20) !== 0 || (e.flags & 0x40) !== 0;
      const temp = (e.flags & 0x01) !== 0;
      assert.equal(stable.has(e.address), !bad && !temp, `flags ${e.flags.toString(16)} stable`);
      assert.equal(temporary.includes(e.address), !bad, `flags ${e.flags.toString(16)} temporary`);
    }
    const firstStable = temporary.findIndex((a) => stable.has(a));
    assert.ok(temporary.slice(firstStable).every((a) => stable.has(a)), "temporaries come first");
    assert.equal(stable.size, 32); // 9 flag bits, 4 of them (3 bad + temporary) must be clear
  });

  it("ipv6 with ULA/detect/refused unless accept_private", async () => {
    writeFileSync(join(dir, "ula"), "fd000000000000000000000000000002 02 40 00 80     eth0\n");
    const src = createInterfaceSource(familyConfig(), { networkInterfaces: noV4, procIfInet6: join(dir, "ula") });
    assert.deepEqual(await src.detect("ipv6", AbortSignal.timeout(1000)), {
      kind: "unavailable",
      source: "interface",
      reason: "no global IPv6 address; refused fd00::2 (ula)",
    });
    const priv = createInterfaceSource(familyConfig({ acceptPrivate: true }), { networkInterfaces: noV4, procIfInet6: join(dir, "ula") });
    assert.deepEqual(await priv.detect("ipv6", AbortSignal.timeout(1000)), { kind: "found", source: "interface", addresses: ["fd00::2"] });
  });

  it("sample machine/detect ipv6/sane stable addresses", async () => {
    const src = createInterfaceSource(familyConfig(), { networkInterfaces: noV4, procIfInet6: proc });
    assert.deepEqual(await src.detect("ipv6", AbortSignal.timeout(1000)), {
      kind: "found",
      source: "interface",
      addresses: ["2a01:4f8:0:1::1", "2a01:4f8:0:2:211:2233:4455:6677", "2a01:4f8:0:3::3"],
    });
  });

  it("no if_inet6/detect ipv6/unavailable", async () => {
    const src = createInterfaceSource(familyConfig(), { networkInterfaces: noV4, procIfInet6: join(dir, "missing") });
    const d = await src.detect("ipv6", AbortSignal.timeout(1000));
    assert.equal(d.kind, "unavailable");
  });

  const v4 = (address: string, internal = false): NetworkInterfaceInfo =>
    ({ address, netmask: "255.255.255.0", family: "IPv4", mac: "00:00:00:00:00:00", internal, cidr: `${address}/24` }) as NetworkInterfaceInfo;

  it("ipv4 interfaces/detect/public non-internal only, limited to config interfaces", async () => {
    const nics = (): NodeJS.Dict<NetworkInterfaceInfo[]> => ({
      lo: [v4("127.0.0.1", true)],
      eth0: [v4("192.168.1.2"), v4("81.2.69.160")],
      ppp0: [v4("81.2.69.142")],
      docker0: [v4("172.17.0.1")],
    });
    const all = createInterfaceSource(familyConfig(), { networkInterfaces: nics, procIfInet6: proc });
    assert.deepEqual(await all.detect("ipv4", AbortSignal.timeout(1000)), { kind: "found", source: "interface", addresses: ["81.2.69.160", "81.2.69.142"] });
    const ppp = createInterfaceSource(familyConfig({ interfaces: ["ppp0"] }), { networkInterfaces: nics, procIfInet6: proc });
    assert.deepEqual(await ppp.detect("ipv4", AbortSignal.timeout(1000)), { kind: "found", source: "interface", addresses: ["81.2.69.142"] });
  });

  it("networkInterfaces throws (no AF_NETLINK)/detect ipv4/unavailable, no throw", async () => {
    const src = createInterfaceSource(familyConfig(), {
      networkInterfaces: () => {
        throw new Error("EAFNOSUPPORT");
      },
      procIfInet6: proc,
    });
    const d = await src.detect("ipv4", AbortSignal.timeout(1000));
    assert.equal(d.kind, "unavailable");
  });
});

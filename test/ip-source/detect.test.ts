import { describe, it, before, after } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { execFileSync } from "node:child_process";
import { tmpdir, type NetworkInterfaceInfo } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { detectAll, type DetectDeps } from "../../src/ip-source/detect.js";
import type { HttpClient } from "../../src/net/types.js";
import type { EventRecord } from "../../src/ip-source/types.js";
import { familyConfig } from "./family-config.js";

const PROC = "2a0104f8000000010000000000000001 02 40 00 80     eth0\n";

describe("IpSource - detectAll", () => {
  let dir: string;
  let proc: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), "ddns-detect-"));
    proc = join(dir, "if_inet6");
    writeFileSync(proc, PROC);
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  let factoryCalls = 0;
  const deps = (over: Partial<DetectDeps> = {}): DetectDeps => ({
    events: [],
    http: async (): Promise<HttpClient> => {
      factoryCalls++;
      return { request: async () => ({ status: 500, headers: {}, body: "" }) };
    },
    networkInterfaces: () => ({
      eth0: [{ address: "81.2.69.160", netmask: "255.255.255.0", family: "IPv4", mac: "00:00:00:00:00:00", internal: false, cidr: "81.2.69.160/24" } as NetworkInterfaceInfo],
    }),
    procIfInet6: proc,
    signal: AbortSignal.timeout(5000),
    ...over,
  });
  const ev = (e: Partial<EventRecord>): EventRecord => ({ file: "eth0", source: "manual", ipv4: [], ipv6: [], ...e });

  it("event present/detect/event wins over interface", async () => {
    factoryCalls = 0;
    const r = await detectAll(
      { ipv4: familyConfig(), ipv6: familyConfig() },
      deps({ events: [ev({ ipv4: ["81.2.69.1"], ipv6: ["2a01:4f8::9"], time: 2 }), ev({ ipv4: ["81.2.69.7"], time: 1 })] }),
    );
    assert.deepEqual(r, {
      ipv4: { kind: "found", source: "event", addresses: ["81.2.69.1"] },
      ipv6: { kind: "found", source: "event", addresses: ["2a01:4f8::9"] },
    });
    assert.equal(factoryCalls, 0);
  });

  it("NetworkManager event with stale addresses/the kernel's addresses of that interface win", async () => {
    const stale = { file: "eth0", iface: "eth0", source: "networkmanager" as const, action: "reapply", ipv4: ["81.2.69.1"], ipv6: ["2a01:4f8::9"], time: 2 };
    const r = await detectAll({ ipv4: familyConfig({ sources: ["event"] }), ipv6: familyConfig({ sources: ["event"] }) }, deps({ events: [stale] }));
    assert.deepEqual(r, {
      ipv4: { kind: "found", source: "event", addresses: ["81.2.69.160"] },
      ipv6: { kind: "found", source: "event", addresses: ["2a01:4f8:0:1::1"] },
    });
  });

  it("networkd event for an interface without a global address/unavailable, never empty; kernel unreadable/carried addresses", async () => {
    const e = { file: "wlan0", iface: "wlan0", source: "networkd" as const, action: "routable", ipv4: [], ipv6: [], time: 2 };
    const r = await detectAll({ ipv4: familyConfig({ sources: ["event"] }), ipv6: familyConfig({ enabled: false }) }, deps({ events: [e] }));
    assert.equal(r.ipv4.kind, "unavailable");
    const broken = deps({ events: [{ ...e, ipv4: ["81.2.69.9"] }], networkInterfaces: () => { throw new Error("EAFNOSUPPORT"); } });
    const s = await detectAll({ ipv4: familyConfig({ sources: ["event"] }), ipv6: familyConfig({ enabled: false }) }, broken);
    assert.deepEqual(s.ipv4, { kind: "found", source: "event", addresses: ["81.2.69.9"] });
  });

  it("follow-up event without addresses/reads the named interface", async () => {
    const e = { file: "eth0", iface: "eth0", source: "manual" as const, action: "follow-up", ipv4: [], ipv6: [], time: 3 };
    const r = await detectAll({ ipv4: familyConfig({ sources: ["event"] }), ipv6: familyConfig({ sources: ["event"] }) }, deps({ events: [e] }));
    assert.deepEqual(r.ipv4, { kind: "found", source: "event", addresses: ["81.2.69.160"] });
    assert.deepEqual(r.ipv6, { kind: "found", source: "event", addresses: ["2a01:4f8:0:1::1"] });
  });

  it("address watch event (SOURCE=watch, no interface)/reads every interface, or the configured ones, from the kernel", async () => {
    const e = { file: "ddns-address-watch", source: "watch" as const, action: "address-change", ipv4: [], ipv6: [], time: 4 };
    const two = (): NodeJS.Dict<NetworkInterfaceInfo[]> => ({
      eth0: [{ address: "81.2.69.160", netmask: "255.255.255.0", family: "IPv4", mac: "00:00:00:00:00:00", internal: false, cidr: "81.2.69.160/24" } as NetworkInterfaceInfo],
      wlan0: [{ address: "81.2.69.161", netmask: "255.255.255.0", family: "IPv4", mac: "00:00:00:00:00:00", internal: false, cidr: "81.2.69.161/24" } as NetworkInterfaceInfo],
    });
    const all = await detectAll({ ipv4: familyConfig({ sources: ["event"] }), ipv6: familyConfig({ sources: ["event"] }) }, deps({ events: [e], networkInterfaces: two }));
    assert.deepEqual(all.ipv4, { kind: "found", source: "event", addresses: ["81.2.69.160", "81.2.69.161"] });
    assert.deepEqual(all.ipv6, { kind: "found", source: "event", addresses: ["2a01:4f8:0:1::1"] });
    const wlan = await detectAll({ ipv4: familyConfig({ sources: ["event"], interfaces: ["wlan0"] }), ipv6: familyConfig({ enabled: false }) }, deps({ events: [e], networkInterfaces: two }));
    assert.deepEqual(wlan.ipv4, { kind: "found", source: "event", addresses: ["81.2.69.161"] });
  });

  it("no event/detect/falls through to interface", async () => {
    const r = await detectAll({ ipv4: familyConfig(), ipv6: familyConfig() }, deps());
    assert.deepEqual(r, {
      ipv4: { kind: "found", source: "interface", addresses: ["81.2.69.160"] },
      ipv6: { kind: "found", source: "interface", addresses: ["2a01:4f8:0:1::1"] },
    });
  });

  it("family disabled/detect/disabled", async () => {
    const r = await detectAll({ ipv4: familyConfig(), ipv6: familyConfig({ enabled: false }) }, deps());
    assert.deepEqual(r.ipv6, { kind: "disabled" });
  });

  it("every source unavailable/detect/unavailable with each reason", async () => {
    const r = await detectAll(
      { ipv4: familyConfig({ interfaces: ["wlan9"] }), ipv6: familyConfig({ sources: ["static"] }) },
      deps({ events: [ev({ ipv4: ["10.0.0.1"] })] }),
    );
    assert.deepEqual(r.ipv4, {
      kind: "unavailable",
      source: "interface",
      reason: "event: no event for the configured interfaces; interface: no global IPv4 address on wlan9",
    });
    assert.deepEqual(r.ipv6, { kind: "unavailable", source: "static", reason: "static: no address configured" });
  });

  it("event with private address/detect/refused, next source used", async () => {
    const r = await detectAll({ ipv4: familyConfig(), ipv6: familyConfig({ enabled: false }) }, deps({ events: [ev({ ipv4: ["192.168.1.5"] })] }));
    assert.deepEqual(r.ipv4, { kind: "found", source: "interface", addresses: ["81.2.69.160"] });
  });

  it("static/detect/taken as given, even private", async () => {
    const r = await detectAll(
      { ipv4: familyConfig({ sources: ["static"], addresses: ["10.1.2.3"] }), ipv6: familyConfig({ sources: ["static"], addresses: ["FD00::0001"] }) },
      deps(),
    );
    assert.deepEqual(r, {
      ipv4: { kind: "found", source: "static", addresses: ["10.1.2.3"] },
      ipv6: { kind: "found", source: "static", addresses: ["fd00::1"] },
    });
  });

  it("newest event per interface/detect/newest TIME wins, interfaces order kept, pushes left to the engine", async () => {
    const events = [
      ev({ file: "eth0", iface: "eth0", ipv4: ["81.2.69.1"], time: 10 }),
      ev({ file: "eth0", iface: "eth0", ipv4: ["81.2.69.2"], time: 20 }),
      ev({ file: "wlan0", iface: "wlan0", ipv4: ["81.2.69.3"], time: 30 }),
      ev({ file: "r1", source: "push", ipv4: ["81.2.69.4"] }),
    ];
    const r = await detectAll({ ipv4: familyConfig({ interfaces: ["eth0", "wlan0"] }), ipv6: familyConfig({ enabled: false }) }, deps({ events }));
    assert.deepEqual(r.ipv4, { kind: "found", source: "event", addresses: ["81.2.69.2", "81.2.69.3"] });
    // A push names one record (engine/pushes.ts): it is no address for the whole family.
    const s = await detectAll({ ipv4: familyConfig({ interfaces: ["ppp0"], sources: ["event"] }), ipv6: familyConfig({ enabled: false }) }, deps({ events }));
    assert.equal(s.ipv4.kind, "unavailable");
  });

  it("hanging command source/detect/cut at timeout_ms, next source used", async () => {
    const t0 = process.hrtime.bigint();
    const r = await detectAll(
      {
        ipv4: familyConfig({ sources: ["command", "static"], command: ["/bin/sleep", "30"], addresses: ["81.2.69.5"], timeoutMs: 200 }),
        ipv6: familyConfig({ enabled: false }),
      },
      deps(),
    );
    const ms = Number(process.hrtime.bigint() - t0) / 1e6;
    assert.deepEqual(r.ipv4, { kind: "found", source: "static", addresses: ["81.2.69.5"] });
    assert.ok(ms < 3000, `took ${ms} ms`);
  });

  it("run aborted/detect/no source that waits is started, later sources not tried", async () => {
    const ac = new AbortController();
    ac.abort();
    const r = await detectAll(
      { ipv4: familyConfig({ sources: ["command", "static"], command: ["/bin/echo", "81.2.69.6"], addresses: ["81.2.69.5"] }), ipv6: familyConfig({ enabled: false }) },
      deps({ signal: ac.signal }),
    );
    assert.deepEqual(r.ipv4, { kind: "unavailable", source: "command", reason: "aborted" });
  });

  it("local sources only/detect/the run's signal factory is never called", async () => {
    let made = 0;
    const r = await detectAll(
      { ipv4: familyConfig({ sources: ["static"], addresses: ["81.2.69.5"] }), ipv6: familyConfig({ enabled: false }) },
      deps({ signal: () => (made++, new AbortController().signal) }),
    );
    assert.equal(r.ipv4.kind, "found");
    assert.equal(made, 0);
  });

  it("event/interface run/no http, dgram or child_process module loaded", () => {
    const detectJs = fileURLToPath(new URL("../../src/ip-source/detect.js", import.meta.url));
    const script = `
      const { detectAll } = await import(${JSON.stringify(detectJs)});
      const fc = { enabled: true, sources: ["event", "interface", "http", "dns", "command"], interfaces: [], urls: [], addresses: [], command: [],
        dnsServers: [], dnsName: "", prefer: "stable", acceptPrivate: false, timeoutMs: 1000 };
      const os = await import("node:os");
      let called = 0;
      const r = await detectAll({ ipv4: fc, ipv6: fc }, {
        events: [{ file: "eth0", source: "manual", ipv4: ["81.2.69.1"], ipv6: ["2a01:4f8::1"] }],
        http: async () => { called++; throw new Error("no"); },
        networkInterfaces: os.networkInterfaces, procIfInet6: "/nonexistent", signal: AbortSignal.timeout(5000) });
      const mods = process.moduleLoadList.filter((m) => /^NativeModule (dgram|child_process|http|https|tls|net)$/.test(m));
      console.log(JSON.stringify({ r: r.ipv4.source + "," + r.ipv6.source, called, mods }));
    `;
    const out = execFileSync(process.execPath, ["--input-type=module", "-e", script], { encoding: "utf8" });
    assert.deepEqual(JSON.parse(out), { r: "event,event", called: 0, mods: [] });
  });
});

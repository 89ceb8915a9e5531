import { describe, it, beforeEach, afterEach } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, mkdirSync, readdirSync, rmSync, symlinkSync, writeFileSync, existsSync, utimesSync, readFileSync } from "node:fs";
import { execFileSync } from "node:child_process";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { randomBytes } from "node:crypto";
import { claimEvents, parseEvent } from "../../src/ip-source/events.js";

const me = process.getuid?.() ?? 0;
const allowedUids = [me];

describe("IpSource - event files", () => {
  let root: string;
  let dir: string;
  beforeEach(() => {
    root = mkdtempSync(join(tmpdir(), "ddns-events-"));
    dir = join(root, "events");
    mkdirSync(dir);
  });
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  const ls = (): string[] => readdirSync(dir).sort();

  it("good file/claim and finish/parsed, then removed", async () => {
    writeFileSync(dir + "/eth0", "SOURCE=networkmanager\nIFACE=eth0\nACTION=dhcp4-change\nIPV4=198.51.100.7/24 203.0.113.9\nIPV6=2001:DB8::0001/64\nTIME=1790000000\nFUTURE_KEY=x\n");
    const r = await claimEvents(dir, { allowedUids });
    assert.deepEqual(r.refused, []);
    assert.deepEqual(r.warnings, []);
    assert.deepEqual(r.events, [
      { file: "eth0", source: "networkmanager", iface: "eth0", action: "dhcp4-change", ipv4: ["198.51.100.7", "203.0.113.9"], ipv6: ["2001:db8::1"], time: 1790000000 },
    ]);
    // Claimed, not yet removed: the name is free for a new event.
    assert.deepEqual(ls(), [".claimed.eth0"]);
    await r.finish();
    assert.deepEqual(ls(), []);
    await r.finish(); // idempotent
  });

  it("missing directory/claim/no events, no error", async () => {
    const r = await claimEvents(join(root, "nope"), { allowedUids });
    assert.deepEqual([r.events, r.refused, r.warnings], [[], [], []]);
    await r.finish();
  });

  it("event arriving during the run/finish/new file kept for the next run", async () => {
    writeFileSync(dir + "/eth0", "SOURCE=networkd\nIPV4=198.51.100.7\n");
    const r = await claimEvents(dir, { allowedUids });
    writeFileSync(dir + "/eth0", "SOURCE=networkd\nIPV4=198.51.100.8\n");
    await r.finish();
    assert.deepEqual(ls(), ["eth0"]);
    assert.match(readFileSync(dir + "/eth0", "utf8"), /198\.51\.100\.8/);
  });

  it("leftover claimed file of a crashed run/claim/read again and removed", async () => {
    writeFileSync(dir + "/.claimed.wlan0", "SOURCE=networkmanager\nIPV4=198.51.100.9\nTIME=5\n");
    writeFileSync(dir + "/.claimed.eth0", "SOURCE=networkmanager\nIPV4=198.51.100.1\nTIME=1\n");
    writeFileSync(dir + "/eth0", "SOURCE=networkmanager\nIPV4=198.51.100.2\nTIME=2\n");
    const r = await claimEvents(dir, { allowedUids });
    assert.deepEqual(r.refused, []);
    assert.deepEqual(
      r.events.map((e) => [e.file, e.ipv4[0]]),
      [["eth0", "198.51.100.1"], ["wlan0", "198.51.100.9"], ["eth0", "198.51.100.2"]],
    );
    await r.finish();
    assert.deepEqual(ls(), []);
  });

  it("symlink/claim/refused, removed, target untouched", async () => {
    writeFileSync(root + "/target", "SOURCE=manual\nIPV4=198.51.100.7\n");
    symlinkSync(root + "/target", dir + "/eth0");
    const r = await claimEvents(dir, { allowedUids });
    assert.deepEqual(r.events, []);
    assert.deepEqual(r.refused, [{ file: "eth0", reason: "is a symbolic link" }]);
    await r.finish();
    assert.deepEqual(ls(), []);
    assert.ok(existsSync(root + "/target"));
  });

  it("64 KiB file/claim/refused and removed", async () => {
    writeFileSync(dir + "/eth0", "SOURCE=manual\n" + "X=".padEnd(65536, "y"));
    const r = await claimEvents(dir, { allowedUids });
    assert.deepEqual(r.events, []);
    assert.deepEqual(r.refused, [{ file: "eth0", reason: "larger than 4096 bytes" }]);
    await r.finish();
    assert.deepEqual(ls(), []);
  });

  it("exactly 4096 bytes/claim/accepted", async () => {
    const head = "SOURCE=manual\nIPV4=198.51.100.7\n";
    writeFileSync(dir + "/eth0", head + "#".padEnd(4096 - head.length, "#"));
    const r = await claimEvents(dir, { allowedUids });
    assert.equal(r.events.length, 1);
    await r.finish();
  });

  it("random bytes/claim/no crash, nothing usable, removed", async () => {
    for (let i = 0; i < 20; i++) writeFileSync(`${dir}/r${i}`, randomBytes(4000));
    const r = await claimEvents(dir, { allowedUids });
    for (const e of r.events) assert.deepEqual([e.ipv4, e.ipv6], [[], []]);
    assert.equal(r.events.length + r.refused.length, 20);
    await r.finish();
    assert.deepEqual(ls(), []);
  });

  it("wrong owner/claim/refused and removed", async () => {
    writeFileSync(dir + "/eth0", "SOURCE=manual\nIPV4=198.51.100.7\n");
    const r = await claimEvents(dir, { allowedUids: [me + 4242] });
    assert.deepEqual(r.events, []);
    assert.deepEqual(r.refused, [{ file: "eth0", reason: `owned by uid ${me}, not by root or the service user` }]);
    await r.finish();
    assert.deepEqual(ls(), []);
  });

  it("really chowned file/claim/refused (root only)", { skip: me !== 0 }, async () => {
    writeFileSync(dir + "/eth0", "SOURCE=manual\nIPV4=198.51.100.7\n");
    execFileSync("chown", ["65534:65534", dir + "/eth0"]);
    const r = await claimEvents(dir, { allowedUids: [0] });
    assert.deepEqual(r.refused, [{ file: "eth0", reason: "owned by uid 65534, not by root or the service user" }]);
    await r.finish();
  });

  it("directory and FIFO/claim/refused without blocking, removed", async () => {
    mkdirSync(dir + "/eth0");
    writeFileSync(dir + "/eth0/inner", "x");
    execFileSync("mkfifo", [dir + "/eth1"]);
    const r = await claimEvents(dir, { allowedUids });
    assert.deepEqual(r.refused.sort((a, b) => a.file.localeCompare(b.file)), [
      { file: "eth0", reason: "not a regular file" },
      { file: "eth1", reason: "not a regular file" },
    ]);
    await r.finish();
    assert.deepEqual(ls(), []);
  });

  it("odd names/claim/refused, escaped in the report, removed", async () => {
    writeFileSync(dir + "/eth0\nIPV4=1.2.3.4", "SOURCE=manual\n");
    writeFileSync(dir + "/..eth0", "SOURCE=manual\n");
    writeFileSync(dir + "/-rf", "SOURCE=manual\n");
    writeFileSync(dir + "/.hidden", "SOURCE=manual\n");
    writeFileSync(Buffer.from(dir + "/bad\xff\xfe", "latin1"), "SOURCE=manual\n");
    const r = await claimEvents(dir, { allowedUids });
    assert.deepEqual(r.events, []);
    const files = r.refused.map((x) => x.file).sort();
    assert.equal(files.length, 5);
    assert.ok(files.includes("eth0\\nIPV4=1.2.3.4"), files.join(","));
    for (const f of files) assert.doesNotMatch(f, /[\n\0]/);
    await r.finish();
    assert.deepEqual(readdirSync(dir), []);
  });

  it("temporary files/claim/young left alone, stale removed, none touched without a clock", async () => {
    writeFileSync(dir + "/.tmp.young", "SOURCE=manual\n");
    writeFileSync(dir + "/.tmp.old", "SOURCE=manual\n");
    const now = Date.now();
    utimesSync(dir + "/.tmp.old", (now - 120_000) / 1000, (now - 120_000) / 1000);
    let r = await claimEvents(dir, { allowedUids });
    await r.finish();
    assert.deepEqual(ls(), [".tmp.old", ".tmp.young"]);
    r = await claimEvents(dir, { allowedUids, now });
    assert.deepEqual(r.refused.map((x) => x.file), [".tmp.old"]);
    await r.finish();
    assert.deepEqual(ls(), [".tmp.young"]);
  });

  it("NUL and control characters in values/parse/line dropped with a warning", () => {
    const r = parseEvent("eth0", Buffer.from("SOURCE=manual\nIPV4=198.51.100.7\0 10.0.0.1\nIFACE=eth0\x1b[31m\nIPV6=fe80::1%eth0 2001:db8::5/129\n"));
    assert.ok("event" in r);
    assert.deepEqual(r.event, { file: "eth0", source: "manual", ipv4: [], ipv6: [] });
    assert.equal(r.warnings.length, 4, r.warnings.join("\n"));
  });

  it("bad values/parse/dropped with warnings, good ones kept", () => {
    const r = parseEvent("eth0", "SOURCE=router\nIFACE=../../etc\nACTION=up;reboot\nIPV4=300.1.1.1 198.51.100.7 198.51.100.7\nTIME=soon\nIPV6='2001:db8::1'\r\n");
    assert.ok("event" in r);
    assert.deepEqual(r.event, { file: "eth0", source: "manual", ipv4: ["198.51.100.7"], ipv6: ["2001:db8::1"] });
    assert.deepEqual(r.warnings, [
      'eth0: SOURCE: "router" is not one of networkmanager, networkd, push, manual, gateway, watch; ignored',
      'eth0: IFACE: "../../etc" is not an interface name; ignored',
      'eth0: ACTION: "up;reboot" is not an action name; ignored',
      'eth0: IPV4: "300.1.1.1" is not an IPv4 address; ignored',
      'eth0: TIME: "soon" is not epoch seconds; ignored',
      "eth0: no SOURCE line; taken as manual",
    ]);
  });

  it("push receiver's file/parse/NAME and FROM kept", () => {
    const r = parseEvent("push-abc", "SOURCE=push\nNAME=Home.Example.org\nFROM=198.51.100.1\nIPV4=81.2.69.160\nTIME=1790000000\n");
    assert.ok("event" in r);
    assert.deepEqual(r.warnings, []);
    assert.deepEqual(r.event, { file: "push-abc", source: "push", name: "home.example.org", from: "198.51.100.1", ipv4: ["81.2.69.160"], ipv6: [], time: 1790000000 });
    const bad = parseEvent("push-abc", "SOURCE=push\nNAME=../etc\n");
    assert.ok("event" in bad);
    assert.equal(bad.event.name, undefined);
  });

  it("push receiver's FROM/parse/local or a canonical address; anything else dropped with a warning", () => {
    const from = (v: string) => {
      const r = parseEvent("push-abc", `SOURCE=push\nNAME=a.example.org\nFROM=${v}\n`);
      assert.ok("event" in r);
      return [r.event.from, r.warnings.length];
    };
    assert.deepEqual(from("local"), ["local", 0]);
    assert.deepEqual(from("2001:DB8:0:0::1"), ["2001:db8::1", 0]);
    assert.deepEqual(from("$(reboot)"), [undefined, 1]);
    assert.deepEqual(from("198.51.100.1\u001b[2J"), [undefined, 1]);
  });

  it("no KEY=VALUE line/parse/refused", () => {
    assert.deepEqual(parseEvent("eth0", "hello world\n\n"), { reason: "no KEY=VALUE line" });
    assert.deepEqual(parseEvent("eth0", ""), { reason: "no KEY=VALUE line" });
  });

  it("many garbage lines/parse/warnings capped", () => {
    const r = parseEvent("eth0", "SOURCE=manual\n" + "garbage\n".repeat(100));
    assert.ok("event" in r);
    assert.equal(r.warnings.length, 9);
    assert.equal(r.warnings[8], "eth0: 92 more warnings");
  });
});

import { describe, it, before, after } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, lstatSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { claimEvents } from "../../src/ip-source/events.js";

// build/test/packaging/ -> repository root
const root = fileURLToPath(new URL("../../../", import.meta.url));
const NM = join(root, "packaging/networkmanager/90-ddns");
const NETWORKD = join(root, "packaging/networkd-dispatcher/90-ddns");
const BIG = "A".repeat(64 * 1024);

let base: string;
before(() => (base = mkdtempSync(join(tmpdir(), "ddns-hooks-"))));
after(() => rmSync(base, { recursive: true, force: true }));

interface Run {
  status: number | null;
  ms: number;
  /** every path under the sandbox after the run, relative, sorted */
  tree: string[];
  events: string;
  cwd: string;
}

let n = 0;
/** Runs a hook with exactly `env` (plus DDNS_EVENTS_DIR) in a fresh sandbox: cwd/ and run/ddns/events/. */
function runHook(hook: string, args: string[], env: Record<string, string>, opts: { noEventsDir?: boolean } = {}): Run {
  const box = join(base, String(n++));
  const cwd = join(box, "cwd");
  const events = join(box, "run/ddns/events");
  mkdirSync(cwd, { recursive: true });
  if (opts.noEventsDir) mkdirSync(join(box, "run/ddns"), { recursive: true });
  else mkdirSync(events, { recursive: true });
  const t0 = process.hrtime.bigint();
  const r = spawnSync("/bin/sh", [hook, ...args], {
    cwd,
    env: { PATH: "/usr/bin:/bin", ...env, DDNS_EVENTS_DIR: events },
    stdio: ["ignore", "pipe", "pipe"],
    timeout: 10_000,
  });
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  assert.equal(r.error, undefined);
  assert.equal(r.stdout.toString(), "", "hooks print nothing");
  assert.equal(r.stderr.toString(), "", "hooks print nothing");
  return { status: r.status, ms, tree: walk(box, ""), events, cwd };
}

function walk(dir: string, rel: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(join(dir, rel)).sort()) {
    const p = rel ? `${rel}/${name}` : name;
    out.push(p);
    if (lstatSync(join(dir, p)).isDirectory()) out.push(...walk(dir, p));
  }
  return out;
}

/** The event file as key -> value, checking the format on the way. */
function parse(path: string): Map<string, string> {
  const st = statSync(path);
  assert.ok(st.isFile());
  assert.equal(st.mode & 0o777, 0o644, "readable by the service user");
  assert.ok(st.size <= 4096, `at most 4 KiB, got ${st.size}`);
  const text = readFileSync(path, "utf8");
  assert.match(text, /\n$/);
  const m = new Map<string, string>();
  for (const line of text.slice(0, -1).split("\n")) {
    const eq = line.indexOf("=");
    assert.ok(eq > 0, `KEY=VALUE line: ${JSON.stringify(line)}`);
    const k = line.slice(0, eq);
    assert.ok(!m.has(k), `key ${k} once`);
    m.set(k, line.slice(eq + 1));
  }
  for (const k of m.keys()) assert.ok(["SOURCE", "IFACE", "ACTION", "IPV4", "IPV6", "TIME"].includes(k), k);
  const time = Number(m.get("TIME"));
  assert.ok(Math.abs(time - Date.now() / 1000) < 60, `TIME is now: ${m.get("TIME")}`);
  m.delete("TIME");
  return m;
}

/** The run left exactly one event file, `name`; ddns's own reader takes it without a warning. */
async function only(run: Run, name: string): Promise<Map<string, string>> {
  assert.equal(run.status, 0);
  assert.deepEqual(run.tree, ["cwd", "run", "run/ddns", "run/ddns/events", `run/ddns/events/${name}`], "one event file, nothing else");
  const ev = parse(join(run.events, name));
  const claimed = await claimEvents(run.events, { allowedUids: [process.getuid?.() ?? 0] });
  assert.deepEqual(claimed.refused, []);
  assert.deepEqual(claimed.warnings, []);
  assert.equal(claimed.events.length, 1);
  const got = claimed.events[0]!;
  assert.equal(got.file, name);
  assert.equal(got.iface, ev.get("IFACE"));
  assert.equal(got.action, ev.get("ACTION"));
  assert.deepEqual(got.ipv4, ev.get("IPV4")?.split(" ") ?? []);
  assert.deepEqual(got.ipv6, ev.get("IPV6")?.split(" ") ?? []);
  await claimed.finish();
  return ev;
}

function nothing(run: Run): void {
  assert.equal(run.status, 0);
  assert.deepEqual(run.tree, ["cwd", "run", "run/ddns", "run/ddns/events"], "nothing written");
}

const nmUp = {
  CONNECTION_ID: "Wired connection 1",
  CONNECTION_UUID: "4f1e2a9c-4b61-3f0e-9a43-2d9b7c1e0a55",
  DEVICE_IFACE: "enp1s0",
  DEVICE_IP_IFACE: "enp1s0",
  IP4_NUM_ADDRESSES: "2",
  IP4_ADDRESS_0: "192.0.2.10/24 192.0.2.1",
  IP4_ADDRESS_1: "198.51.100.4/32 0.0.0.0",
  IP4_GATEWAY: "192.0.2.1",
  IP4_NAMESERVERS: "192.0.2.1",
  IP6_NUM_ADDRESSES: "2",
  IP6_ADDRESS_0: "2001:db8:1::10/64 fe80::1",
  IP6_ADDRESS_1: "fe80::5054:ff:fe12:3456/64 ::",
  CONNECTIVITY_STATE: "FULL",
};

describe("Hooks - NetworkManager dispatcher", () => {
  it("up with addresses/writes one event with the addresses, no prefixes or gateways", async () => {
    const run = runHook(NM, ["enp1s0", "up"], nmUp);
    const ev = await only(run, "enp1s0");
    assert.deepEqual(Object.fromEntries(ev), {
      SOURCE: "networkmanager",
      IFACE: "enp1s0",
      ACTION: "up",
      IPV4: "192.0.2.10 198.51.100.4",
      IPV6: "2001:db8:1::10",
    });
    assert.ok(run.ms < 2000, `returns at once (${run.ms} ms)`);
  });

  for (const action of ["dhcp4-change", "dhcp6-change", "reapply"]) {
    it(`${action}/writes an event with that action`, async () => {
      const ev = await only(runHook(NM, ["enp1s0", action], nmUp), "enp1s0");
      assert.equal(ev.get("ACTION"), action);
    });
  }

  for (const action of ["down", "pre-up", "pre-down", "vpn-up", "hostname", "dns-change", "", "up;rm"]) {
    it(`action ${JSON.stringify(action)}/writes nothing`, () => nothing(runHook(NM, ["enp1s0", action], nmUp)));
  }

  it("no arguments and no environment/writes nothing", () => nothing(runHook(NM, [], {})));
  it("reapply after an address change/carries no address (NetworkManager passes the old ones)", async () => {
    const ev = await only(runHook(NM, ["enp1s0", "reapply"], nmUp), "enp1s0");
    assert.deepEqual(Object.fromEntries(ev), { SOURCE: "networkmanager", IFACE: "enp1s0", ACTION: "reapply" });
  });

  it("dhcp4-change with DHCP4_IP_ADDRESS and no IP4_ADDRESS_N/carries the lease's address, no IPv6", async () => {
    const env = { DEVICE_IP_IFACE: "enp1s0", DHCP4_IP_ADDRESS: "81.2.69.44", IP6_ADDRESS_0: "2001:db8:1::10/64 ::" };
    const ev = await only(runHook(NM, ["enp1s0", "dhcp4-change"], env), "enp1s0");
    assert.deepEqual(Object.fromEntries(ev), { SOURCE: "networkmanager", IFACE: "enp1s0", ACTION: "dhcp4-change", IPV4: "81.2.69.44" });
  });

  it("up with only link-local addresses/carries none", async () => {
    const env = { DEVICE_IP_IFACE: "enp1s0", IP4_ADDRESS_0: "169.254.7.7/16 0.0.0.0", IP6_ADDRESS_0: "fe80::1/64 ::", IP6_ADDRESS_1: "FE80::2/64 ::" };
    const ev = await only(runHook(NM, ["enp1s0", "up"], env), "enp1s0");
    assert.deepEqual(Object.fromEntries(ev), { SOURCE: "networkmanager", IFACE: "enp1s0", ACTION: "up" });
  });

  it("up for lo (NetworkManager start)/writes nothing", () => nothing(runHook(NM, ["lo", "up"], { DEVICE_IFACE: "lo", DEVICE_IP_IFACE: "lo", IP4_ADDRESS_0: "127.0.0.1/8 0.0.0.0" })));

  for (const state of ["NONE", "PORTAL", "LIMITED"]) {
    it(`connectivity-change to ${state}/writes nothing`, () => nothing(runHook(NM, ["", "connectivity-change"], { CONNECTIVITY_STATE: state })));
  }

  it("up/restarts ddns-follow@IFACE.timer through systemctl --no-block, in the background", async () => {
    const box = mkdtempSync(join(base, "sysctl-"));
    const fake = join(box, "systemctl");
    writeFileSync(fake, `#!/bin/sh\nprintf '%s\\n' "$*" > ${box}/args\n`, { mode: 0o755 });
    await only(runHook(NM, ["enp1s0", "up"], { ...nmUp, DDNS_SYSTEMCTL: fake }), "enp1s0");
    let args = "";
    for (let i = 0; i < 100 && args === ""; i++) {
      try {
        args = readFileSync(join(box, "args"), "utf8");
      } catch {
        await new Promise((r) => setTimeout(r, 20));
      }
    }
    assert.equal(args, "--no-block restart ddns-follow@enp1s0.timer\n");
  });


  it("connectivity-change without interface/writes one event without IFACE or addresses", async () => {
    const ev = await only(runHook(NM, ["", "connectivity-change"], { CONNECTIVITY_STATE: "FULL" }), "connectivity-change");
    assert.deepEqual(Object.fromEntries(ev), { SOURCE: "networkmanager", ACTION: "connectivity-change" });
  });

  it("ppp: DEVICE_IP_IFACE differs from DEVICE_IFACE/names the IP interface", async () => {
    const env = { DEVICE_IFACE: "ttyUSB0", DEVICE_IP_IFACE: "ppp0", IP4_ADDRESS_0: "203.0.113.9/32 203.0.113.1" };
    const ev = await only(runHook(NM, ["ppp0", "up"], env), "ppp0");
    assert.equal(ev.get("IFACE"), "ppp0");
    assert.equal(ev.get("IPV4"), "203.0.113.9");
    assert.equal(ev.has("IPV6"), false);
  });

  it("same interface twice/one file holding the latest addresses", async () => {
    const box = runHook(NM, ["eth0", "up"], { IP4_ADDRESS_0: "192.0.2.1/24 x" });
    const again = spawnSync("/bin/sh", [NM, "eth0", "dhcp4-change"], {
      env: { PATH: "/usr/bin:/bin", IP4_ADDRESS_0: "192.0.2.2/24 x", DDNS_EVENTS_DIR: box.events },
    });
    assert.equal(again.status, 0);
    assert.deepEqual(readdirSync(box.events), ["eth0"]);
    assert.deepEqual(readdirSync(join(box.events, "..")), ["events"], "no temp file left");
    const ev = parse(join(box.events, "eth0"));
    assert.equal(ev.get("IPV4"), "192.0.2.2");
    assert.equal(ev.get("ACTION"), "dhcp4-change");
  });

  it("hostile interface names/safe file name inside the events directory, nothing run", async () => {
    const cases: Array<[string, string]> = [
      ["../../etc/passwd", "_._.._etc_passw"],
      ["..", "_."],
      ["eth0\nEVIL=1", "eth0_EVIL_1"],
      ["my wifi", "my_wifi"],
      ["$(touch pwned)", "__touch_pwned_"],
      ["`touch pwned`", "_touch_pwned_"],
      ["*", "_"],
      ["-rf", "_rf"],
      ["@home", "_home"],
      [BIG, "AAAAAAAAAAAAAAA"],
    ];
    for (const [iface, name] of cases) {
      const run = runHook(NM, [iface, "up"], { DEVICE_IP_IFACE: iface, IP4_ADDRESS_0: "192.0.2.7/24 192.0.2.1" });
      const ev = await only(run, name);
      assert.equal(ev.get("IFACE"), name);
      assert.equal(ev.get("IPV4"), "192.0.2.7");
    }
  });

  it("hostile address values/only well-formed addresses survive", async () => {
    const env = {
      DEVICE_IP_IFACE: "eth0",
      IP4_ADDRESS_0: "$(touch pwned)/24 192.0.2.1",
      IP4_ADDRESS_1: "192.0.2.5\nIPV6=2001:db8::bad/24 x",
      IP4_ADDRESS_2: "192.0.2.6;reboot/24 x",
      IP4_ADDRESS_3: "../../x/24",
      IP4_ADDRESS_4: "192.0.2.7 /24",
      IP4_ADDRESS_5: BIG,
      IP4_ADDRESS_6: "2001:db8::1/64 ::",
      IP4_ADDRESS_7: "1.2.3/8 x",
      IP4_ADDRESS_8: "198.51.100.8/24 198.51.100.1",
      IP6_ADDRESS_0: "2001:db8::1 with spaces/64 ::",
      IP6_ADDRESS_1: "`id`/64 ::",
      IP6_ADDRESS_2: `${"1:".repeat(30)}1/64 ::`,
      IP6_ADDRESS_3: "::ffff:192.0.2.1/128 ::",
      IP6_ADDRESS_4: "2001:db8::2/64 ::",
    };
    const run = runHook(NM, ["eth0", "up"], env);
    const ev = await only(run, "eth0");
    assert.equal(ev.get("IPV4"), "192.0.2.5 192.0.2.7 198.51.100.8");
    assert.equal(ev.get("IPV6"), "2001:db8::1 ::ffff:192.0.2.1 2001:db8::2");
  });

  it("64 KiB in every variable/returns quickly with a small file", async () => {
    const env: Record<string, string> = { DEVICE_IP_IFACE: BIG, CONNECTION_ID: BIG, IP4_NUM_ADDRESSES: BIG };
    // 40 addresses a family; the whole environment must stay under the kernel's 2 MiB.
    const pad = "A".repeat(8192);
    for (let i = 0; i < 40; i++) {
      env[`IP4_ADDRESS_${i}`] = `192.0.2.${i}/24 ${i === 0 ? BIG : pad}`;
      env[`IP6_ADDRESS_${i}`] = `2001:db8::${(i + 1).toString(16)}/64 ${i === 0 ? BIG : pad}`;
    }
    const run = runHook(NM, [BIG, "up"], env);
    const ev = await only(run, "AAAAAAAAAAAAAAA");
    assert.equal(ev.get("IPV4")?.split(" ").length, 32, "at most 32 addresses per family");
    assert.equal(ev.get("IPV6")?.split(" ").length, 32);
    assert.ok(run.ms < 3000, `${run.ms} ms`);
  });

  it("events directory missing/writes nothing and exits 0", async () => {
    const run = runHook(NM, ["eth0", "up"], nmUp, { noEventsDir: true });
    assert.equal(run.status, 0);
    assert.deepEqual(run.tree, ["cwd", "run", "run/ddns"]);
  });

  it("a directory squats the event name/leaves it alone, no temp file left", async () => {
    const box = runHook(NM, [], {});
    mkdirSync(join(box.events, "eth0"));
    const r = spawnSync("/bin/sh", [NM, "eth0", "up"], { env: { PATH: "/usr/bin:/bin", DDNS_EVENTS_DIR: box.events } });
    assert.equal(r.status, 0);
    assert.deepEqual(readdirSync(join(box.events, "eth0")), []);
    assert.deepEqual(readdirSync(join(box.events, "..")), ["events"]);
  });
});

describe("Hooks - networkd-dispatcher", () => {
  const routable = {
    IFACE: "enp1s0",
    STATE: "routable",
    ADDR: "192.0.2.10",
    IP_ADDRS: "192.0.2.10 198.51.100.4",
    IP6_ADDRS: "2001:db8:1::10 fe80::5054:ff:fe12:3456",
    json: JSON.stringify({ Type: "ether", OperationalState: "routable", AdministrativeState: "configured" }),
  };

  it("routable with addresses/writes one event with the addresses", async () => {
    const run = runHook(NETWORKD, [], routable);
    assert.deepEqual(Object.fromEntries(await only(run, "enp1s0")), {
      SOURCE: "networkd",
      IFACE: "enp1s0",
      ACTION: "routable",
      IPV4: "192.0.2.10 198.51.100.4",
      IPV6: "2001:db8:1::10",
    });
  });

  it("annotated IP_ADDRS as networkd-dispatcher 2.2.4 passes them/the gateway in parentheses is not an address of the link", async () => {
    const ev = await only(runHook(NETWORKD, [], { ...routable, IP_ADDRS: "81.2.69.52 (DHCPv4 via 81.2.69.1) 81.2.69.60", IP6_ADDRS: "" }), "enp1s0");
    assert.equal(ev.get("IPV4"), "81.2.69.52 81.2.69.60");
  });

  it("lo/writes nothing", () => nothing(runHook(NETWORKD, [], { ...routable, IFACE: "lo", IP_ADDRS: "127.0.0.1" })));

  it("configured state/writes an event with that action", async () => {
    const ev = await only(runHook(NETWORKD, [], { ...routable, STATE: "configured" }), "enp1s0");
    assert.equal(ev.get("ACTION"), "configured");
  });

  it("addresses with prefix lengths/prefix cut off", async () => {
    const ev = await only(runHook(NETWORKD, [], { IFACE: "wg0", IP_ADDRS: "10.9.0.2/32", IP6_ADDRS: "fd00::2/128" }), "wg0");
    assert.equal(ev.get("IPV4"), "10.9.0.2");
    assert.equal(ev.get("IPV6"), "fd00::2");
  });

  it("missing variables/no IFACE writes nothing, no addresses writes an event without them", async () => {
    nothing(runHook(NETWORKD, [], {}));
    nothing(runHook(NETWORKD, [], { STATE: "routable", IP_ADDRS: "192.0.2.1" }));
    assert.deepEqual(Object.fromEntries(await only(runHook(NETWORKD, [], { IFACE: "eth1" }), "eth1")), {
      SOURCE: "networkd",
      IFACE: "eth1",
      ACTION: "routable",
    });
  });

  it("hostile environment/safe name, sanitised fields, nothing run", async () => {
    const env = {
      IFACE: "../x\n$(touch pwned) `touch pwned2`",
      STATE: "routable\nIPV4=6.6.6.6",
      IP_ADDRS: "192.0.2.1 $(touch pwned) * 192.0.2.2;id ../../etc 192.0.2.3\nIPV6=::1 1.2.3.4.5 192.0.2.4",
      IP6_ADDRS: "2001:db8::1 `id` 2001:db8::zz fe80::1%eth0 2001:db8::2",
    };
    const ev = await only(runHook(NETWORKD, [], env), "_._x___touch_pw");
    assert.deepEqual(Object.fromEntries(ev), {
      SOURCE: "networkd",
      IFACE: "_._x___touch_pw",
      ACTION: "routable",
      IPV4: "192.0.2.1 192.0.2.3 192.0.2.4",
      IPV6: "2001:db8::1 2001:db8::2",
    });
  });

  it("64 KiB values/returns quickly with at most 32 addresses per family", async () => {
    const many4 = Array.from({ length: 5000 }, (_, i) => `198.51.${i >> 8}.${i & 255}`).join(" ");
    const many6 = Array.from({ length: 3000 }, (_, i) => `2001:db8::${(i + 1).toString(16)}`).join(" ");
    const run = runHook(NETWORKD, [], { IFACE: BIG, STATE: BIG, IP_ADDRS: many4, IP6_ADDRS: many6, json: BIG });
    const ev = await only(run, "AAAAAAAAAAAAAAA");
    assert.equal(ev.get("IPV4")?.split(" ").length, 32);
    assert.equal(ev.get("IPV6")?.split(" ").length, 32);
    assert.equal(ev.has("ACTION"), false, "an upper-case STATE leaves no action characters");
    assert.ok(run.ms < 3000, `${run.ms} ms`);
  });
});

describe("Hooks - POSIX sh", () => {
  const shellcheck = spawnSync("shellcheck", ["--version"]).status === 0;
  it("both hooks/shellcheck -s sh/no finding", { skip: shellcheck ? false : "shellcheck is not installed" }, async () => {
    const r = spawnSync("shellcheck", ["-s", "sh", NM, NETWORKD], { encoding: "utf8" });
    assert.equal(r.stdout + r.stderr, "");
    assert.equal(r.status, 0);
  });
  it("both hooks/mode/executable, not group- or world-writable", async () => {
    for (const hook of [NM, NETWORKD]) assert.equal(statSync(hook).mode & 0o777, 0o755, hook);
  });
});

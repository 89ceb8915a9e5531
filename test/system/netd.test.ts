// The real network daemons (issue 13): Debian 13's NetworkManager with its dispatcher,
// then systemd-networkd with networkd-dispatcher, each against a veth peer that serves
// DHCPv4 and router advertisements (dnsmasq), with ddns installed as the package lays
// it out (debian/ddns.install, debian/ddns.links, the units, sysusers.d, tmpfiles.d;
// ddns.path enabled), ddns.path -> ddns.service -> `ddns run` against the strict
// dyndns2 mock on the machine's loopback.
//
// Every scenario is judged by its end result: the provider holds exactly the
// interface's real global addresses, as `ip -j addr` reports them (scope global, not
// tentative, deprecated, dadfailed or temporary). Besides: NetworkManager's start
// (it dispatches `up` for lo) starts no run, and no event the hooks wrote for what the
// daemons really dispatched carries a link-local address (every dispatch is recorded
// by a script that runs before the hook, and the hook is replayed on each recording).
// The prefix changes no daemon dispatches (a router's new IPv6 prefix, the old one
// deprecated or still preferred) are published by the address watch
// (ddns-watch.socket, installed and started with ddns.path as the package does), with
// the follow-up timers masked so that the watch alone is measured.
//
// The machine: the cached Debian 13 root `test/system/debian-root.sh netd`, booted
// with systemd-nspawn on a throw-away overlay (test/system/debian-machine.ts),
// loopback only; the veth pairs are made between its network namespace and a peer
// namespace this suite creates (ddns-netd-PID), where dnsmasq runs chrooted into the
// same root, so the host needs neither daemon. Documentation addresses throughout
// (192.0.2.0/24, 2001:db8::/32), accept_private = true.
import { describe, it, before, after } from "node:test";
import assert from "node:assert/strict";
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { chmodSync, copyFileSync, mkdirSync, readFileSync, readdirSync, rmSync, statSync, symlinkSync, writeFileSync } from "node:fs";
import { basename, dirname, join, relative } from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { setTimeout as sleep } from "node:timers/promises";
import { DebianMachine, type Result } from "./debian-machine.js";

const REPO = fileURLToPath(new URL("../../../", import.meta.url));
const isRoot = process.getuid?.() === 0;
const USERNAME = "ddns-netd";
const PASSWORD = "netd-5ec7e7-c0ffee-0123456789ab";
const RECORD = "home.example.org";
const PEER = `ddns-netd-${process.pid}`;
// On the overlay (the machine's /run is its own tmpfs), so the host reads it directly.
/** DHCP options that make a client renew after 4 s and rebind after 8 s (lease 2 min). */
const RENEW_FAST = ["--dhcp-option=option:T1,4", "--dhcp-option=option:T2,8"];
const DUMP = "/root/dispatches";
const started = Date.now();
const elapsed = (): string => `${((Date.now() - started) / 1000).toFixed(1)} s`;

function ok(r: Result, what: string): string {
  assert.equal(r.status, 0, `${what} exited ${r.status}\nstdout: ${r.stdout}\nstderr: ${r.stderr}`);
  return r.stdout;
}

function host(cmd: string, args: string[]): string {
  const r = spawnSync(cmd, args, { encoding: "utf8", timeout: 60_000 });
  assert.equal(r.status, 0, `${cmd} ${args.join(" ")}: ${r.stderr}`);
  return r.stdout;
}

/** Copies ddns into `root` where the Debian package puts it, ddns.path enabled. */
function installLikeThePackage(root: string): void {
  const put = (from: string, to: string): void => {
    mkdirSync(dirname(join(root, to)), { recursive: true });
    copyFileSync(join(REPO, from), join(root, to));
    chmodSync(join(root, to), statSync(join(REPO, from)).mode & 0o777);
  };
  for (const line of readFileSync(join(REPO, "debian/ddns.install"), "utf8").split("\n")) {
    const [from, dest] = line.trim().split(/\s+/);
    if (!from || !dest) continue;
    if (!from.includes("*")) {
      put(from, join(dest, basename(from)));
      continue;
    }
    // A glob, as dh_install expands it (the provider parts: dist/ddns-provider-*.cjs).
    const re = new RegExp(`^${basename(from).replace(/\./g, "\\.").replace(/\*/g, "[^/]*")}$`);
    const names = readdirSync(join(REPO, dirname(from))).filter((n) => re.test(n));
    assert.ok(names.length > 0, `${from} (debian/ddns.install) matches nothing`);
    for (const n of names) put(join(dirname(from), n), join(dest, n));
  }
  for (const line of readFileSync(join(REPO, "debian/ddns.links"), "utf8").split("\n")) {
    const [target, link] = line.trim().split(/\s+/);
    if (!target || !link) continue;
    mkdirSync(dirname(join(root, link)), { recursive: true });
    symlinkSync(relative(dirname(`/${link}`), `/${target}`), join(root, link));
  }
  // What dh_installsystemd, dh_installsysusers and dh_installtmpfiles install (debian/rules).
  for (const u of ["ddns.service", "ddns.path", "ddns.timer"]) put(`systemd/${u}`, `usr/lib/systemd/system/${u}`);
  put("systemd/ddns.sysusers", "usr/lib/sysusers.d/ddns.conf");
  put("systemd/ddns.tmpfiles", "usr/lib/tmpfiles.d/ddns.conf");
  mkdirSync(join(root, "etc/systemd/system/paths.target.wants"), { recursive: true });
  symlinkSync("/usr/lib/systemd/system/ddns.path", join(root, "etc/systemd/system/paths.target.wants/ddns.path"));
}

const CONFIG = (endpoint: string): string => `# written by test/system/netd.test.ts
[ipv4]
sources = ["event"]
accept_private = true   # documentation addresses
[ipv6]
sources = ["event"]
accept_private = true

[providers.home]
type = "dyndns2"
endpoint = "${endpoint}"
username = "${USERNAME}"
password_credential = "dyndns2"

[[records]]
name = "${RECORD}"
provider = "home"
`;

/** Records every dispatch (arguments and environment) before 90-ddns runs. */
const DUMPER = `#!/bin/sh
mkdir -p ${DUMP}
f=${DUMP}/$(date +%s%N)-$$
{ printf 'ARG1=%s\\nARG2=%s\\nDISPATCHER=%s\\n' "\${1-}" "\${2-}" "$DDNS_TEST_DISPATCHER"; env; } > "$f.tmp" && mv "$f.tmp" "$f"
`;

interface Addresses {
  ipv4: string[];
  ipv6: string[];
}

interface Report {
  violations: string[];
  addresses: Record<string, { ipv4?: string; ipv6?: string }>;
}

describe("Real network daemons - NetworkManager and networkd-dispatcher on Debian 13", { skip: isRoot ? false : "needs root", timeout: 600_000 }, () => {
  let m: DebianMachine | undefined;
  let provider: ChildProcess | undefined;
  let dnsmasq: ChildProcess | undefined;
  const reports: Array<(r: Report) => void> = [];
  const requests: Array<Record<string, string>> = [];
  const timings: string[] = [];
  /** ddns-watch.service's invocation IDs seen at each convergence: one per look between them at least. */
  const looks = new Set<string>();
  /** What dnsmasq said (DHCP exchanges), shown when a scenario fails. */
  let dnsmasqLog = "";

  /**
   * dnsmasq serving one DHCPv4 address (lease 2 min, the least it gives) and, with a
   * `prefix`, RAs for that /64 every 3 s; `extra` options appended. A fresh lease
   * database unless `keepLeases`.
   */
  function startDnsmasq(iface: string, ipv4: string, prefix: string | undefined, extra: string[] = [], keepLeases = false): void {
    if (!keepLeases) rmSync(join(m!.merged, "tmp/ddns-netd.leases"), { force: true });
    const ra = prefix === undefined ? [] : ["--enable-ra", `--dhcp-range=${prefix},ra-only,64,2m`, `--ra-param=${iface},3`];
    dnsmasq = spawn(
      "nsenter",
      [
        `--net=/run/netns/${PEER}`, "chroot", m!.merged, "/usr/sbin/dnsmasq", "--keep-in-foreground", "--conf-file=/dev/null", "--port=0",
        `--interface=${iface}`, "--bind-interfaces", `--dhcp-range=${ipv4},${ipv4},255.255.255.0,2m`, ...ra,
        "--dhcp-leasefile=/tmp/ddns-netd.leases", "--pid-file=",
        "--user=root", "--dhcp-authoritative", "--log-dhcp", "--log-facility=-", ...extra,
      ],
      { stdio: ["ignore", "ignore", "pipe"] },
    );
    dnsmasq.stderr!.on("data", (b: Buffer) => (dnsmasqLog += b.toString("utf8")));
  }
  async function stopDnsmasq(): Promise<void> {
    const d = dnsmasq;
    dnsmasq = undefined;
    if (d === undefined || d.exitCode !== null || d.signalCode !== null) return;
    const gone = new Promise((r) => d.once("exit", r));
    d.kill();
    await gone;
  }
  /** A veth pair: `inside` in the machine, `outside` (with the router's addresses) in the peer namespace. */
  function vethPair(inside: string, outside: string, prefix: string): void {
    host("ip", ["-n", PEER, "link", "add", outside, "type", "veth", "peer", "name", inside, "netns", String(m!.leaderPid)]);
    host("ip", ["-n", PEER, "addr", "add", "192.0.2.1/24", "dev", outside]);
    host("ip", ["-n", PEER, "addr", "add", `${prefix}1/64`, "dev", outside]);
    host("ip", ["-n", PEER, "link", "set", outside, "up"]);
  }
  /** The interface's global addresses as the kernel has them (`ip -j addr`). */
  function kernel(iface: string): Addresses {
    const out = JSON.parse(ok(m!.inNet(["ip", "-j", "addr", "show", "dev", iface]), "ip -j addr")) as Array<{
      addr_info: Array<Record<string, unknown>>;
    }>;
    const usable = (out[0]?.addr_info ?? []).filter(
      (a) => a["scope"] === "global" && !a["tentative"] && !a["deprecated"] && !a["dadfailed"] && !a["temporary"],
    );
    return {
      ipv4: usable.filter((a) => a["family"] === "inet").map((a) => String(a["local"])),
      ipv6: usable.filter((a) => a["family"] === "inet6").map((a) => String(a["local"])),
    };
  }
  function report(): Promise<Report> {
    return new Promise((r) => {
      reports.push(r);
      provider!.stdin!.write(`${JSON.stringify({ report: true })}\n`);
    });
  }
  /**
   * Waits until the provider holds exactly `iface`'s one global IPv4 and (unless
   * `families` says ipv4 only) one global IPv6 address; returns the time it took.
   */
  async function converged(
    what: string,
    iface: string,
    t0: number,
    ipv4: string,
    families: Array<keyof Addresses> = ["ipv4", "ipv6"],
    timeoutMs = 60_000, // past the last follow-up (40 s after the last event) under load
    ipv6Prefix = "", // the daemon has applied the router's new prefix too
  ): Promise<Addresses> {
    let k: Addresses = { ipv4: [], ipv6: [] };
    let held: { ipv4?: string; ipv6?: string } | undefined;
    while (Date.now() - t0 < timeoutMs) {
      k = kernel(iface);
      held = (await report()).addresses[RECORD];
      // The daemon has applied what the action asked for (`ipv4`), and the provider holds it all.
      if (k.ipv4[0] === ipv4 && (k.ipv6[0] ?? "").startsWith(ipv6Prefix) && families.every((f) => k[f].length === 1 && held?.[f] === k[f][0])) {
        const ms = Date.now() - t0;
        const look = m!.exec(["systemctl", "show", "-P", "InvocationID", "ddns-watch.service"]).stdout.trim();
        if (look !== "") looks.add(look);
        timings.push(`${what}: ${ms} ms (${families.map((f) => k[f][0]).join(", ")})`);
        process.stderr.write(`# ${what}: the provider holds ${iface}'s addresses ${ms} ms after the action (${elapsed()})\n`);
        // What woke ddns: the daemons' dispatches since the action, and the follow-ups.
        for (const d of dispatches().filter((e) => Number(e["AT"]) >= t0)) {
          const at = Number(d["AT"]) - t0;
          const env = Object.entries(d).filter(([key]) => /^(IP[46]_ADDRESS_\d+|DHCP4_IP_ADDRESS|CONNECTIVITY_STATE|STATE|AdministrativeState|IP_ADDRS|IP6_ADDRS)$/.test(key));
          process.stderr.write(`#   +${at} ms ${d["DISPATCHER"]} ${d["ARG1"] || d["IFACE"] || ""} ${d["ARG2"] || ""} ${env.map(([key, v]) => `${key}=${v}`).join(" ")}\n`);
        }
        const follow = m!.sh(`journalctl --no-pager -o short-unix _PID=1 --since=@${Math.floor(t0 / 1000)} | grep -E 'Starting ddns-follow@' || true`).stdout;
        for (const line of follow.split("\n").filter(Boolean)) process.stderr.write(`#   +${Math.round(Number(line.split(" ")[0]) * 1000 - t0)} ms follow-up\n`);
        return k;
      }
      await sleep(250);
    }
    const ctx =
      m!.sh(
        `ls -A /run/ddns/events; systemctl status --no-pager ddns.service ddns.path; systemctl list-timers --all --no-pager 'ddns*'; ` +
          `journalctl --no-pager -n 40 -u ddns.service -t ddns; ` +
          `journalctl --no-pager -n 30 -u systemd-networkd -u NetworkManager`,
      ).stdout + `\ndnsmasq:\n${dnsmasqLog.slice(-3000)}`;
    assert.fail(`${what}: the provider holds ${JSON.stringify(held)}, ${iface} has ${JSON.stringify(k)} after ${timeoutMs} ms\n${ctx}`);
  }
  /** The events the last run that wrote the state had read (`lastRun.events` in state.json). */
  function lastRunEvents(): string[] {
    const state = JSON.parse(readFileSync(join(m!.merged, "var/lib/ddns/state.json"), "utf8")) as { lastRun?: { events?: string[] } };
    return state.lastRun?.events ?? [];
  }
  /**
   * Masks the follow-ups (ddns-follow@.timer) and stops the pending ones, so that what
   * publishes a change no daemon dispatches can only be the address watch
   * (ddns-watch.socket), whose bound is then measured alone; `false` unmasks them.
   */
  function followUps(on: boolean): void {
    const script = on
      ? "rm -f /etc/systemd/system/ddns-follow@.timer && systemctl daemon-reload"
      : "systemctl stop 'ddns-follow@*.timer'; ln -sf /dev/null /etc/systemd/system/ddns-follow@.timer && systemctl daemon-reload";
    ok(m!.sh(script), on ? "unmask the follow-ups" : "mask the follow-ups");
  }
  /** Whether ddns.service started at or after `at` (epoch ms), as PID 1 logged it. */
  function ranSince(at: number): boolean {
    return runsSince(at).length > 0;
  }
  /** When ddns.service started at or after `at` (epoch ms), as PID 1 logged it. */
  function runsSince(at: number): number[] {
    const out = m!.sh(`journalctl --no-pager -q -o short-unix _PID=1 UNIT=ddns.service --since=@${(at / 1000).toFixed(3)} | grep 'Starting ddns.service' || true`).stdout;
    return out.split("\n").filter(Boolean).map((l) => Math.round(Number(l.split(" ")[0]) * 1000)).filter((t) => t >= at);
  }

  /** Every recorded dispatch, oldest first. */
  function dispatches(): Array<Record<string, string>> {
    const names = m!.sh(`ls ${DUMP} 2>/dev/null | grep -v tmp | sort`).stdout.split("\n").filter(Boolean);
    return names.map((n) => {
      const e: Record<string, string> = {};
      e["AT"] = String(Math.floor(Number(n.split("-")[0]) / 1e6)); // the name: date +%s%N
      for (const line of readFileSync(join(m!.merged, DUMP.slice(1), n), "utf8").split("\n")) {
        const i = line.indexOf("=");
        if (i > 0 && /^[A-Za-z_][A-Za-z0-9_]*$/.test(line.slice(0, i))) e[line.slice(0, i)] = line.slice(i + 1);
      }
      return e;
    });
  }

  before(async () => {
    const rootDir = spawnSync(join(REPO, "test/system/debian-root.sh"), ["netd"], { encoding: "utf8", timeout: 1_500_000 });
    assert.equal(rootDir.status, 0, `debian-root.sh netd: ${rootDir.stderr}`);
    process.stderr.write(rootDir.stderr.replace(/^(.)/gm, "# $1"));
    m = DebianMachine.prepare(rootDir.stdout.trim());
    const root = m.merged;
    installLikeThePackage(root);
    // The dispatch recorders (10-dump, before 90-ddns), for NetworkManager and for the
    // two networkd-dispatcher states the package hooks into.
    for (const [dir, who] of [
      ["etc/NetworkManager/dispatcher.d", "networkmanager"],
      ["etc/networkd-dispatcher/routable.d", "networkd"],
      ["etc/networkd-dispatcher/configured.d", "networkd"],
    ] as const) {
      mkdirSync(join(root, dir), { recursive: true });
      writeFileSync(join(root, dir, "10-dump"), DUMPER.replace("$DDNS_TEST_DISPATCHER", who), { mode: 0o755 });
    }
    // Only the connections this suite makes; no connectivity check (nothing to reach).
    writeFileSync(join(root, "etc/NetworkManager/conf.d/ddns-test.conf"), "[main]\nno-auto-default=*\n[connectivity]\nenabled=false\n");
    // The credential (the documented way to add a secret); no timer run meanwhile.
    mkdirSync(join(root, "etc/ddns/credentials"), { recursive: true });
    writeFileSync(join(root, "etc/ddns/credentials/dyndns2"), `${PASSWORD}\n`, { mode: 0o600 });
    mkdirSync(join(root, "etc/systemd/system/ddns.service.d"), { recursive: true });
    writeFileSync(join(root, "etc/systemd/system/ddns.service.d/credential.conf"), "[Service]\nLoadCredential=dyndns2:/etc/ddns/credentials/dyndns2\n");
    host("ip", ["netns", "add", PEER]);
    await m.boot();
    process.stderr.write(`# booted Debian 13 with NetworkManager (${elapsed()})\n`);

    // The provider on the machine's loopback (this checkout's strict mock, host node).
    provider = spawn("nsenter", ["-t", String(m.leaderPid), "-n", "--", process.execPath, join(REPO, "build/test/helpers/netns-provider.js"), USERNAME, RECORD], {
      stdio: ["pipe", "pipe", "inherit"],
    });
    provider.stdin!.write(`${PASSWORD}\n`);
    const url = await new Promise<string>((resolve, reject) => {
      provider!.once("exit", (code) => reject(new Error(`provider exited ${code}`)));
      createInterface({ input: provider!.stdout! }).on("line", (line) => {
        const msg = JSON.parse(line) as { url?: string; request?: { query: Record<string, string> }; report?: Report };
        if (msg.url) resolve(msg.url);
        if (msg.request) requests.push(msg.request.query);
        if (msg.report) reports.shift()?.(msg.report);
      });
    });
    // Written whole and renamed in: the edit starts one run (ddns.path), which has no event.
    writeFileSync(join(root, "etc/ddns/ddns.toml.new"), CONFIG(url));
    ok(m.exec(["mv", "/etc/ddns/ddns.toml.new", "/etc/ddns/ddns.toml"]), "config");
  });

  after(async () => {
    await stopDnsmasq();
    if (provider && provider.exitCode === null) provider.kill("SIGKILL");
    spawnSync("ip", ["netns", "del", PEER]);
    await m?.stop();
    process.stderr.write(`# real-daemon suite took ${elapsed()}\n${timings.map((t) => `#   ${t}\n`).join("")}`);
  });

  it("NetworkManager start/dispatches up for lo/no event, no run", async () => {
    const lo = await (async () => {
      for (let i = 0; i < 100; i++) {
        const d = dispatches().find((e) => e["DISPATCHER"] === "networkmanager" && e["ARG1"] === "lo");
        if (d) return d;
        await sleep(200);
      }
      return undefined;
    })();
    assert.ok(lo, "NetworkManager dispatched something for lo");
    await sleep(1000);
    assert.deepEqual(requests, [], "no update");
    // NetworkManager started during the boot, before the config was written; the
    // config edit of before() starts the only run.
    const invocations = m!.sh("journalctl --no-pager -o export _PID=1 UNIT=ddns.service | sed -n 's/^INVOCATION_ID=//p' | sort -u").stdout.split("\n").filter(Boolean);
    assert.ok(invocations.length <= 1, `at most the config edit's run: ${invocations.length}`);
  });

  it("NetworkManager DHCPv4 + SLAAC up/the provider holds the lease and the SLAAC address", async () => {
    vethPair("eth0", "srv0", "2001:db8:1::");
    startDnsmasq("srv0", "192.0.2.50", "2001:db8:1::");
    const t0 = Date.now();
    ok(m!.sh("nmcli con add type ethernet ifname eth0 con-name wan ipv4.method auto ipv6.method auto >/dev/null && nmcli --wait 30 con up wan"), "nmcli con up");
    const k = await converged("NM DHCPv4+SLAAC up", "eth0", t0, "192.0.2.50");
    assert.match(k.ipv6[0]!, /^2001:db8:1:/);
  });

  it("NetworkManager lease moves/a new address from the DHCP server, connection up again/the new lease", async () => {
    await stopDnsmasq();
    startDnsmasq("srv0", "192.0.2.51", "2001:db8:1::");
    const t0 = Date.now();
    ok(m!.sh("nmcli --wait 30 con up wan"), "nmcli con up");
    await converged("NM lease moves", "eth0", t0, "192.0.2.51");
  });

  it("NetworkManager static address changed + device reapply/reapply carries the old address/the new one", async () => {
    const t0 = Date.now();
    ok(m!.sh("nmcli con mod wan ipv4.method manual ipv4.addresses 192.0.2.70/24 ipv4.gateway 192.0.2.1 && nmcli device reapply eth0"), "reapply");
    await converged("NM static + reapply", "eth0", t0, "192.0.2.70");
    const reapply = dispatches().filter((e) => e["ARG2"] === "reapply");
    assert.ok(reapply.length > 0, "NetworkManager dispatched reapply");
  });

  it("NetworkManager SLAAC after up/router advertisements only once the connection is up/the follow-up publishes the SLAAC address", async () => {
    // A router that announces its prefix late: DHCPv4 only while the connection comes up.
    ok(m!.sh("nmcli con down wan >/dev/null && nmcli con mod wan ipv4.method auto ipv4.addresses '' ipv4.gateway ''"), "nmcli con mod");
    await stopDnsmasq();
    startDnsmasq("srv0", "192.0.2.54", undefined);
    const tUp = Date.now();
    ok(m!.sh("nmcli --wait 30 con up wan"), "nmcli con up");
    await converged("NM up, DHCPv4 only", "eth0", tUp, "192.0.2.54", ["ipv4"]);
    assert.deepEqual(kernel("eth0").ipv6, [], "no global IPv6 yet");
    // Now the router advertises 2001:db8:3::/64; no daemon dispatches the SLAAC address.
    await stopDnsmasq();
    host("ip", ["-n", PEER, "addr", "add", "2001:db8:3::1/64", "dev", "srv0"]);
    const tRa = Date.now();
    startDnsmasq("srv0", "192.0.2.54", "2001:db8:3::", [], true);
    const k = await converged("NM SLAAC after up (RA starts)", "eth0", tRa, "192.0.2.54");
    assert.match(k.ipv6[0]!, /^2001:db8:3:/);
    process.stderr.write(`#   (the connection came up ${tRa - tUp} ms before the RAs started)\n`);
  });

  it("NetworkManager IPv6 prefix change by RA/the router announces a new prefix and deprecates the old one; nothing dispatched/the address watch publishes the new prefix", async () => {
    // The router (dnsmasq) renumbers: 2001:db8:4::/64 announced, 2001:db8:3::/64 still
    // announced with preferred lifetime 0 ("deprecated"). NetworkManager dispatches nothing.
    followUps(false);
    await stopDnsmasq();
    host("ip", ["-n", PEER, "addr", "add", "2001:db8:4::1/64", "dev", "srv0"]);
    const t0 = Date.now();
    startDnsmasq("srv0", "192.0.2.54", "2001:db8:4::", ["--dhcp-range=2001:db8:3::,ra-only,64,deprecated"], true);
    const k = await converged("NM IPv6 prefix change by RA (old prefix deprecated)", "eth0", t0, "192.0.2.54", undefined, undefined, "2001:db8:4:");
    assert.match(k.ipv6[0]!, /^2001:db8:4:/);
    assert.ok(lastRunEvents().some((e) => /^ddns-address-watch \(watch address-change\)$/.test(e)), `the watch's event woke the run: ${lastRunEvents().join(", ")}`);
  });

  it("NetworkManager IPv6 prefix change by RA/the router announces a new prefix, the old one stays valid and preferred/the provider holds one of the usable addresses, published after the new one appeared", async () => {
    // dnsmasq restarted with only 2001:db8:5::/64: the old prefix (2001:db8:4::) is no
    // longer announced and stays preferred until its lifetime runs out (2 min). Both
    // are usable; a dyndns2 record holds one IPv6 address.
    await stopDnsmasq();
    host("ip", ["-n", PEER, "addr", "add", "2001:db8:5::1/64", "dev", "srv0"]);
    const t0 = Date.now();
    startDnsmasq("srv0", "192.0.2.54", "2001:db8:5::", [], true);
    let k: Addresses = { ipv4: [], ipv6: [] };
    let held: { ipv4?: string; ipv6?: string } | undefined;
    let seen = 0;
    let appeared = 0; // in the kernel at all (tentative included), as this loop saw it
    while (Date.now() - t0 < 60_000) {
      k = kernel("eth0");
      held = (await report()).addresses[RECORD];
      if (seen === 0 && k.ipv6.some((a) => a.startsWith("2001:db8:5:"))) seen = Date.now();
      if (appeared === 0 && m!.inNet(["ip", "-6", "addr", "show", "dev", "eth0"]).stdout.includes("2001:db8:5:")) appeared = Date.now();
      // A run woken by the watch after the new address became usable, and the provider holds a usable address.
      if (seen > 0 && held?.ipv4 === k.ipv4[0] && k.ipv6.includes(held?.ipv6 ?? "") && ranSince(t0)) break;
      await sleep(250);
    }
    // Nothing else can start a run meanwhile: the follow-ups are masked, NetworkManager
    // dispatches nothing for a prefix, and the address does not exist before the RA.
    const ms = (runsSince(t0)[0] ?? Date.now()) - t0;
    assert.ok(seen > 0, `the new prefix's address never became usable: ${JSON.stringify(k)}`);
    // Usually both stay usable (the old one until its preferred lifetime ends); once in 4
    // runs NetworkManager had already dropped the old one: then the provider holds the new.
    assert.ok(held?.ipv4 === k.ipv4[0] && k.ipv6.includes(held?.ipv6 ?? ""), `the provider holds ${JSON.stringify(held)}, eth0 has ${JSON.stringify(k)}`);
    assert.ok(ranSince(t0), "a run after the router's new advertisement");
    timings.push(`NM prefix change, old prefix still preferred: ${ms} ms (the provider holds ${held?.ipv6})`);
    process.stderr.write(`# NM prefix change, old prefix still preferred: the first run ${ms} ms after the RAs started (the new address in the kernel at +${appeared - t0} ms, usable at +${seen - t0} ms, as a 250-ms loop saw it); the provider holds ${held?.ipv6} of ${k.ipv6.join(", ")}\n`);
    followUps(true);
  });

  it("NetworkManager DHCPv6/router advertisements with the managed flag, an address from DHCPv6/the DHCPv6 address", async () => {
    ok(m!.sh("nmcli con down wan >/dev/null"), "nmcli con down");
    await stopDnsmasq();
    host("ip", ["-n", PEER, "addr", "add", "2001:db8:6::1/64", "dev", "srv0"]);
    // A stateful range: dnsmasq's RAs carry the M flag, and the address comes from DHCPv6.
    startDnsmasq("srv0", "192.0.2.55", undefined, ["--enable-ra", "--dhcp-range=2001:db8:6::100,2001:db8:6::100,64,2m", "--ra-param=srv0,3"]);
    const t0 = Date.now();
    ok(m!.sh("nmcli --wait 30 con up wan"), "nmcli con up");
    const k = await converged("NM DHCPv4 + DHCPv6", "eth0", t0, "192.0.2.55");
    assert.equal(k.ipv6[0], "2001:db8:6::100");
  });

  it("NetworkManager connectivity change/the check fails (PORTAL, LIMITED or NONE), then passes (FULL)/no event and no run for the loss, a run for FULL", async () => {
    // NetworkManager's connectivity check, pointed at a web server on the router's side of
    // the veth (the peer namespace): it answers "NetworkManager is online" or, when told
    // to, something else. `nmcli networking connectivity check` makes NetworkManager check now.
    followUps(false);
    const web = spawn("nsenter", [`--net=/run/netns/${PEER}`, "--", process.execPath, "-e", `
      let online = true;
      require("node:readline").createInterface({ input: process.stdin }).on("line", (l) => { online = l.trim() === "online"; });
      require("node:http").createServer((q, r) => { r.writeHead(200, { "content-type": "text/plain" }); r.end(online ? "NetworkManager is online\\n" : "captive portal\\n"); })
        .listen(80, "192.0.2.1", () => process.stdout.write("listening\\n"));`], { stdio: ["pipe", "pipe", "inherit"] });
    try {
      await new Promise<void>((resolve, reject) => {
        web.once("exit", (c) => reject(new Error(`web server exited ${c}`)));
        web.stdout!.once("data", () => resolve());
      });
      writeFileSync(join(m!.merged, "etc/NetworkManager/conf.d/ddns-test.conf"), "[main]\nno-auto-default=*\n[connectivity]\nenabled=true\nuri=http://192.0.2.1/check\ninterval=3600\n");
      ok(m!.sh("nmcli general reload conf"), "nmcli general reload conf");
      const check = (): string => ok(m!.sh("nmcli networking connectivity check"), "connectivity check").trim();
      assert.equal(check(), "full", "the check passes against the router's web server");
      await sleep(1500);
      // Lost: NetworkManager dispatches connectivity-change with LIMITED (or NONE); the hook writes nothing.
      web.stdin!.write("offline\n");
      const tLost = Date.now();
      const lost = check();
      assert.ok(["limited", "none", "portal"].includes(lost), `connectivity after a failed check: ${lost}`);
      await sleep(3000);
      const lostDispatch = dispatches().filter((d) => Number(d["AT"]) >= tLost && d["ARG2"] === "connectivity-change");
      assert.ok(lostDispatch.length > 0, "NetworkManager dispatched connectivity-change");
      assert.ok(lostDispatch.every((d) => ["NONE", "LIMITED", "PORTAL"].includes(d["CONNECTIVITY_STATE"] ?? "")), JSON.stringify(lostDispatch.map((d) => d["CONNECTIVITY_STATE"])));
      const others = dispatches().filter((d) => Number(d["AT"]) >= tLost && d["ARG2"] !== "connectivity-change");
      if (others.length === 0) assert.equal(ranSince(tLost), false, "no run for a connectivity loss");
      // Back: FULL wakes ddns (an event naming no interface: the kernel is read).
      web.stdin!.write("online\n");
      const tFull = Date.now();
      assert.equal(check(), "full");
      const k = await converged("NM connectivity FULL again", "eth0", tFull, "192.0.2.55");
      for (let i = 0; i < 40 && !ranSince(tFull); i++) await sleep(250);
      assert.ok(ranSince(tFull), "a run after connectivity came back");
      const full = dispatches().filter((d) => Number(d["AT"]) >= tFull && d["ARG2"] === "connectivity-change");
      assert.deepEqual(full.map((d) => d["CONNECTIVITY_STATE"]), ["FULL"]);
      process.stderr.write(`#   connectivity: lost -> ${lostDispatch.map((d) => d["CONNECTIVITY_STATE"]).join(", ")} (no event, no run), back -> FULL (a run); eth0 ${JSON.stringify(k)}\n`);
    } finally {
      web.kill();
      writeFileSync(join(m!.merged, "etc/NetworkManager/conf.d/ddns-test.conf"), "[main]\nno-auto-default=*\n[connectivity]\nenabled=false\n");
      m!.sh("nmcli general reload conf");
      followUps(true);
    }
  });

  it("systemd-networkd DHCPv4 + SLAAC/routable and configured/the lease and the SLAAC address", async () => {
    ok(m!.sh("nmcli con del wan >/dev/null; systemctl stop NetworkManager"), "stop NetworkManager");
    await stopDnsmasq();
    host("ip", ["-n", PEER, "link", "del", "srv0"]);
    vethPair("eth1", "srv1", "2001:db8:2::");
    // T1 4 s, T2 8 s: networkd renews (unicast) and rebinds (broadcast) within seconds.
    startDnsmasq("srv1", "192.0.2.52", "2001:db8:2::", RENEW_FAST);
    writeFileSync(join(m!.merged, "etc/systemd/network/eth1.network"), "[Match]\nName=eth1\n[Network]\nDHCP=ipv4\nIPv6AcceptRA=yes\n");
    const t0 = Date.now();
    ok(m!.sh("systemctl start systemd-networkd networkd-dispatcher"), "start networkd");
    const k = await converged("networkd DHCPv4+SLAAC", "eth1", t0, "192.0.2.52");
    assert.match(k.ipv6[0]!, /^2001:db8:2:/);
  });

  it("systemd-networkd DHCPv4 change while routable/the server moves the lease/the new address", async () => {
    // The server now has another address for this client: it NAKs the renewal (a
    // broadcast, which networkd's renewing socket does not see) and the rebinding,
    // after which networkd discovers and takes the new lease. IPv6 keeps the link
    // routable throughout, so networkd-dispatcher's routable.d never runs again.
    await stopDnsmasq();
    startDnsmasq("srv1", "192.0.2.53", "2001:db8:2::", RENEW_FAST);
    const t0 = Date.now();
    await converged("networkd DHCPv4 change while routable", "eth1", t0, "192.0.2.53");
  });

  it("systemd-networkd static address changed + networkctl reload/IPv6 keeps the link routable/the new address", async () => {
    writeFileSync(join(m!.merged, "etc/systemd/network/eth1.network"), "[Match]\nName=eth1\n[Network]\nAddress=192.0.2.80/24\nGateway=192.0.2.1\nIPv6AcceptRA=yes\n");
    const t0 = Date.now();
    ok(m!.exec(["networkctl", "reload"]), "networkctl reload");
    const k = await converged("networkd static + reload", "eth1", t0, "192.0.2.80");
    assert.match(k.ipv6[0]!, /^2001:db8:2:/);
  });

  it("systemd-networkd prefix change while routable/the router announces a new prefix and deprecates the old one/the address watch publishes the new prefix", async () => {
    // networkd-dispatcher may dispatch `configured` (IP6_ADDRS empty while the new
    // address is tentative): the follow-ups are masked, so the watch alone must publish.
    followUps(false);
    await stopDnsmasq();
    host("ip", ["-n", PEER, "addr", "add", "2001:db8:7::1/64", "dev", "srv1"]);
    const t0 = Date.now();
    startDnsmasq("srv1", "192.0.2.53", "2001:db8:7::", ["--dhcp-range=2001:db8:2::,ra-only,64,deprecated"], true);
    const k = await converged("networkd prefix change while routable (old prefix deprecated)", "eth1", t0, "192.0.2.80", undefined, undefined, "2001:db8:7:");
    followUps(true);
    assert.match(k.ipv6[0]!, /^2001:db8:7:/);
    assert.ok(lastRunEvents().some((e) => /^ddns-address-watch \(watch address-change\)$/.test(e)), `the watch's event woke the run: ${lastRunEvents().join(", ")}`);
  });

  it("every dispatch/replayed through the installed hooks/no link-local address, nothing for lo", () => {
    const all = dispatches();
    assert.ok(all.length > 0);
    const bad: string[] = [];
    let withEvent = 0;
    for (const [i, d] of all.entries()) {
      const { ARG1, ARG2, DISPATCHER, AT, ...env } = d;
      void AT;
      const dir = `/run/ddns-test-replay/${i}`;
      const hook = DISPATCHER === "networkmanager" ? "/usr/lib/NetworkManager/dispatcher.d/90-ddns" : "/usr/lib/networkd-dispatcher/routable.d/90-ddns";
      const args = DISPATCHER === "networkmanager" ? [hook, ARG1 ?? "", ARG2 ?? ""] : [hook];
      ok(m!.exec(["mkdir", "-p", dir]), "mkdir");
      ok(m!.exec(args, { env: { ...env, DDNS_EVENTS_DIR: dir } }), `replay ${DISPATCHER} ${ARG1} ${ARG2}`);
      const written = m!.sh(`cat ${dir}/* 2>/dev/null || true`).stdout;
      if (written !== "") withEvent++;
      const carried = [...written.matchAll(/^IPV[46]=(.*)$/gm)].flatMap((x) => x[1]!.split(" "));
      if (carried.some((a) => /^fe[89ab][0-9a-f]:/i.test(a) || a.startsWith("169.254."))) bad.push(`${DISPATCHER} ${ARG1} ${ARG2}: ${written}`);
      const iface = DISPATCHER === "networkmanager" ? (env["DEVICE_IP_IFACE"] || ARG1) : env["IFACE"];
      if (iface === "lo" && written !== "") bad.push(`an event for lo: ${written}`);
    }
    process.stderr.write(`# ${all.length} dispatches recorded, ${withEvent} of them make an event\n`);
    assert.deepEqual(bad, []);
    assert.ok(withEvent > 0);
  });

  it("the address watch/a look at every address notification all along/not one journal line about ddns-watch.service", () => {
    // Every scenario changed addresses and the RAs (every 3 s) refreshed lifetimes: each
    // a notification, each a look (a new invocation), nearly all of them finding nothing new.
    assert.ok(looks.size >= 8, `the watch looked between the scenarios: ${looks.size} distinct invocations seen`);
    assert.equal(m!.exec(["systemctl", "is-active", "ddns-watch.socket"]).stdout.trim(), "active", "still listening");
    // The socket's start recorded the addresses (ExecStartPost=-address-watch --seed, as ddns): it ran and succeeded.
    const seed = m!.exec(["systemctl", "show", "-P", "ExecStartPost", "ddns-watch.socket"]).stdout;
    assert.match(seed, /address-watch ; argv\[\]=\/usr\/lib\/ddns\/address-watch --seed ;.*status=0\/0/, seed);
    // LogLevelMax=notice: neither the script nor PID 1 ("Starting", "Finished", "Deactivated",
    // "Consumed ... CPU time") logged a line about the service.
    const journal = m!.exec(["journalctl", "--no-pager", "-q", "-o", "short-unix", "-u", "ddns-watch.service"]).stdout;
    assert.equal(journal, "", "the journal is silent about the watch's looks");
    process.stderr.write(`# the address watch: ${looks.size} distinct looks seen at the convergences, 0 journal lines about ddns-watch.service\n`);
  });

  it("the secret/nowhere in the journal/never written", () => {
    const journal = m!.exec(["journalctl", "--no-pager", "-o", "export"]).stdout;
    assert.ok(journal.length > 0);
    assert.ok(!journal.includes(PASSWORD));
  });
});

// Event-to-push latency through a real systemd (issue 7, scenario 5).
//   node bench/systemd-latency.mjs [--events N] [--json]
//
// Boots systemd as PID 1 in namespaces of its own (test/helpers/systemd-harness.ts:
// loopback-only network, overlays over the host's trees, its own cgroup; stop()
// removes all of it), installs ddns as the package does, and measures, per event:
//   t0  just before the NetworkManager hook is started inside the booted system
//       (nsenter into all its namespaces, as the system suite runs it),
//   t1  the loopback dyndns2 provider receives the update request (stamped by the
//       provider process itself, test/helpers/netns-provider.ts).
// Every event carries a new address, so every ddns run has something to push. An
// event is a wake-up (ddns(8), NETWORK EVENTS): ddns reads eth0's addresses from the
// kernel, so eth0 (one end of a veth pair inside the booted system) gets each new
// address before t0, as a network daemon sets it before dispatching. The follow-up
// timers (ddns-follow@.timer) are masked: their runs 2 s after each event would
// overlap the next measurement.
//
// Side by side (A S B A S B ...), each event started the same way: the same hook
// writes into the directory its .path unit watches (DirectoryNotEmpty=):
//   A  floor: a trivial oneshot (root, no sandbox) whose ExecStart is a tiny
//      CommonJS node script: read and remove the event, send the same dyndns2 GET
//      with node:http, exit;
//   S  the same script under ddns.service's own sandbox and credential (every line
//      of the shipped unit, ExecStart replaced): what the hardening costs;
//   B  ddns: ddns.path -> ddns.service -> /usr/bin/ddns run.
// One warm-up round is not counted. Prints one markdown table (medians, p90, the
// ratios B/A and B/S); --json prints the numbers instead. Exits 0 without measuring,
// with the reason, where a test systemd cannot boot (not root, no cgroup2, no
// systemd); exits 1 if a measurement fails.
import { existsSync, readdirSync } from "node:fs";
import { createInterface } from "node:readline";
import { cpus } from "node:os";
import { join } from "node:path";

const root = new URL("..", import.meta.url).pathname;
const args = process.argv.slice(2);
const eventsArg = args.indexOf("--events");
const EVENTS = eventsArg >= 0 ? Number(args[eventsArg + 1]) : 10;
const JSON_OUT = args.includes("--json");
if (!Number.isInteger(EVENTS) || EVENTS < 1 || EVENTS > 200) {
  console.error("--events takes an integer from 1 to 200");
  process.exit(2);
}

const LABEL = "event-to-push latency through systemd (hook start → request at the provider)";
function cannotRun(reason) {
  if (JSON_OUT) console.log(JSON.stringify({ skipped: reason }));
  else console.log(`\n(${LABEL}: not measured: ${reason})`);
  process.exit(0);
}

const harnessJs = join(root, "build/test/helpers/systemd-harness.js");
if (!existsSync(harnessJs)) cannotRun("build/ is missing: run npm run build");
const { bootSystemd, systemdUnavailable, waitFor } = await import(harnessJs);
const unavailable = systemdUnavailable();
if (unavailable !== undefined) cannotRun(unavailable);

const USERNAME = "bench";
const PASSWORD = "bench-c0ffee-5ec7-e7ab-0123456789ab";
const RECORD = "latency.example.org";
const HOOK = "/usr/lib/NetworkManager/dispatcher.d/90-ddns";

/** The floor's program: what any service must do for one event, and nothing more. */
const FLOOR = (url, authorization) => `#!/usr/bin/env node
"use strict";
const fs = require("node:fs");
const http = require("node:http");
const dir = process.argv[2];
let ip = "";
for (const f of fs.readdirSync(dir)) {
  const m = /^IPV4=(\\S+)/m.exec(fs.readFileSync(dir + "/" + f, "utf8"));
  if (m) ip = m[1];
  fs.unlinkSync(dir + "/" + f);
}
const u = new URL(${JSON.stringify(url)} + "/nic/update?hostname=${RECORD}&myip=" + ip);
http.get(u, { headers: { authorization: ${JSON.stringify(authorization)}, "user-agent": "floor/1" } }, (res) => {
  res.resume();
  res.on("end", () => process.exit(res.statusCode === 200 ? 0 : 1));
}).on("error", () => process.exit(1));
`;

const CONFIG = (endpoint) => `# written by bench/systemd-latency.mjs
[ipv4]
sources = ["event"]
accept_private = true   # documentation addresses
[ipv6]
enabled = false

[providers.home]
type = "dyndns2"
endpoint = "${endpoint}"
username = "${USERNAME}"
password_credential = "dyndns2"

[[records]]
name = "${RECORD}"
provider = "home"
`;

/** The provider beside the booted system: the strict dyndns2 mock behind the suite's proxy. */
function startProvider(sys) {
  const child = sys.spawnInNet([process.execPath, join(root, "build/test/helpers/netns-provider.js"), USERNAME, RECORD]);
  child.stdin.write(`${PASSWORD}\n`);
  const arrivals = [];
  const requests = [];
  const waiting = { arrival: [], request: [], report: [] };
  const push = (kind, list, v) => (waiting[kind].length ? waiting[kind].shift()(v) : list.push(v));
  const next = (kind, list) => (list.length ? Promise.resolve(list.shift()) : new Promise((r) => waiting[kind].push(r)));
  const reports = [];
  return new Promise((resolve, reject) => {
    child.once("exit", (code) => reject(new Error(`provider exited ${code}`)));
    child.stderr.on("data", (d) => process.stderr.write(d));
    createInterface({ input: child.stdout }).on("line", (line) => {
      const m = JSON.parse(line);
      if (m.url) {
        p.url = m.url;
        resolve(p);
      }
      if (m.arrived) push("arrival", arrivals, m.arrived.at);
      if (m.request) push("request", requests, m.request);
      if (m.report) push("report", reports, m.report);
    });
    const p = {
      url: "",
      nextArrival: () => next("arrival", arrivals),
      nextRequest: () => next("request", requests),
      pending: () => arrivals.length + requests.length,
      /** Sends commands; resolves once the provider has read them (a report follows them in order). */
      async command(c) {
        child.stdin.write(JSON.stringify(c) + "\n" + JSON.stringify({ report: true }) + "\n");
        return next("report", reports);
      },
    };
  });
}

const quantile = (xs, q) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil(q * s.length) - 1))];
};
const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};

let sys;
const cleanup = async () => {
  await sys?.stop();
  sys = undefined;
};
process.on("SIGINT", () => void cleanup().then(() => process.exit(130)));
process.on("SIGTERM", () => void cleanup().then(() => process.exit(143)));

const sides = {
  floor: { unit: "ddns-floor.service", dir: "/run/ddns-floor/events", ms: [], hookMs: [], forkMs: [], afterForkMs: [] },
  sandboxed: { unit: "ddns-floor-sandboxed.service", dir: "/run/ddns-floor-sandboxed/events", ms: [], hookMs: [], forkMs: [], afterForkMs: [] },
  ddns: { unit: "ddns.service", dir: "/run/ddns/events", ms: [], hookMs: [], forkMs: [], afterForkMs: [] },
};

let result;
try {
  try {
    sys = await bootSystemd();
  } catch (e) {
    const m = /^cannot boot systemd: (.*)$/m.exec(e.message);
    if (m) cannotRun(m[1]);
    throw e;
  }
  const provider = await startProvider(sys);
  const url = provider.url;
  const authorization = `Basic ${Buffer.from(`${USERNAME}:${PASSWORD}`).toString("base64")}`;

  // ddns as the system suite sets it up: config, credential, no timer run in between.
  await sys.write("/etc/ddns/ddns.toml", CONFIG(url));
  await sys.write("/etc/ddns/credentials/dyndns2", `${PASSWORD}\n`, 0o600);
  const credential = "[Service]\nLoadCredential=dyndns2:/etc/ddns/credentials/dyndns2\n";
  await sys.write("/etc/systemd/system/ddns.service.d/credential.conf", credential);
  await sys.write("/etc/systemd/system/ddns.timer.d/quiet.conf", "[Timer]\nOnBootSec=\nOnCalendar=\nOnCalendar=2199-01-01\n");

  // The floors: the same program twice, plain and under ddns.service's sandbox.
  await sys.write("/usr/lib/ddns-floor/floor.cjs", FLOOR(url, authorization), 0o755);
  for (const [name, side] of [["ddns-floor", sides.floor], ["ddns-floor-sandboxed", sides.sandboxed]]) {
    await sys.sh(`install -d -o root -g ddns -m 0770 ${side.dir.replace(/\/events$/, "")} ${side.dir}`);
    await sys.write(
      `/etc/systemd/system/${name}.path`,
      `[Path]\nDirectoryNotEmpty=${side.dir}\nUnit=${name}.service\nTriggerLimitIntervalSec=60\nTriggerLimitBurst=60\n`,
    );
  }
  await sys.write(
    "/etc/systemd/system/ddns-floor.service",
    `[Unit]\nDescription=latency floor: a trivial oneshot\n[Service]\nType=oneshot\nExecStart=/usr/lib/ddns-floor/floor.cjs ${sides.floor.dir}\n`,
  );
  await sys.sh(
    `sed -e 's|^ExecStart=.*|ExecStart=/usr/lib/ddns-floor/floor.cjs ${sides.sandboxed.dir}|' ` +
      `-e 's|^ReadWritePaths=.*|ReadWritePaths=/run/ddns-floor-sandboxed|' -e '/^ExecStopPost=/d' ` +
      "/usr/lib/systemd/system/ddns.service > /etc/systemd/system/ddns-floor-sandboxed.service",
  );
  await sys.write("/etc/systemd/system/ddns-floor-sandboxed.service.d/credential.conf", credential);
  // Events come faster here than on any host: no start or trigger limit may cut a run
  // short (the limits only count starts; nothing on the way to the request changes).
  for (const name of ["ddns", "ddns-floor", "ddns-floor-sandboxed"]) {
    await sys.write(`/etc/systemd/system/${name}.service.d/bench-limits.conf`, "[Unit]\nStartLimitIntervalSec=0\n");
    await sys.write(`/etc/systemd/system/${name}.path.d/bench-limits.conf`, "[Path]\nTriggerLimitIntervalSec=0\n");
  }
  await sys.sh("ln -s /dev/null /etc/systemd/system/ddns-follow@.timer");
  await sys.sh("systemctl daemon-reload && systemctl start ddns.path ddns-floor.path ddns-floor-sandboxed.path");
  await sys.sh("ip link add eth0 type veth peer name eth0-peer && ip link set eth0-peer up && ip link set eth0 up");

  let address = 0;
  const nextAddress = () => {
    address++;
    return address <= 250 ? `192.0.2.${address}` : `198.51.100.${address - 250}`;
  };

  /** One event on one side; returns { ms, hookMs } or throws. */
  async function event(side) {
    const s = sides[side];
    await provider.command({ fail: side === "ddns" ? null : { status: 200, body: "good" } });
    if (provider.pending() !== 0) throw new Error("a request arrived between events");
    const ip = nextAddress();
    const env = { DEVICE_IFACE: "eth0", DEVICE_IP_IFACE: "eth0", IP4_NUM_ADDRESSES: "1", IP4_ADDRESS_0: `${ip}/24 192.0.2.254` };
    if (side !== "ddns") env.DDNS_EVENTS_DIR = s.dir;
    await sys.sh(`ip -4 addr flush dev eth0 && ip addr add ${ip}/24 dev eth0`);
    const arrived = provider.nextArrival();
    const t0 = Date.now();
    const t0mono = process.hrtime.bigint(); // CLOCK_MONOTONIC, the clock of systemd's *Monotonic timestamps
    const hook = await sys.run([HOOK, "eth0", "up"], { env });
    const hookMs = Date.now() - t0;
    if (hook.status !== 0) throw new Error(`the hook exited ${hook.status}: ${hook.stderr}`);
    const t1 = await Promise.race([
      arrived,
      new Promise((_, reject) => setTimeout(() => reject(new Error(`${side}: no request within 30 s of the event`)), 30_000).unref()),
    ]);
    const req = await provider.nextRequest();
    if (req.query.myip !== ip || req.status !== 200) throw new Error(`${side}: unexpected request ${JSON.stringify(req)} for ${ip}`);
    // The run is over (and its event consumed) before the next event starts.
    await waitFor(`${s.unit} to finish`, async () => {
      const r = await sys.run(["sh", "-c", `systemctl is-active ${s.unit}; ls -A ${s.dir}`]);
      return r.stdout.trim() === "inactive" ? true : undefined;
    }, 30_000, 25);
    const [state, forkUs] = (await sys.sh(`systemctl show -p Result -p ExecMainStartTimestampMonotonic --value ${s.unit}`)).trim().split("\n");
    if (state !== "success") throw new Error(`${s.unit}: ${state}`);
    // When systemd forked the main process: before it the hook, the inotify wake-up and
    // the start job; after it the sandbox set-up, exec, node's start and the program.
    const forkMs = Number(forkUs) / 1000 - Number(t0mono) / 1e6;
    if (!(forkMs > 0 && forkMs < t1 - t0 + 5)) throw new Error(`${s.unit}: fork at ${forkUs} µs is not within the event`);
    return { ms: t1 - t0, hookMs, forkMs };
  }

  for (let round = 0; round <= EVENTS; round++) {
    for (const side of ["floor", "sandboxed", "ddns"]) {
      const r = await event(side);
      if (round === 0) continue; // warm-up round: page cache, first run's state file
      sides[side].ms.push(r.ms);
      sides[side].hookMs.push(r.hookMs);
      sides[side].forkMs.push(r.forkMs);
      sides[side].afterForkMs.push(r.ms - r.forkMs);
    }
  }
  const report = await provider.command({});
  if (report.violations.length) throw new Error(`the provider saw violations: ${report.violations.join("; ")}`);
  if (report.addresses[RECORD]?.ipv4 === undefined) throw new Error("the provider holds no address");

  const stats = (xs) => ({ median: median(xs), p90: quantile(xs, 0.9), min: Math.min(...xs), max: Math.max(...xs) });
  const side = (s) => ({ ...stats(s.ms), toFork: stats(s.forkMs), afterFork: stats(s.afterForkMs) });
  result = {
    events: EVENTS,
    floor: side(sides.floor),
    sandboxed: side(sides.sandboxed),
    ddns: side(sides.ddns),
    hook: stats([...sides.floor.hookMs, ...sides.sandboxed.hookMs, ...sides.ddns.hookMs]),
    samples: { floor: sides.floor.ms, sandboxed: sides.sandboxed.ms, ddns: sides.ddns.ms },
  };
} catch (e) {
  console.error(`${LABEL}: failed: ${e.stack ?? e}`);
  if (sys !== undefined) {
    const units = Object.values(sides).flatMap((s) => [s.unit, s.unit.replace(/service$/, "path")]).join(" ");
    const r = await sys.run(["sh", "-c", `systemctl status --no-pager ${units}; ls -la /run/ddns-floor* /run/ddns; journalctl --no-pager -n 60`]);
    console.error(r.stdout + r.stderr);
  }
  await cleanup();
  process.exit(1);
}
await cleanup();
// Nothing of the boot is left on the host (the harness names its cgroups ddns-test-PID-*).
for (const cgRoot of ["/sys/fs/cgroup", "/sys/fs/cgroup/unified"]) {
  if (!existsSync(join(cgRoot, "cgroup.procs"))) continue;
  const left = readdirSync(cgRoot).filter((d) => d.startsWith(`ddns-test-${process.pid}-`));
  if (left.length) {
    console.error(`${LABEL}: cgroups left behind: ${left.join(", ")}`);
    process.exit(1);
  }
}

if (JSON_OUT) {
  console.log(JSON.stringify(result));
} else {
  const r = result;
  const ms = (x) => `${x.toFixed(0)} ms`;
  const cell = (s) => `${ms(s.median)} / ${ms(s.p90)}`;
  const ratio = (b, a) => `${(b.median / a.median).toFixed(2)}x (p90 ${(b.p90 / a.p90).toFixed(2)}x)`;
  console.log(`\n## ${LABEL}, ${r.events} events per side (A S B A S B ..., one warm-up round), ${cpus().length} CPUs\n`);
  const split = (s) => `${ms(s.toFork.median)} + ${ms(s.afterFork.median)}`;
  console.log("| started by the hook through a .path unit | median / p90 | median split: to the fork + after it | ddns ratio, median (p90) |");
  console.log("| --- | --- | --- | --- |");
  console.log(`| A: trivial oneshot, node:http GET (floor) | ${cell(r.floor)} | ${split(r.floor)} | ${ratio(r.ddns, r.floor)} |`);
  console.log(`| S: the same script in ddns.service's sandbox | ${cell(r.sandboxed)} | ${split(r.sandboxed)} | ${ratio(r.ddns, r.sandboxed)} |`);
  console.log(`| B: ddns.path → ddns.service → ddns run | ${cell(r.ddns)} | ${split(r.ddns)} | — |`);
  console.log(
    `\n(the hook itself, nsenter included: median ${ms(r.hook.median)}, p90 ${ms(r.hook.p90)}. "To the fork": hook, inotify, start job, ` +
      "until systemd forks the main process (its ExecMainStartTimestampMonotonic); after it: sandbox set-up, exec, node, the program, " +
      "until the provider stamps the request in whole ms)",
  );
}
process.exit(0);

// The gateway source against Debian's real miniupnpd, in a real systemd
// (test/helpers/systemd-harness.ts). Three network namespaces, all made here:
//   lan    = the booted system (ddns, ddns-announce.socket, the provider mock on its loopback)
//   router = miniupnpd between lan (192.168.77.1/24) and wan (81.2.69.2/24)
//   wan    = the "internet" side of the router (81.2.69.1)
// Nothing leaves the machine; every address lives in these namespaces. TEST-NET
// ranges are not used for the WAN: miniupnpd treats them as reserved.
import { strict as assert } from "node:assert";
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { MESSAGE_IDS } from "../../src/log/message-ids.js";
import { aptMiniupnpdVersion, miniupnpdBinary, startMiniupnpd, type Router } from "../helpers/miniupnpd.js";
import { assertNoSecrets } from "../helpers/secrets.js";
import { REPO, bootSystemd, systemdUnavailable, waitFor, type BootedSystemd } from "../helpers/systemd-harness.js";

const TOKEN = "cf-gateway-system-token-7Kd3";
const NAME = "home.example.org";
const LAN_HOST = "192.168.77.10";
const ROUTER_LAN = "192.168.77.1";
const SPOOFER = "192.168.77.66";
const WAN_1 = "81.2.69.2";
const WAN_2 = "81.2.69.3";
const ECHOED = "81.2.69.99";

const version = aptMiniupnpdVersion();
const unavailable =
  systemdUnavailable() ??
  (version === undefined ? "apt offers no miniupnpd-nftables" : spawnSync("sh", ["-c", "command -v nft"]).status === 0 ? undefined : "nft is not installed");

/** Cloudflare mock + echo service on the system's loopback; "dump" on stdin prints what they saw. */
const MOCK = `
import { startCloudflareServer } from ${JSON.stringify(join(REPO, "build/test/helpers/cloudflare-server.js"))};
import { startEchoServer } from ${JSON.stringify(join(REPO, "build/test/helpers/echo-server.js"))};
import { createInterface } from "node:readline";
const cf = await startCloudflareServer({ token: ${JSON.stringify(TOKEN)}, zones: [{ name: "example.org", id: "zone0000000000000000000000000001" }] });
const echo = await startEchoServer("127.0.0.1", { "/ip": { body: ${JSON.stringify(ECHOED + "\n")} } });
const at = [];
// When each request arrived (5 ms resolution): the latency from a WAN change.
setInterval(() => { while (at.length < cf.requests.length) at.push(Date.now()); }, 5).unref();
console.log(JSON.stringify({ url: cf.url, echo: echo.url }));
createInterface({ input: process.stdin }).on("line", () => {
  const writes = cf.requests.map((r, i) => ({ m: r.method, p: r.path, at: at[i] ?? Date.now() })).filter((r) => r.m !== "GET");
  console.log(JSON.stringify({ records: cf.records().map((r) => [r.type, r.name, r.content]), writes, echoes: echo.requests.length, violations: cf.violations() }));
});
`;

interface MockState {
  records: Array<[string, string, string]>;
  writes: Array<{ m: string; p: string; at: number }>;
  echoes: number;
  violations: string[];
}

/** A NAT-PMP announcement (RFC 6886 section 3.2.1) claiming 6.6.6.6, sent from another LAN address. */
const SPOOF = `
import { createSocket } from "node:dgram";
const s = createSocket("udp4");
s.bind(0, ${JSON.stringify(SPOOFER)}, () => {
  s.setMulticastInterface(${JSON.stringify(SPOOFER)});
  const b = Buffer.from([0, 128, 0, 0, 0, 0, 1, 0, 6, 6, 6, 6]);
  s.send(b, 5350, "224.0.0.1", () => s.close());
});
`;

describe(`Gateway source - Debian's miniupnpd ${version ?? ""} in namespaces`, { skip: unavailable ?? false }, () => {
  let sys: BootedSystemd;
  let router: ChildProcess;
  let wan: ChildProcess;
  let upnpd: Router;
  let mock: ChildProcess;
  let mockOut = "";
  let echoUrl = "";
  let cfUrl = "";
  const seen: string[] = [];

  const inNs = (pid: number, script: string): string => {
    const r = spawnSync("nsenter", ["-t", String(pid), "-n", "--", "sh", "-c", script], { encoding: "utf8" });
    assert.equal(r.status, 0, `${script}: ${r.stderr}`);
    return r.stdout;
  };
  async function mockState(): Promise<MockState> {
    const count = mockOut.split("\n").length;
    mock.stdin?.write("dump\n");
    const line = await waitFor("the mock's answer", async () => {
      const lines = mockOut.split("\n");
      return lines.length > count ? lines[count - 1] : undefined;
    }, 5000, 10);
    return JSON.parse(line) as MockState;
  }
  async function config(ipv4: string): Promise<void> {
    await sys.write(
      "/etc/ddns/ddns.toml",
      `[ipv4]\n${ipv4}\n\n[ipv6]\nenabled = false\n\n[providers.home]\ntype = "cloudflare"\nendpoint = "${cfUrl}"\ntoken_file = "/etc/ddns/cf.token"\n\n[[records]]\nname = "${NAME}"\nprovider = "home"\n`,
      0o644,
    );
  }
  async function quiet(): Promise<void> {
    await waitFor(
      "ddns to go quiet",
      async () => {
        const units = await sys.run(["systemctl", "list-units", "--no-legend", "--plain", "ddns-announce.service", "ddns.service"]);
        const events = await sys.run(["sh", "-c", "ls -A /run/ddns/events"]);
        const busy = units.stdout.split("\n").some((l) => /\b(active|activating|deactivating)\b/.test(l) && !/\binactive\b/.test(l));
        return !busy && events.stdout.trim() === "" ? true : undefined;
      },
      30_000,
      50,
    );
  }
  const counters = async (): Promise<Record<string, number>> => {
    const out = (await sys.run(["nft", "-j", "list", "counters", "table", "inet", "ddnscount"])).stdout;
    const j = JSON.parse(out) as { nftables: Array<{ counter?: { name: string; packets: number } }> };
    return Object.fromEntries(j.nftables.filter((x) => x.counter).map((x) => [x.counter!.name, x.counter!.packets]));
  };

  before(async () => {
    const bin = miniupnpdBinary(version!);
    const q = (s: string): string => `'${s.replaceAll("'", `'\\''`)}'`;
    sys = await bootSystemd({
      extra: `cp ${q(join(REPO, "systemd/ddns-announce.socket"))} ${q(join(REPO, "systemd/ddns-announce.service"))} $U/`,
    });
    mock = sys.spawnInNet([process.execPath, "--input-type=module", "-e", MOCK]);
    mock.stdout?.on("data", (d: Buffer) => (mockOut += d.toString()));
    const urls = await waitFor("the mock to listen", async () => (mockOut.includes("\n") ? (JSON.parse(mockOut.split("\n")[0] ?? "") as { url: string; echo: string }) : undefined), 10_000);
    cfUrl = urls.url;
    echoUrl = urls.echo;
    await sys.write("/etc/ddns/cf.token", `${TOKEN}\n`, 0o600);
    await sys.sh("chown ddns /etc/ddns/cf.token");

    router = spawn("unshare", ["--net", "sleep", "900"], { stdio: "ignore" });
    wan = spawn("unshare", ["--net", "sleep", "900"], { stdio: "ignore" });
    for (const p of [router, wan]) {
      await waitFor("a namespace", async () => (spawnSync("nsenter", ["-t", String(p.pid), "-n", "true"]).status === 0 ? true : undefined), 5000);
    }
    inNs(router.pid!, `ip link set lo up && ip link add rl0 type veth peer name lr0 netns ${sys.pid} && ip link add rw0 type veth peer name wr0 netns ${wan.pid}`);
    inNs(router.pid!, `ip addr add ${ROUTER_LAN}/24 dev rl0 && ip link set rl0 up && ip addr add ${WAN_1}/24 dev rw0 && ip link set rw0 up && ip route add default via 81.2.69.1`);
    // A renumbering adds the new address before deleting the old one; without this the
    // kernel deletes secondaries of a subnet together with its primary.
    inNs(router.pid!, "sysctl -qw net.ipv4.ip_forward=1 && sysctl -qw net.ipv4.conf.rw0.promote_secondaries=1");
    inNs(wan.pid!, "ip link set lo up && ip addr add 81.2.69.1/24 dev wr0 && ip link set wr0 up");
    inNs(sys.pid, `ip addr add ${LAN_HOST}/24 dev lr0 && ip link set lr0 up && ip route add default via ${ROUTER_LAN}`);
    // Everything the LAN host sends out of its LAN interface, counted by destination.
    inNs(
      sys.pid,
      `nft -f - <<'EOF'
table inet ddnscount {
  counter gateway { }
  counter multicast { }
  counter other { }
  chain out {
    type filter hook output priority 0; policy accept;
    oifname "lo" accept
    ip daddr ${ROUTER_LAN} counter name gateway accept
    ip daddr 224.0.0.0/4 counter name multicast accept
    ip6 daddr ff00::/8 counter name multicast accept
    counter name other
  }
}
EOF`,
    );
    upnpd = startMiniupnpd(bin, router.pid!, "rw0", "rl0");
    await waitFor("miniupnpd to listen", async () => (/Listening for NAT-PMP/.test(upnpd.log()) ? true : undefined), 10_000);
  });

  after(async () => {
    upnpd?.stop();
    for (const p of [router, wan]) if (p?.exitCode === null) p.kill("SIGKILL");
    await sys?.stop();
  });

  it("package state/boot/announcement socket shipped disabled", async () => {
    assert.equal((await sys.run(["systemctl", "is-enabled", "ddns-announce.socket"])).stdout.trim(), "disabled");
    assert.equal((await sys.run(["systemctl", "is-active", "ddns-announce.socket"])).stdout.trim(), "inactive");
  });

  for (const [protocol, label] of [["natpmp", "NAT-PMP"], ["pcp", "PCP"], ["upnp", "UPnP"]] as const) {
    it(`gateway_protocols = ["${protocol}"]/ddns detect/the router's WAN address, by ${label} alone, with its time`, async () => {
      await config(`sources = ["gateway"]\ngateway_protocols = ["${protocol}"]`);
      const r = await sys.run(["ddns", "detect"]);
      seen.push(r.stdout, r.stderr);
      assert.equal(r.status, 0, r.stderr);
      assert.match(r.stdout, new RegExp(`^ipv4: ${WAN_1.replaceAll(".", "\\.")} \\(from gateway\\)$`, "m"), r.stdout);
      assert.match(r.stdout, new RegExp(`gateway ${ROUTER_LAN.replaceAll(".", "\\.")} \\(lr0\\): ${label} said ${WAN_1.replaceAll(".", "\\.")} in \\d+ ms$`, "m"), r.stdout);
      const others = ["NAT-PMP", "PCP", "UPnP"].filter((x) => x !== label);
      for (const o of others) assert.doesNotMatch(r.stdout, new RegExp(`${o} said`), `${o} was not asked`);
    });
  }

  it("first run/ddns.service with UPnP/publishes the WAN address and remembers the control URL; the next run asks with one request", async () => {
    await config(`sources = ["gateway"]\ngateway_protocols = ["upnp"]`);
    const searchesBefore = (upnpd.log().match(/SSDP M-SEARCH from/g) ?? []).length;
    await sys.sh("systemctl start ddns.service");
    const state = JSON.parse(await sys.sh("cat /var/lib/ddns/state.json")) as { gateway?: { protocol: string; controlUrl?: string } };
    assert.equal(state.gateway?.protocol, "upnp");
    assert.match(state.gateway?.controlUrl ?? "", /^http:\/\/192\.168\.77\.1:5000\//);
    assert.deepEqual((await mockState()).records, [["A", NAME, WAN_1]]);
    const searches = (upnpd.log().match(/SSDP M-SEARCH from/g) ?? []).length;
    assert.ok(searches > searchesBefore, "the first run searched");
    const soapBefore = (upnpd.log().match(/GetExternalIPAddress/g) ?? []).length;
    await sys.sh("systemctl start ddns.service");
    assert.equal((upnpd.log().match(/SSDP M-SEARCH from/g) ?? []).length, searches, "no SSDP search on the second run");
    assert.equal((upnpd.log().match(/GetExternalIPAddress/g) ?? []).length, soapBefore + 1, "one SOAP request");
    assert.equal((await mockState()).writes.length, 1, "nothing pushed again");
  });

  it("WAN renumbering/announcement through ddns-announce.socket/verified by the router and published within 2 s", async () => {
    await config(`sources = ["gateway"]`);
    await sys.sh("systemctl start ddns.service && systemctl start ddns.path ddns-announce.socket");
    await quiet();
    const before = (await mockState()).writes.length;
    const t0 = Date.now();
    inNs(router.pid!, `ip addr add ${WAN_2}/24 dev rw0 && ip addr del ${WAN_1}/24 dev rw0 && ip route replace default via 81.2.69.1`);
    const st = await waitFor("the new address at the provider", async () => {
      const s = await mockState();
      return s.records.some((r) => r[2] === WAN_2) ? s : undefined;
    }, 10_000, 20).catch(async (e: Error) => {
      throw new Error(`${e.message}\n${await sys.sh("journalctl --no-pager -o cat -u ddns.service -u ddns.path -u ddns-announce.service -u ddns-announce.socket | tail -30")}\n${upnpd.log().slice(-2000)}`);
    });
    const write = st.writes[st.writes.length - 1]!;
    const latency = write.at - t0;
    console.log(`# WAN change -> provider request: ${latency} ms (change at ${new Date(t0).toISOString()})`);
    if (latency >= 2000) console.log((await sys.run(["journalctl", "--no-pager", "-o", "short-precise", "-n", "40"])).stdout + upnpd.log().slice(-1500));
    assert.ok(latency < 4000, `published ${latency} ms after the WAN change`);
    assert.equal(st.writes.length, before + 1);
    const announced = await sys.journal(["-u", "ddns-announce.service"]);
    assert.ok(announced.length > 0, "ddns-announce.service ran");
    await quiet();
  });

  it("spoofed announcement/from another LAN host, claiming 6.6.6.6/verified with the router, nothing published", async () => {
    const before = await mockState();
    const startedBefore = (await sys.run(["systemctl", "show", "-p", "InvocationID", "ddns.service"])).stdout;
    inNs(router.pid!, `ip addr add ${SPOOFER}/24 dev rl0`);
    const r = spawnSync("nsenter", ["-t", String(router.pid), "-n", "--", process.execPath, "--input-type=module", "-e", SPOOF], { encoding: "utf8" });
    assert.equal(r.status, 0, r.stderr);
    // The announcement wakes a run (a new invocation of ddns.service), which asks the router.
    await waitFor("a run woken by the announcement", async () => {
      const now = (await sys.run(["systemctl", "show", "-p", "InvocationID", "ddns.service"])).stdout;
      return now !== startedBefore ? true : undefined;
    }, 10_000, 50);
    await quiet();
    const after = await mockState();
    assert.deepEqual(after.records, [["A", NAME, WAN_2]]);
    assert.equal(after.writes.length, before.writes.length, "no request to the provider");
    const events = await sys.journal(["-u", "ddns-announce.service"]);
    assert.ok(events.length > 0);
  });

  it("CGNAT WAN (100.64/10)/gateway then http/warning once with its MESSAGE_ID, the echo's address published", async () => {
    await config(`sources = ["gateway", "http"]\nurls = ["${echoUrl}/ip"]`);
    inNs(router.pid!, `ip addr add 100.64.0.2/10 dev rw0 && ip addr del ${WAN_2}/24 dev rw0 && ip route replace default via 100.64.0.1 dev rw0 onlink`);
    await quiet();
    await sys.sh("systemctl start ddns.service");
    await sys.sh("systemctl start ddns.service");
    const st = await mockState();
    assert.deepEqual(st.records, [["A", NAME, ECHOED]]);
    const warned = await sys.journal([`MESSAGE_ID=${MESSAGE_IDS["behind-nat"]}`]);
    assert.equal(warned.length, 1, "said once, not on every run");
    assert.match(warned[0]!["MESSAGE"] ?? "", /100\.64\.0\.2 is carrier-grade NAT space.*http source \(81\.2\.69\.99\)/);
    assert.equal(warned[0]!["PRIORITY"], "4");
    const status = await sys.run(["ddns", "detect"]);
    seen.push(status.stdout);
    assert.match(status.stdout, /warning: the router 192\.168\.77\.1/);
  });

  it("CGNAT ends/public WAN again/nat-cleared once, the router's address published", async () => {
    inNs(router.pid!, `ip addr add ${WAN_1}/24 dev rw0 && ip addr del 100.64.0.2/10 dev rw0 && ip route replace default via 81.2.69.1`);
    await waitFor("the router's address at the provider", async () => ((await mockState()).records.some((r) => r[2] === WAN_1) ? true : undefined), 10_000, 50).catch(async (e: Error) => {
      await sys.sh("systemctl start ddns.service");
      if (!(await mockState()).records.some((r) => r[2] === WAN_1)) throw e;
    });
    await quiet();
    assert.equal((await sys.journal([`MESSAGE_ID=${MESSAGE_IDS["nat-cleared"]}`])).length, 1);
  });

  it("no gateway/no default route, or a router that never answers/clean skip in bounded time", async () => {
    const noRoute = spawnSync("unshare", ["--net", "sh", "-c", `ip link set lo up; cd ${REPO} && printf '[ipv4]\\nsources = ["gateway"]\\n[ipv6]\\nenabled = false\\n' > /tmp/gw-$$.toml && bin/ddns detect --config /tmp/gw-$$.toml; rm -f /tmp/gw-$$.toml`], { encoding: "utf8" });
    assert.match(noRoute.stdout, /ipv4: unavailable \(gateway: .*no default IPv4 route/, noRoute.stdout + noRoute.stderr);
    // A router address that swallows everything (a dummy link): the schedule's end bounds the wait.
    const t0 = Date.now();
    const silent = spawnSync(
      "unshare",
      ["--net", "sh", "-c", `set -e; ip link set lo up; ip link add d0 type veth peer name d1; ip addr add 10.9.9.1/24 dev d0; ip link set d0 up; ip link set d1 up; ip neigh add 10.9.9.9 lladdr 02:00:00:00:00:09 dev d0; ip route add default via 10.9.9.9; cd ${REPO} && printf '[ipv4]\\nsources = ["gateway"]\\n[ipv6]\\nenabled = false\\n' > /tmp/gw-$$.toml && bin/ddns detect --config /tmp/gw-$$.toml; rm -f /tmp/gw-$$.toml`],
      { encoding: "utf8" },
    );
    const took = Date.now() - t0;
    assert.match(silent.stdout, /ipv4: unavailable \(gateway: .*router 10\.9\.9\.9: NAT-PMP: no answer in \d+ ms; PCP: no answer in \d+ ms; UPnP: no SSDP answer/, silent.stdout + silent.stderr);
    // The schedule itself ends after 250+500 ms per UDP protocol and 1 s of SSDP (3.1-4.7 s
    // for the whole process on a quiet machine); 8 s leaves room for a loaded one and still
    // fails a wait for the 10 s HTTP or 90 s run deadline.
    assert.ok(took < 8000, `gave up after ${took} ms`);
    console.log(`# silent gateway: gave up after ${took} ms (whole ddns detect)`);
  });

  it("packets/everything the LAN host sent out/only to the gateway and multicast groups, never to the internet; secrets never shown", async () => {
    const c = await counters();
    assert.ok((c["gateway"] ?? 0) > 0, "the router was asked");
    assert.ok((c["multicast"] ?? 0) > 0, "SSDP went to its group");
    assert.equal(c["other"], 0, `packets to other destinations: ${JSON.stringify(c)}`);
    const j = await sys.run(["journalctl", "--no-pager", "-o", "json"]);
    const st = await sys.run(["sh", "-c", "cat /var/lib/ddns/state.json; ls -la /run/ddns/events"]);
    await assertNoSecrets([TOKEN], { journal: [j.stdout], texts: [...seen, st.stdout] });
    assert.deepEqual((await mockState()).violations, []);
  });
  // After the packet count: the unconfigured survey also runs http and dns, which try the
  // internet (their packets end in the wan namespace made here). The resolver is the booted
  // system's loopback, where nothing listens: a resolver that never answers would keep the
  // process alive after its 5 s deadline until glibc gives up (10 s here; getaddrinfo cannot be
  // cancelled), which measures glibc, not the survey.
  it("no config/ddns detect on a fresh install/the gateway source runs unconfigured: NAT-PMP's answer with its time; bounded", async () => {
    await sys.sh("mv /etc/ddns/ddns.toml /etc/ddns/ddns.toml.away && echo 'nameserver 127.0.0.1' > /etc/resolv.conf");
    try {
      const t0 = Date.now();
      const r = await sys.run(["ddns", "detect"]);
      const took = Date.now() - t0;
      seen.push(r.stdout, r.stderr);
      assert.equal(r.status, 0, r.stderr);
      assert.match(r.stdout, /^no config at \/etc\/ddns\/ddns\.toml/, r.stdout);
      assert.match(r.stdout, new RegExp(`^  gateway: ${WAN_1.replaceAll(".", "\\.")}$`, "m"), r.stdout);
      assert.match(r.stdout, new RegExp(`^    router ${ROUTER_LAN.replaceAll(".", "\\.")} \\(lr0\\): NAT-PMP said ${WAN_1.replaceAll(".", "\\.")} in \\d+ ms$`, "m"), r.stdout);
      assert.match(r.stdout, /^  gateway: nothing \(the gateway source is IPv4 only/m);
      // Every source runs at once: the slowest (http, dns: nothing answers them here) bounds it.
      assert.ok(took < 8_000, `ddns detect took ${took} ms\n${r.stdout}`);
      console.log(`# unconfigured survey with a real router: ${took} ms`);
      const j = await sys.run(["ddns", "detect", "--json"]);
      const doc = JSON.parse(j.stdout) as { families: { ipv4: { sources: Array<{ source: string; kind: string; addresses?: string[]; gateway?: { attempts: Array<{ protocol: string }> } }> } } };
      const gw = doc.families.ipv4.sources.find((x) => x.source === "gateway");
      assert.deepEqual([gw?.kind, gw?.addresses, gw?.gateway?.attempts.map((a) => a.protocol)], ["found", [WAN_1], ["natpmp"]]);
    } finally {
      await sys.sh("mv /etc/ddns/ddns.toml.away /etc/ddns/ddns.toml");
    }
  });
});

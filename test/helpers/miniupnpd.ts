/**
 * Debian's real miniupnpd (the nftables build) as the home router of a test, without
 * installing it: `apt-get download` + `dpkg -x` into /var/cache/ddns-test/miniupnpd-<version>/
 * (keyed by the version apt offers), run inside a network namespace the test made.
 * Its runtime libraries (libnftnl11, libmnl0) and nft come from .ci/apt-packages.
 *
 * Facts (notes/facts.md "A home router: Debian's miniupnpd in namespaces"): it needs
 * `table inet filter` with chains miniupnpd, prerouting_miniupnpd and
 * postrouting_miniupnpd beforehand; it treats TEST-NET WAN addresses as reserved (so
 * the tests use 81.2.69.0/24); on a WAN renumbering it multicasts NAT-PMP and PCP
 * announcements to 224.0.0.1:5350 on its LAN interface.
 */
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const CACHE = "/var/cache/ddns-test";

/** The candidate version apt offers for miniupnpd-nftables, or undefined. */
export function aptMiniupnpdVersion(): string | undefined {
  const r = spawnSync("apt-cache", ["policy", "miniupnpd-nftables"], { encoding: "utf8" });
  return /Candidate:\s*(\S+)/.exec(r.stdout ?? "")?.[1]?.replace(/^\(none\)$/, "") || undefined;
}

/** Path of the miniupnpd binary of that version, unpacked into the cache on first use. */
export function miniupnpdBinary(version: string): string {
  const dir = join(CACHE, `miniupnpd-${version.replace(/[^A-Za-z0-9.+~-]/g, "_")}`);
  const bin = join(dir, "root/usr/sbin/miniupnpd");
  if (existsSync(bin)) return bin;
  mkdirSync(CACHE, { recursive: true });
  const work = mkdtempSync(join(CACHE, ".miniupnpd-"));
  try {
    // _apt cannot write into root-owned directories: download as root ("unsandboxed" warning is expected).
    const dl = spawnSync("apt-get", ["download", `miniupnpd-nftables=${version}`, `miniupnpd=${version}`], { cwd: work, encoding: "utf8" });
    if (dl.status !== 0) throw new Error(`apt-get download miniupnpd ${version}: ${dl.stderr}`);
    for (const deb of readdirSync(work).filter((f) => f.endsWith(".deb"))) {
      const x = spawnSync("dpkg", ["-x", join(work, deb), join(work, "root")], { encoding: "utf8" });
      if (x.status !== 0) throw new Error(`dpkg -x ${deb}: ${x.stderr}`);
    }
    rmSync(dir, { recursive: true, force: true });
    renameSync(work, dir);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
  return bin;
}

export interface Router {
  /** The miniupnpd process. */
  readonly process: ChildProcess;
  /** Everything miniupnpd logged (-d: to stderr). */
  log(): string;
  stop(): void;
}

/**
 * Starts miniupnpd in the network namespace of `nsPid` with `wan` as its external and
 * `lan` as its listening interface (both must exist there, with addresses).
 */
export function startMiniupnpd(bin: string, nsPid: number, wan: string, lan: string): Router {
  const nft = spawnSync(
    "nsenter",
    ["-t", String(nsPid), "-n", "--", "nft", "-f", "-"],
    { input: "table inet filter {\n chain miniupnpd { }\n chain prerouting_miniupnpd { }\n chain postrouting_miniupnpd { }\n}\n", encoding: "utf8" },
  );
  if (nft.status !== 0) throw new Error(`nft in the router: ${nft.stderr}`);
  const dir = mkdtempSync(join(tmpdir(), "ddns-miniupnpd-"));
  const conf = join(dir, "miniupnpd.conf");
  writeFileSync(
    conf,
    [
      `ext_ifname=${wan}`,
      `listening_ip=${lan}`,
      "http_port=5000",
      "enable_natpmp=yes",
      "enable_upnp=yes",
      "secure_mode=yes",
      "system_uptime=no",
      "uuid=3d3cec3a-8cf0-11e0-98ee-001a6bd2d07b",
      `lease_file=${join(dir, "leases")}`,
      "allow 1024-65535 192.168.0.0/16 1024-65535",
      "deny 0-65535 0.0.0.0/0 0-65535",
      "",
    ].join("\n"),
  );
  let log = "";
  const p = spawn("nsenter", ["-t", String(nsPid), "-n", "--", bin, "-d", "-f", conf, "-P", join(dir, "pid")], { stdio: ["ignore", "pipe", "pipe"] });
  p.stdout?.on("data", (d: Buffer) => (log += d.toString()));
  p.stderr?.on("data", (d: Buffer) => (log += d.toString()));
  return {
    process: p,
    log: () => log,
    stop() {
      if (p.exitCode === null) p.kill("SIGKILL");
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** The lines of `log` that mention `what`, counted (e.g. SSDP M-SEARCH answers). */
export function countIn(log: string, what: RegExp): number {
  return log.split("\n").filter((l) => what.test(l)).length;
}

export function readIfExists(path: string): string {
  try {
    return readFileSync(path, "utf8");
  } catch {
    return "";
  }
}

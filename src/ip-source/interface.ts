/**
 * The `interface` source: addresses the kernel has on this machine's interfaces.
 *
 * IPv4 comes from `os.networkInterfaces()` (injected). IPv6 comes from
 * `/proc/net/if_inet6` (path injected), because only it carries the address flags:
 * global scope only; tentative, dadfailed and deprecated addresses are never used;
 * temporary (privacy) addresses are skipped with prefer = "stable" and come first
 * with prefer = "temporary". Line format (kernel net/ipv6/addrconf.c if6_seq_show):
 * `ADDR32HEX IFINDEX PREFIXLEN SCOPE FLAGS NAME`, numbers in hex.
 */
import type { NetworkInterfaceInfo } from "node:os";
import { open } from "../fs-lite.js";
import type { FamilyConfig } from "../config/types.js";
import type { Detection, Family, IpSource } from "./types.js";
import { formatBytes, screen } from "./sanity.js";

export const IFA_F_TEMPORARY = 0x01;
export const IFA_F_NODAD = 0x02;
export const IFA_F_OPTIMISTIC = 0x04;
export const IFA_F_DADFAILED = 0x08;
export const IFA_F_HOMEADDRESS = 0x10;
export const IFA_F_DEPRECATED = 0x20;
export const IFA_F_TENTATIVE = 0x40;
export const IFA_F_PERMANENT = 0x80;
export const IFA_F_MANAGETEMPADDR = 0x100;

/** Kernel scope values as if_inet6 prints them (IPV6_ADDR_SCOPE_* << 4 masked). */
export const SCOPE_GLOBAL = 0x00;

/** /proc files report size 0; read at most this much. */
const MAX_PROC_BYTES = 1 << 20;

export interface IfInet6Entry {
  address: string;
  ifindex: number;
  prefixLength: number;
  scope: number;
  flags: number;
  iface: string;
}

export interface InterfaceSourceDeps {
  networkInterfaces: () => NodeJS.Dict<NetworkInterfaceInfo[]>;
  /** Normally "/proc/net/if_inet6". */
  procIfInet6: string;
}

/** Parses if_inet6 text; malformed lines are skipped. */
export function parseIfInet6(text: string): IfInet6Entry[] {
  const out: IfInet6Entry[] = [];
  for (const line of text.split("\n")) {
    const f = line.trim().split(/\s+/);
    if (f.length !== 6) continue;
    const [hex, idx, plen, scope, flags, iface] = f as [string, string, string, string, string, string];
    if (!/^[0-9a-fA-F]{32}$/.test(hex) || ![idx, plen, scope, flags].every((x) => /^[0-9a-fA-F]{1,8}$/.test(x))) continue;
    out.push({
      address: formatBytes(Buffer.from(hex, "hex")),
      ifindex: parseInt(idx, 16),
      prefixLength: parseInt(plen, 16),
      scope: parseInt(scope, 16),
      flags: parseInt(flags, 16),
      iface,
    });
  }
  return out;
}

/** The usable global addresses in order of preference (before the sanity check). */
export function selectIpv6(entries: readonly IfInet6Entry[], prefer: "stable" | "temporary", interfaces: readonly string[]): string[] {
  const never = IFA_F_DADFAILED | IFA_F_TENTATIVE | IFA_F_DEPRECATED;
  const usable = entries.filter((e) => e.scope === SCOPE_GLOBAL && (e.flags & never) === 0 && (interfaces.length === 0 || interfaces.includes(e.iface)));
  const byIface = (a: IfInet6Entry, b: IfInet6Entry): number =>
    interfaces.length === 0 ? 0 : interfaces.indexOf(a.iface) - interfaces.indexOf(b.iface);
  const temporary = usable.filter((e) => (e.flags & IFA_F_TEMPORARY) !== 0).sort(byIface);
  const stable = usable.filter((e) => (e.flags & IFA_F_TEMPORARY) === 0).sort(byIface);
  const chosen = prefer === "temporary" ? [...temporary, ...stable] : stable;
  return chosen.map((e) => e.address);
}

async function readProc(path: string): Promise<string> {
  const fh = await open(path, "r");
  try {
    const chunks: Buffer[] = [];
    let total = 0;
    const buf = Buffer.alloc(16384);
    while (total < MAX_PROC_BYTES) {
      const { bytesRead } = await fh.read(buf, 0, buf.length, null);
      if (bytesRead === 0) break;
      chunks.push(Buffer.from(buf.subarray(0, bytesRead)));
      total += bytesRead;
    }
    return Buffer.concat(chunks).toString("latin1");
  } finally {
    await fh.close();
  }
}

/** The kernel's usable addresses of one family (before the sanity check), or why they cannot be read. */
export type KernelRead = { kind: "read"; addresses: string[] } | { kind: "unreadable"; reason: string };

/**
 * The addresses the kernel has now on `interfaces` (every interface when empty), in
 * order of preference: IPv4 from os.networkInterfaces() (netlink), IPv6 from
 * /proc/net/if_inet6 (global, not tentative/dadfailed/deprecated). No network.
 */
export async function readKernel(family: Family, interfaces: readonly string[], prefer: "stable" | "temporary", deps: InterfaceSourceDeps): Promise<KernelRead> {
  if (family === "ipv4") {
    let all: NodeJS.Dict<NetworkInterfaceInfo[]>;
    try {
      all = deps.networkInterfaces();
    } catch (e) {
      // Happens under RestrictAddressFamilies= without AF_NETLINK (notes/facts.md).
      return { kind: "unreadable", reason: `cannot list interfaces: ${(e as Error).message}` };
    }
    const names = interfaces.length > 0 ? interfaces : Object.keys(all);
    const out: string[] = [];
    for (const name of names) {
      for (const info of all[name] ?? []) {
        // Node 18.0-18.3 reported family as a number.
        const fam = info.family as string | number;
        if ((fam === "IPv4" || fam === 4) && !info.internal) out.push(info.address);
      }
    }
    return { kind: "read", addresses: out };
  }
  let text: string;
  try {
    text = await readProc(deps.procIfInet6);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    return { kind: "unreadable", reason: code === "ENOENT" ? `${deps.procIfInet6} does not exist (IPv6 disabled?)` : `cannot read ${deps.procIfInet6}: ${code ?? String(e)}` };
  }
  return { kind: "read", addresses: selectIpv6(parseIfInet6(text), prefer, interfaces) };
}

export function createInterfaceSource(cfg: FamilyConfig, deps: InterfaceSourceDeps): IpSource {
  const unavailable = (reason: string): Detection => ({ kind: "unavailable", source: "interface", reason });
  return {
    name: "interface",
    async detect(family: Family): Promise<Detection> {
      const r = await readKernel(family, cfg.interfaces, cfg.prefer, deps);
      if (r.kind === "unreadable") return unavailable(r.reason);
      const { accepted, refused } = screen(r.addresses, family, { acceptPrivate: cfg.acceptPrivate, check: true });
      if (accepted.length > 0) return { kind: "found", source: "interface", addresses: accepted };
      const where = cfg.interfaces.length > 0 ? ` on ${cfg.interfaces.join(", ")}` : "";
      const fam = family === "ipv4" ? "IPv4" : "IPv6";
      return unavailable(refused.length > 0 ? `no global ${fam} address${where}; refused ${refused.join(", ")}` : `no global ${fam} address${where}`);
    },
  };
}

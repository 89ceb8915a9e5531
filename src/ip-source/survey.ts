/**
 * Every address the interface source could see, each with the verdict it gets
 * (`ddns detect` without a config, issue 18): usable, or why it is dropped —
 * private, CGNAT, link-local, loopback, temporary, deprecated, tentative...
 * Read-only; the same rules as interface.ts and sanity.ts, spelled out per address.
 */
import type { NetworkInterfaceInfo } from "node:os";
import { classify, isAcceptable } from "./sanity.js";
import { IFA_F_DADFAILED, IFA_F_DEPRECATED, IFA_F_TEMPORARY, IFA_F_TENTATIVE, SCOPE_GLOBAL, parseIfInet6 } from "./interface.js";
import type { Family } from "./types.js";

export interface Candidate {
  iface: string;
  address: string;
  /** null: usable (the source would take it); else why it is dropped. */
  dropped: string | null;
}

export function surveyIpv4(all: NodeJS.Dict<NetworkInterfaceInfo[]>): Candidate[] {
  const out: Candidate[] = [];
  for (const [iface, infos] of Object.entries(all)) {
    for (const info of infos ?? []) {
      const fam = info.family as string | number;
      if (fam !== "IPv4" && fam !== 4) continue;
      out.push({ iface, address: info.address, dropped: verdict(info.address, "ipv4") });
    }
  }
  return out;
}

/** `prefer`: "stable" drops temporary addresses (the default), as the interface source does. */
export function surveyIpv6(ifInet6: string, prefer: "stable" | "temporary"): Candidate[] {
  return parseIfInet6(ifInet6).map((e) => {
    const flags: string[] = [];
    if (e.flags & IFA_F_TENTATIVE) flags.push("tentative (duplicate address detection running)");
    if (e.flags & IFA_F_DADFAILED) flags.push("duplicate address detection failed");
    if (e.flags & IFA_F_DEPRECATED) flags.push("deprecated (its preferred lifetime ran out)");
    if (prefer === "stable" && e.flags & IFA_F_TEMPORARY) flags.push('temporary (privacy address; [ipv6] prefer = "temporary" takes it)');
    const cls = verdict(e.address, "ipv6");
    const scope = e.scope !== SCOPE_GLOBAL && cls === null ? "not of global scope" : null;
    return { iface: e.iface, address: e.address, dropped: cls ?? scope ?? (flags.length > 0 ? flags.join(", ") : null) };
  });
}

function verdict(address: string, family: Family): string | null {
  const cls = classify(address, family);
  if (isAcceptable(cls, false)) return null;
  const words: Partial<Record<string, string>> = {
    private: "private (RFC 1918; accept_private = true publishes it)",
    cgnat: "CGNAT (100.64.0.0/10: the provider's NAT; the public address is elsewhere, try the http source)",
    "link-local": "link-local",
    loopback: "loopback",
    ula: "unique local (fc00::/7; accept_private = true publishes it)",
    documentation: "documentation range",
  };
  return words[cls] ?? cls;
}

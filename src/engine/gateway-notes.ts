/**
 * What the gateway source found out beyond an address, carried into the state: the
 * memo that lets the next run ask the router with one unicast request, and the NAT
 * situation, said once as a transition when it starts and once when it ends (not on
 * every run: the journal gets transitions, never the steady state).
 */
import type { Logger } from "../log/types.js";
import type { NatNote } from "../ip-source/types.js";
import { NAMES } from "../ip-source/gateway-names.js";
import type { State } from "../state/types.js";
import type { FamilyDetection } from "./types.js";

export function takeGatewayNotes(state: State, ipv4: FamilyDetection, logger: Logger): State {
  if (ipv4.kind === "disabled") return state;
  let next = state;
  if (ipv4.memo !== undefined && JSON.stringify(ipv4.memo) !== JSON.stringify(state.gateway)) next = { ...next, gateway: ipv4.memo };
  const nat = ipv4.nat;
  if (nat !== undefined) {
    if (!sameNat(nat, state.nat)) {
      logger.transition({ kind: "behind-nat", priority: 4, family: "ipv4", message: natSentence(nat, ipv4), ...(nat.wan ? { new: nat.wan } : {}) });
      next = { ...next, nat };
    }
  } else if (state.nat !== undefined && ipv4.kind === "found" && ipv4.source === "gateway") {
    logger.transition({
      kind: "nat-cleared",
      priority: 5,
      family: "ipv4",
      message: `the router ${ipv4.gateway?.router ?? state.nat.router} has a public address again (${ipv4.addresses.join(" ")}): the gateway source's answer is used`,
      new: ipv4.addresses.join(" "),
    });
    const { nat: _gone, ...rest } = next;
    next = rest;
  }
  return next;
}

function sameNat(a: NatNote, b: NatNote | undefined): boolean {
  return b !== undefined && a.kind === b.kind && a.router === b.router && a.wan === b.wan;
}

/** The sentence an operator reads first. */
export function natSentence(nat: NatNote, d: FamilyDetection): string {
  const said = nat.wan
    ? `its WAN address ${nat.wan} is ${nat.kind === "cgnat" ? "carrier-grade NAT space (100.64.0.0/10)" : "private (RFC 1918)"}`
    : `it reports no public address of its own`;
  const who = nat.kind === "cgnat" ? "carrier-grade NAT (the internet provider shares one public address)" : nat.kind === "double-nat" ? "a second NAT (another router in front of it)" : "carrier-grade NAT or a second router, or the router's WAN is down";
  const fallback = d.kind === "found" ? `the address published comes from the ${d.source} source (${d.addresses.join(" ")})` : "no other source found an address";
  return `the router ${nat.router} (${NAMES[nat.protocol]}): ${said}: this host is behind ${who}; ${fallback}; connections from the internet will usually not reach this host unless the outer NAT forwards them`;
}

import { isIPv4, isIPv6 } from "node:net";
import { startMockApi, type MockApi } from "./mock-api.js";

/**
 * FreeDNS' token update URL as ddclient and public clients use it:
 * GET /dynamic/update.php?<token>&address=<ip>, 200 text answers. The wording of
 * the unknown-token error is as recalled from FreeDNS, not from a document.
 *
 * Document: https://freedns.afraid.org/dynamic/v2/ (not read here: UNVERIFIED in its own
 * words); the v1 URL form follows ddclient's freedns protocol and public test fixtures.
 */
export interface FreednsRecord {
  host: string;
  type: "A" | "AAAA";
  address: string;
}

export interface FreednsMock extends MockApi {
  records: Map<string, FreednsRecord>;
}

export async function startFreedns(records: Record<string, FreednsRecord>): Promise<FreednsMock> {
  const byToken = new Map(Object.entries(records));
  const api = await startMockApi((req, violate) => {
    if (req.method !== "GET") return violate(`method ${req.method}`);
    if (req.path !== "/dynamic/update.php") return violate("path");
    const entries = [...req.query.entries()];
    if (entries.length !== 2 || entries[0]![1] !== "" || entries[1]![0] !== "address") return violate("query is not <token>&address=<ip>");
    const [token] = entries[0]!;
    const address = entries[1]![1];
    if (!isIPv4(address) && !isIPv6(address)) return violate("address is not an IP address");
    const rec = byToken.get(token);
    if (rec === undefined) return { status: 200, body: "ERROR: Unable to locate this record (changed password recently? deleted?)\n" };
    if ((rec.type === "A") !== isIPv4(address)) return { status: 200, body: `ERROR: Address ${address} is not valid for this record type.\n` };
    if (rec.address === address) return { status: 200, body: `ERROR: Address ${address} has not changed.\n` };
    rec.address = address;
    return { status: 200, body: `Updated 1 host(s) ${rec.host} to ${address} in 0.178 seconds\n` };
  });
  return Object.assign(api, { records: byToken });
}

import { isIPv4 } from "node:net";
import { startMockApi, type MockApi, type MockReply } from "./mock-api.js";

/**
 * Namecheap's dynamic DNS endpoint: GET /update?host&domain&password&ip, answering
 * HTTP 200 XML (declared utf-16 on failures, as seen in public fixtures). The
 * success and "Passwords do not match" / "Domain name not found" / "Invalid IP"
 * bodies follow public fixtures; the missing-host wording is illustrative.
 *
 * Document: Namecheap knowledgebase article 29 ("How do I use a browser to dynamically
 * update the host's IP?", https://www.namecheap.com/support/knowledgebase/article.aspx/29/)
 * — not readable here: UNVERIFIED in its own words. The URL form
 * https://dynamicdns.park-your-domain.com/update?host=www&domain=example.com&password=…&ip=…
 * is as third parties document it (pierschel.com DynDNS Service: "NameCheap.com expects
 * ... the host name and the domain suffix in two separate parameters").
 */
export interface NamecheapMock extends MockApi {
  /** host ("@" apex) -> address of the domain's A + Dynamic DNS records */
  hosts: Map<string, string>;
}

const fault = (err: string, number: number, text: string): MockReply => ({
  status: 200,
  headers: { "content-type": "text/html; charset=utf-8" },
  body:
    `<?xml version="1.0" encoding="utf-16"?>\r\n<interface-response><Command>SETDNSHOST</Command><Language>eng</Language>` +
    `<ErrCount>1</ErrCount><errors><Err1>${err}</Err1></errors><ResponseCount>1</ResponseCount><responses><response>` +
    `<Description>${err}</Description><ResponseNumber>${number}</ResponseNumber><ResponseString>${text}</ResponseString></response></responses>` +
    `<Done>true</Done><debug><![CDATA[]]></debug></interface-response>`,
});

export async function startNamecheap(domain: string, password: string, hosts: Record<string, string>): Promise<NamecheapMock> {
  const map = new Map(Object.entries(hosts));
  const api = await startMockApi((req, violate) => {
    if (req.method !== "GET") return violate(`method ${req.method}`);
    if (req.path !== "/update") return violate("path");
    const keys = [...req.query.keys()].sort().join();
    if (keys !== "domain,host,ip,password") return violate(`parameters ${keys} (ddns always sends ip)`);
    if (req.query.get("domain") !== domain) return fault("Domain name not found", 316153, "Validation error; not found; domain name(s)");
    if (req.query.get("password") !== password) return fault("Passwords do not match", 304156, "Validation error; invalid ; password");
    const ip = req.query.get("ip")!;
    if (!isIPv4(ip)) return fault("Invalid IP", 304156, "Validation error; invalid ; IP Address");
    const host = req.query.get("host")!;
    if (host.endsWith(domain)) return violate("host must be relative (@ for the apex)");
    if (!map.has(host)) return fault("No Records updated. A record not Found;", 380091, "No updates; A record not Found;");
    map.set(host, ip);
    return {
      status: 200,
      headers: { "content-type": "text/html; charset=utf-8" },
      body:
        `<?xml version="1.0"?><interface-response><Command>SETDNSHOST</Command><Language>eng</Language><IP>${ip}</IP>` +
        `<ErrCount>0</ErrCount><errors /><ResponseCount>0</ResponseCount><responses /><Done>true</Done><debug><![CDATA[]]></debug></interface-response>`,
    };
  });
  return Object.assign(api, { hosts: map });
}

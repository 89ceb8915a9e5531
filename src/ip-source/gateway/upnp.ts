/**
 * UPnP IGD, read-only: find the router's description with SSDP (an M-SEARCH to
 * 239.255.255.250:1900, answers taken only from the default gateway's own address),
 * read the description, and ask `GetExternalIPAddress` of its WANIPConnection:2,
 * WANIPConnection:1 or WANPPPConnection:1 service (UPnP IGD 1.0/2.0; FRITZ!Box routers
 * answer it when "UPnP status" is on). Nothing is mapped.
 *
 * Every URL must point at the gateway itself over plain http (what IGD speaks): a
 * LAN host answering SSDP cannot send ddns to another host, and the answers are capped
 * (SSDP 2 KiB, description 64 KiB, SOAP 16 KiB).
 */
import { createSocket } from "node:dgram";
import { request } from "node:http";

const SSDP_GROUP = "239.255.255.250";
const SSDP_PORT = 1900;
const MAX_SSDP = 2048;
const MAX_DESCRIPTION = 64 * 1024;
const MAX_SOAP = 16 * 1024;

/** In order of preference. */
export const WAN_SERVICES = [
  "urn:schemas-upnp-org:service:WANIPConnection:2",
  "urn:schemas-upnp-org:service:WANIPConnection:1",
  "urn:schemas-upnp-org:service:WANPPPConnection:1",
] as const;

/** What a run remembers so the next one asks with one unicast request. */
export interface IgdControl {
  controlUrl: string;
  serviceType: string;
}

export type UpnpResult<T> = { kind: "ok"; value: T; ms: number } | { kind: "failed"; reason: string; ms: number };

/** The LOCATION of the first IGD answer from `gateway`, or why there is none. */
export function searchIgd(gateway: string, waitMs: number, signal: AbortSignal): Promise<UpnpResult<string>> {
  const started = performance.now();
  const ms = (): number => Math.round(performance.now() - started);
  return new Promise((resolve) => {
    const socket = createSocket({ type: "udp4" });
    const timers: NodeJS.Timeout[] = [];
    let done = false;
    const finish = (r: UpnpResult<string>): void => {
      if (done) return;
      done = true;
      timers.forEach(clearTimeout);
      signal.removeEventListener("abort", onAbort);
      socket.close();
      resolve(r);
    };
    const onAbort = (): void => finish({ kind: "failed", reason: "out of time", ms: ms() });
    if (signal.aborted) return onAbort();
    signal.addEventListener("abort", onAbort, { once: true });
    socket.on("error", (e: NodeJS.ErrnoException) => finish({ kind: "failed", reason: `SSDP: ${e.code ?? e.message}`, ms: ms() }));
    socket.on("message", (msg, rinfo) => {
      if (rinfo.address !== gateway || msg.length > MAX_SSDP) return;
      const location = ssdpLocation(msg.toString("latin1"));
      if (location !== undefined) finish({ kind: "ok", value: location, ms: ms() });
    });
    socket.bind(0, () => {
      if (done) return;
      socket.setMulticastTTL(2);
      const search = Buffer.from(
        `M-SEARCH * HTTP/1.1\r\nHOST: ${SSDP_GROUP}:${SSDP_PORT}\r\nMAN: "ssdp:discover"\r\nMX: 1\r\nST: urn:schemas-upnp-org:device:InternetGatewayDevice:1\r\n\r\n`,
      );
      const send = (): void => socket.send(search, SSDP_PORT, SSDP_GROUP, () => undefined);
      send();
      // UDP may drop one: a second M-SEARCH, as UPnP Device Architecture 1.1 section 1.3.2 advises.
      timers.push(setTimeout(send, Math.min(200, waitMs / 2)));
      timers.push(setTimeout(() => finish({ kind: "failed", reason: `no SSDP answer from ${gateway} in ${ms()} ms`, ms: ms() }), waitMs));
    });
  });
}

/** The LOCATION header of an SSDP answer (HTTP/1.1 200 OK), if it is one. */
export function ssdpLocation(text: string): string | undefined {
  if (!/^HTTP\/1\.[01] 200\b/.test(text)) return undefined;
  const m = /^location:[ \t]*(\S+)[ \t]*$/im.exec(text);
  return m?.[1];
}

/** `url` if it is plain http on the gateway's own address; else why not. */
export function onGateway(url: string, gateway: string, base?: string): { ok: true; url: URL } | { ok: false; reason: string } {
  let u: URL;
  try {
    u = base === undefined ? new URL(url) : new URL(url, base);
  } catch {
    return { ok: false, reason: `"${url.slice(0, 80)}" is not a URL` };
  }
  if (u.protocol !== "http:") return { ok: false, reason: `${u.protocol} URLs are not followed` };
  if (u.hostname !== gateway) return { ok: false, reason: `the URL points at ${u.hostname.slice(0, 64)}, not at the gateway ${gateway}` };
  return { ok: true, url: u };
}

/** The best WAN connection service of a device description, with its control URL resolved. */
export function findWanService(xml: string, location: string, gateway: string): { ok: true; value: IgdControl } | { ok: false; reason: string } {
  const base = /<URLBase>\s*([^<\s]+)\s*<\/URLBase>/i.exec(xml)?.[1] ?? location;
  const services: { type: string; control: string }[] = [];
  for (const m of xml.matchAll(/<service>([\s\S]*?)<\/service>/gi)) {
    const body = m[1] ?? "";
    const type = /<serviceType>\s*([^<\s]+)\s*<\/serviceType>/i.exec(body)?.[1];
    const control = /<controlURL>\s*([^<\s]+)\s*<\/controlURL>/i.exec(body)?.[1];
    if (type !== undefined && control !== undefined) services.push({ type, control: control.replace(/&amp;/g, "&") });
  }
  for (const wanted of WAN_SERVICES) {
    const s = services.find((x) => x.type === wanted);
    if (s === undefined) continue;
    const u = onGateway(s.control, gateway, base);
    if (!u.ok) return { ok: false, reason: `the ${wanted.split(":").slice(-2).join(":")} control URL: ${u.reason}` };
    return { ok: true, value: { controlUrl: u.url.href, serviceType: wanted } };
  }
  return { ok: false, reason: "the router's description lists no WANIPConnection or WANPPPConnection service" };
}

/** One bounded plain-HTTP exchange with the gateway. */
function exchange(url: URL, opts: { method: string; headers: Record<string, string>; body?: string; maxBytes: number; signal: AbortSignal }): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method: opts.method, headers: opts.headers, signal: opts.signal, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      let size = 0;
      res.on("data", (c: Buffer) => {
        size += c.length;
        if (size > opts.maxBytes) {
          req.destroy(new Error(`the answer passed ${opts.maxBytes} bytes`));
          return;
        }
        chunks.push(c);
      });
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString("utf8") }));
      res.on("error", reject);
    });
    req.on("error", reject);
    req.end(opts.body);
  });
}

/** Reads the device description at `location` and picks the WAN service. */
export async function describeIgd(location: string, gateway: string, signal: AbortSignal): Promise<UpnpResult<IgdControl>> {
  const started = performance.now();
  const ms = (): number => Math.round(performance.now() - started);
  const u = onGateway(location, gateway);
  if (!u.ok) return { kind: "failed", reason: `SSDP LOCATION: ${u.reason}`, ms: ms() };
  try {
    const r = await exchange(u.url, { method: "GET", headers: { Connection: "close" }, maxBytes: MAX_DESCRIPTION, signal });
    if (r.status !== 200) return { kind: "failed", reason: `the description answered HTTP ${r.status}`, ms: ms() };
    const s = findWanService(r.body, u.url.href, gateway);
    return s.ok ? { kind: "ok", value: s.value, ms: ms() } : { kind: "failed", reason: s.reason, ms: ms() };
  } catch (e) {
    return { kind: "failed", reason: `the description: ${(e as Error).message}`, ms: ms() };
  }
}

export type ExternalAnswer = { kind: "address"; text: string } | { kind: "empty" };

/** SOAP GetExternalIPAddress. "empty" is what some routers say when they have no public address. */
export async function getExternalIp(control: IgdControl, gateway: string, signal: AbortSignal): Promise<UpnpResult<ExternalAnswer>> {
  const started = performance.now();
  const ms = (): number => Math.round(performance.now() - started);
  const u = onGateway(control.controlUrl, gateway);
  if (!u.ok) return { kind: "failed", reason: u.reason, ms: ms() };
  const body =
    `<?xml version="1.0"?>\r\n<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/" s:encodingStyle="http://schemas.xmlsoap.org/soap/encoding/">` +
    `<s:Body><u:GetExternalIPAddress xmlns:u="${control.serviceType}"></u:GetExternalIPAddress></s:Body></s:Envelope>\r\n`;
  try {
    const r = await exchange(u.url, {
      method: "POST",
      headers: {
        "Content-Type": 'text/xml; charset="utf-8"',
        SOAPAction: `"${control.serviceType}#GetExternalIPAddress"`,
        Connection: "close",
        "Content-Length": String(Buffer.byteLength(body)),
      },
      body,
      maxBytes: MAX_SOAP,
      signal,
    });
    if (r.status !== 200) {
      const code = /<errorCode>\s*(\d+)\s*<\/errorCode>/i.exec(r.body)?.[1];
      return { kind: "failed", reason: `GetExternalIPAddress answered HTTP ${r.status}${code ? ` (UPnP error ${code})` : ""}`, ms: ms() };
    }
    const m = /<NewExternalIPAddress\s*(?:\/>|>([^<]*)<\/NewExternalIPAddress>)/i.exec(r.body);
    if (m === null) return { kind: "failed", reason: "GetExternalIPAddress answered without NewExternalIPAddress", ms: ms() };
    const text = (m[1] ?? "").trim();
    return { kind: "ok", value: text === "" ? { kind: "empty" } : { kind: "address", text }, ms: ms() };
  } catch (e) {
    return { kind: "failed", reason: `GetExternalIPAddress: ${(e as Error).message}`, ms: ms() };
  }
}

import { createServer, type IncomingHttpHeaders, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { createHttpClient } from "../../src/net/http.js";
import type { ProviderDeps, ProviderSettings } from "../../src/provider/types.js";

/**
 * A strict loopback stand-in for a provider's HTTP API. A provider mock passes a
 * handler that checks method, path, query, headers and body as the provider
 * documents them and answers in the provider's own shapes. Anything off the
 * documented shape is a violation: recorded (tests assert there are none) and
 * answered with 400 so the code under test cannot pass by accident.
 */
export interface SeenRequest {
  method: string;
  path: string;
  query: URLSearchParams;
  headers: IncomingHttpHeaders;
  body: string;
}

export interface MockReply {
  status: number;
  headers?: Record<string, string>;
  /** An object is sent as JSON. */
  body?: string | object;
}

export interface MockApi {
  /** http://127.0.0.1:PORT */
  url: string;
  requests: SeenRequest[];
  violations: string[];
  /** Answers the next request with this reply instead of the handler (counted, still recorded). */
  once(reply: MockReply): void;
  close(): Promise<void>;
}

export type Handler = (req: SeenRequest, violate: (why: string) => MockReply) => MockReply;

export async function startMockApi(handler: Handler): Promise<MockApi> {
  const requests: SeenRequest[] = [];
  const violations: string[] = [];
  const queued: MockReply[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const u = new URL(req.url ?? "/", "http://127.0.0.1");
      const seen: SeenRequest = {
        method: req.method ?? "",
        path: u.pathname,
        query: u.searchParams,
        headers: req.headers,
        body: Buffer.concat(chunks).toString("utf8"),
      };
      requests.push(seen);
      const violate = (why: string): MockReply => {
        violations.push(`${seen.method} ${seen.path}: ${why}`);
        return { status: 400, body: `strict mock: ${why}` };
      };
      let reply: MockReply;
      try {
        reply = queued.shift() ?? handler(seen, violate);
      } catch (e) {
        reply = violate(`handler threw: ${String(e)}`);
      }
      const isText = typeof reply.body === "string" || reply.body === undefined;
      const text = reply.body === undefined ? "" : typeof reply.body === "string" ? reply.body : JSON.stringify(reply.body);
      const headers: Record<string, string> = { ...(isText ? {} : { "content-type": "application/json" }), ...reply.headers };
      res.writeHead(reply.status, headers);
      res.end(text);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    violations,
    once: (r) => void queued.push(r),
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

export const TEST_NOW = Date.UTC(2026, 10, 27, 6, 0, 0);

export function testDeps(): ProviderDeps {
  const userAgent = "ddns/0.1.0 (+https://example.invalid/ddns)";
  return { http: createHttpClient({ userAgent }), now: () => TEST_NOW, userAgent };
}

export function testSettings(type: string, values: ProviderSettings["values"], secretKeys: string[]): ProviderSettings {
  return { name: "home", type, values, secretKeys };
}

/** JSON body of a seen request, or a violation. */
export function jsonBody(req: SeenRequest): unknown {
  return JSON.parse(req.body) as unknown;
}

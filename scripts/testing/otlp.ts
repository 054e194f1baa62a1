/**
 * A local OTLP/HTTP receiver for tests: Deno exports to it with OTEL_EXPORTER_OTLP_PROTOCOL=
 * http/json, and it keeps every span and log record it is sent, with its service name.
 */

export interface ReceivedSpan {
  service: string;
  traceId: string;
  spanId: string;
  parentSpanId: string;
  name: string;
  kind: number;
  status: number;
  attributes: Record<string, unknown>;
}

export interface ReceivedLog {
  service: string;
  body: string;
  traceId: string;
}

interface KeyValue {
  key: string;
  value: Record<string, unknown>;
}

const flat = (attrs: KeyValue[] = []) =>
  Object.fromEntries(attrs.map((a) => [a.key, Object.values(a.value ?? {})[0]]));

export function startOtlpReceiver() {
  const spans: ReceivedSpan[] = [];
  const logs: ReceivedLog[] = [];
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen: () => {} }, async (req) => {
    const path = new URL(req.url).pathname;
    // deno-lint-ignore no-explicit-any
    const body = await req.json().catch(() => ({})) as any;
    if (path === "/v1/traces") {
      for (const rs of body.resourceSpans ?? []) {
        const service = String(flat(rs.resource?.attributes)["service.name"] ?? "");
        for (const ss of rs.scopeSpans ?? []) {
          for (const s of ss.spans ?? []) {
            spans.push({
              service,
              traceId: s.traceId,
              spanId: s.spanId,
              parentSpanId: s.parentSpanId ?? "",
              name: s.name,
              kind: s.kind,
              status: s.status?.code ?? 0,
              attributes: flat(s.attributes),
            });
          }
        }
      }
    } else if (path === "/v1/logs") {
      for (const rl of body.resourceLogs ?? []) {
        const service = String(flat(rl.resource?.attributes)["service.name"] ?? "");
        for (const sl of rl.scopeLogs ?? []) {
          for (const r of sl.logRecords ?? []) {
            logs.push({ service, body: String(r.body?.stringValue ?? ""), traceId: r.traceId });
          }
        }
      }
    }
    return Response.json({});
  });
  return {
    url: `http://127.0.0.1:${server.addr.port}`,
    spans,
    logs,
    /** Waits until `pred` holds over what was received (Deno exports in batches). */
    async until<T>(pred: () => T | undefined | null | false, ms = 15_000): Promise<T> {
      const end = Date.now() + ms;
      for (;;) {
        const v = pred();
        if (v) return v;
        if (Date.now() > end) throw new Error(`OTLP: condition not met; spans: ${spans.length}`);
        await new Promise((r) => setTimeout(r, 200));
      }
    },
    close: () => server.shutdown(),
  };
}

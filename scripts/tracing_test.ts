/**
 * Traces across the stream hop, checked against a local OTLP receiver: a real gateway and a real
 * worker run with Deno's OpenTelemetry on, alice sends bob a message (they sit on two gateways,
 * so the result hop crosses processes both ways), and the spans that arrive must form one trace:
 * the gateway's frame span (a root), the worker's processing span under it, its transaction and
 * publish under that, and one socket write per receiving socket on each gateway. Then an append
 * that fails must log the trace id of its (failed) frame span.
 */
import assert from "node:assert/strict";
import { testEnv } from "@im/shared/testing";
import { TestSocket } from "@im/gateway/testing";
import { envFor, type Proc, signUp, spawn } from "./testing/cluster.ts";
import { type ReceivedSpan, startOtlpReceiver } from "./testing/otlp.ts";

Deno.test({
  name: "tracing: one trace per message, from the frame through the worker to each socket write",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const env = await testEnv({ partitions: 1 });
    const otlp = startOtlpReceiver();
    const procs: Proc[] = [];
    try {
      const base = (service: string) =>
        envFor(env, {
          OTEL_DENO: "true",
          OTEL_EXPORTER_OTLP_ENDPOINT: otlp.url,
          OTEL_EXPORTER_OTLP_PROTOCOL: "http/json",
          OTEL_SERVICE_NAME: service,
          BLOCK_MS: "200",
        });
      const [g1, g2] = [await spawn("gateway", base("gw1")), await spawn("gateway", base("gw2"))];
      procs.push(g1, g2, await spawn("worker", base("worker")));
      const alice = await signUp(g1.port, "alice");
      const bob = await signUp(g1.port, "bob");
      const a = await TestSocket.open(`ws://127.0.0.1:${g1.port}/ws`, alice.accessToken);
      const b = await TestSocket.open(`ws://127.0.0.1:${g2.port}/ws`, bob.accessToken);
      const sent = await a.request({
        type: "msg.send",
        id: "r1",
        data: { to: bob.userId, clientMsgId: "c1", kind: "text", body: "hi" },
      }, "msg.sent");
      await b.next("msg.new", (f) => f.data.msgId === sent.data.msgId);

      const named = (name: string, pred: (s: ReceivedSpan) => boolean = () => true) =>
        otlp.spans.filter((s) => s.name === name && pred(s));
      const root = await otlp.until(() => named("im.frame msg.send")[0]);
      assert.equal(root.service, "gw1");
      assert.equal(root.parentSpanId, "", "the frame starts its own trace (not the upgrade's)");
      const inTrace = (s: ReceivedSpan) => s.traceId === root.traceId;
      const proc = await otlp.until(() => named("im.process msg.send", inTrace)[0]);
      assert.equal(proc.service, "worker");
      assert.equal(proc.parentSpanId, root.spanId, "the envelope carried the frame's context");
      for (const phase of ["im.transaction", "im.publish"]) {
        const p = await otlp.until(() => named(phase, inTrace)[0]);
        assert.equal(p.parentSpanId, proc.spanId, `${phase} under the worker's span`);
      }
      // The ack to alice's socket on gw1 and the message to bob's on gw2, each under the worker's
      // span: the result entry carried its context.
      const writes = await otlp.until(() => {
        const w = named("im.ws.send", inTrace);
        return w.length >= 2 ? w : null;
      });
      assert.deepEqual(writes.map((w) => w.service).sort(), ["gw1", "gw2"]);
      for (const w of writes) assert.equal(w.parentSpanId, proc.spanId);
      assert.deepEqual(
        new Set(otlp.spans.filter(inTrace).map((s) => s.traceId)).size,
        1,
        "one trace",
      );

      // A failing append: the stream key is made a string, so XADD fails (WRONGTYPE). The log
      // line that reports it carries the frame's trace id.
      await env.redis.del(env.keys.partition(0));
      await env.redis.set(env.keys.partition(0), "not a stream");
      a.send({
        type: "msg.send",
        id: "r2",
        data: { to: bob.userId, clientMsgId: "c2", kind: "text", body: "lost" },
      });
      await a.next("error", (f) => f.id === "r2");
      const line = await otlp.until(() =>
        g1.log.map((l) => JSON.parse(l)).find((l) => l.msg?.startsWith("could not enqueue frame"))
      );
      const failed = await otlp.until(() =>
        named("im.frame msg.send", (s) => s.traceId === line.traceId)[0]
      );
      assert.equal(failed.status, 2, "the frame's span is marked failed");
      assert.notEqual(line.traceId, root.traceId, "a trace per frame");
      await env.redis.del(env.keys.partition(0));
      await a.close();
      await b.close();
    } finally {
      for (const p of procs) await p.kill("SIGTERM");
      await otlp.close();
      await env.close();
    }
  },
});

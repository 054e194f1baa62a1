/**
 * The fake server's `search`: the same frame and errors as the worker (words all required,
 * case and accents folded; filters; newest first; paged by an opaque cursor; only the caller's
 * conversations, never recalled messages), by substring over the in-memory messages.
 */
import { type ClientData, ErrorCode, type MessageView, type ServerFrame } from "@im/protocol";

const fold = (s: string) => s.normalize("NFKD").replace(/\p{M}/gu, "").toLowerCase();

export function fakeSearch(
  messages: MessageView[],
  data: ClientData<"search">,
  maxQueryChars = 200,
): ServerFrame {
  const fail = (code: number, message: string): ServerFrame => ({
    type: "error",
    data: { code: code as never, message },
  });
  const query = data.query ?? "";
  const terms = query.split(/[\s"\\]+/).filter(Boolean);
  if ([...query].length > maxQueryChars) return fail(ErrorCode.SEARCH_QUERY_TOO_LONG, "too long");
  const filtered = data.conversationId || data.from || data.kinds?.length ||
    data.since !== undefined || data.until !== undefined;
  if (!terms.length && !filtered) return fail(ErrorCode.SEARCH_QUERY_EMPTY, "empty");
  if (data.since !== undefined && data.until !== undefined && data.since >= data.until) {
    return fail(ErrorCode.SEARCH_RANGE_INVALID, "backwards");
  }
  const offset = data.cursor === undefined ? 0 : Number(/^o(\d+)$/.exec(data.cursor)?.[1] ?? NaN);
  if (!Number.isSafeInteger(offset)) return fail(ErrorCode.SEARCH_CURSOR_INVALID, "bad cursor");
  const matching = messages.filter((m) =>
    m.kind !== "recall" && !m.recalled &&
    terms.every((t) => fold(m.body).includes(fold(t))) &&
    (!data.conversationId || m.conversationId === data.conversationId) &&
    (!data.from || m.from === data.from) &&
    (!data.kinds?.length || data.kinds.includes(m.kind)) &&
    (data.since === undefined || m.serverTime >= data.since) &&
    (data.until === undefined || m.serverTime < data.until)
  ).sort((a, b) => b.serverTime - a.serverTime || Number(BigInt(b.msgId) - BigInt(a.msgId)));
  const limit = data.limit ?? 20;
  const page = matching.slice(offset, offset + limit);
  const hits = page.map((m) => {
    const at = terms.length ? fold(m.body).indexOf(fold(terms[0])) : -1;
    return {
      msgId: m.msgId,
      conversationId: m.conversationId,
      seq: m.seq,
      from: m.from,
      kind: m.kind,
      serverTime: m.serverTime,
      snippet: m.body,
      marks: at >= 0 ? [[at, at + terms[0].length] as [number, number]] : [],
    };
  });
  const more = offset + limit < matching.length;
  return {
    type: "search.page",
    data: more ? { hits, cursor: `o${offset + limit}` } : { hits },
  };
}

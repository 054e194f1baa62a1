/// <reference lib="dom" />
/**
 * Search: a box with filters in the top bar, and the results in place of the conversation
 * list, newest first, each with its snippet's matches highlighted; choosing one opens the
 * conversation at that message. More results page in with the server's cursor.
 */
import { useState } from "preact/hooks";
import {
  describeError,
  directPeer,
  type ImClient,
  type SearchHit,
  snippetParts,
} from "../../mod.ts";
import { titleOf } from "./conversations.tsx";
import type { Directory } from "./names.ts";

type Request = Parameters<ImClient["search"]>[0];

export interface SearchState {
  request: Request;
  hits: SearchHit[];
  cursor?: string;
  loading: boolean;
  error?: string;
}

const KINDS = ["text", "image", "file", "voice", "video", "location"];

/** Runs `request` (or its next page) and reports each state change. */
export async function runSearch(
  client: ImClient,
  prev: SearchState | null,
  request: Request,
  set: (s: SearchState) => void,
) {
  const more = prev?.request === request && prev.cursor !== undefined;
  const base = more ? prev! : { request, hits: [] as SearchHit[] };
  set({ ...base, loading: true });
  try {
    const page = await client.search(more ? { ...request, cursor: prev!.cursor } : request);
    set({ request, hits: [...base.hits, ...page.hits], cursor: page.cursor, loading: false });
  } catch (e) {
    set({ ...base, loading: false, error: describeError(e) });
  }
}

export function SearchBox(props: {
  client: ImClient;
  names: Directory;
  /** The open conversation, offered as a filter. */
  openConversation: string | null;
  onSearch(request: Request): void;
}) {
  const [words, setWords] = useState("");
  const [filters, setFilters] = useState(false);
  const [here, setHere] = useState(false);
  const [from, setFrom] = useState("");
  const [kind, setKind] = useState("");
  const [since, setSince] = useState("");
  const [until, setUntil] = useState("");
  const [error, setError] = useState<string | null>(null);

  async function submit(e: Event) {
    e.preventDefault();
    setError(null);
    const request: Request = {};
    if (words.trim()) request.query = words.trim();
    if (here && props.openConversation) request.conversationId = props.openConversation;
    if (kind) request.kinds = [kind];
    // Dates are local days: since its start, until the end of the until day.
    if (since) request.since = new Date(`${since}T00:00`).getTime();
    if (until) request.until = new Date(`${until}T00:00`).getTime() + 86_400_000;
    try {
      if (from.trim()) {
        request.from = from.trim() === "me"
          ? props.client.userId
          : (await props.names.byName(from)).userId;
      }
    } catch (err) {
      return setError(describeError(err));
    }
    props.onSearch(request);
  }

  return (
    <form class="search" role="search" onSubmit={submit}>
      <input
        type="search"
        data-testid="search"
        aria-label="Search messages"
        placeholder="Search messages"
        value={words}
        onInput={(e) => setWords(e.currentTarget.value)}
      />
      <button
        type="button"
        class="link"
        aria-expanded={filters}
        onClick={() => setFilters(!filters)}
      >
        Filters
      </button>
      <button type="submit" data-testid="search-go">Search</button>
      {filters && (
        <div class="search-filters" data-testid="search-filters">
          <label>
            <input
              type="checkbox"
              checked={here}
              disabled={!props.openConversation}
              onChange={(e) => setHere(e.currentTarget.checked)}
            />{" "}
            Only this conversation
          </label>
          <label>
            From{" "}
            <input
              data-testid="search-from"
              placeholder="username or me"
              autocapitalize="none"
              value={from}
              onInput={(e) => setFrom(e.currentTarget.value)}
            />
          </label>
          <label>
            Kind{" "}
            <select value={kind} onChange={(e) => setKind(e.currentTarget.value)}>
              <option value="">any</option>
              {KINDS.map((k) => <option key={k} value={k}>{k}</option>)}
            </select>
          </label>
          <label>
            Since{" "}
            <input type="date" value={since} onInput={(e) => setSince(e.currentTarget.value)} />
          </label>
          <label>
            Until{" "}
            <input type="date" value={until} onInput={(e) => setUntil(e.currentTarget.value)} />
          </label>
        </div>
      )}
      {error && <p class="error" role="alert">{error}</p>}
    </form>
  );
}

export function SearchResults(props: {
  state: SearchState;
  me: string;
  names: Directory;
  onOpen(hit: SearchHit): void;
  onMore(): void;
  onClose(): void;
}) {
  const { state } = props;
  return (
    <nav
      class="list results"
      aria-label="Search results"
      data-testid="results"
      data-query={state.request.query ?? ""}
      data-loading={String(state.loading)}
    >
      <div class="results-head">
        <span>
          {state.loading && state.hits.length === 0
            ? "Searching…"
            : `${state.hits.length}${state.cursor ? "+" : ""} found`}
        </span>
        <button type="button" class="link" onClick={props.onClose}>Close</button>
      </div>
      {state.error && <p class="error" role="alert">{state.error}</p>}
      {!state.loading && !state.error && state.hits.length === 0 && (
        <p class="empty">No messages found.</p>
      )}
      <ul>
        {state.hits.map((h) => (
          <li key={h.msgId}>
            <button
              type="button"
              class="conv hit"
              data-testid="hit"
              data-conversation={h.conversationId}
              data-seq={h.seq}
              onClick={() => props.onOpen(h)}
            >
              <span class="conv-main">
                <span class="conv-name">
                  {titleOf(
                    {
                      conversationId: h.conversationId,
                      peerId: directPeer(h.conversationId, props.me),
                    },
                    props.names,
                  )}
                  <span class="hit-meta">
                    {h.from === props.me ? "you" : props.names.name(h.from)} ·{" "}
                    {new Date(h.serverTime).toLocaleString([], {
                      dateStyle: "short",
                      timeStyle: "short",
                    })}
                  </span>
                </span>
                <span class="hit-snippet">
                  {h.snippet
                    ? snippetParts(h).map((p, i) =>
                      p.match ? <mark key={i}>{p.text}</mark> : <span key={i}>{p.text}</span>
                    )
                    : <em>{h.kind}</em>}
                </span>
              </span>
            </button>
          </li>
        ))}
      </ul>
      {state.cursor && (
        <button type="button" class="more" disabled={state.loading} onClick={props.onMore}>
          {state.loading ? "Loading…" : "More results"}
        </button>
      )}
    </nav>
  );
}

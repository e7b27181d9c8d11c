// Live analysis status: WebSocket first, Server-Sent Events when the socket cannot be used, polling last.
import { api, refreshSession, unwrap } from "../api/client";
import { ApiError } from "../api/errors";
import type { StatusDoc } from "../api/types";

export type Transport = "websocket" | "sse" | "polling";

export interface LiveHandlers {
  onStatus: (status: StatusDoc, via: Transport) => void;
  onError: (error: unknown) => void;
}

const TERMINAL = new Set(["completed", "failed"]);
const POLL_MS = 2000;

export function isTerminal(status: StatusDoc): boolean {
  return TERMINAL.has(status.status);
}

/** Follows one analysis until it completes or fails; returns a function that stops following. */
export function followStatus(analysisId: string, handlers: LiveHandlers): () => void {
  let stopped = false;
  let socket: WebSocket | null = null;
  let source: EventSource | null = null;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let refreshed = false;
  const id = encodeURIComponent(analysisId);

  const deliver = (status: StatusDoc, via: Transport) => {
    if (stopped) return;
    handlers.onStatus(status, via);
    if (isTerminal(status)) stop();
  };

  const poll = async () => {
    if (stopped) return;
    try {
      deliver(await unwrap<StatusDoc>(api.GET("/api/v1/analyses/{analysis_id}", { params: { path: { analysis_id: analysisId } } })), "polling");
    } catch (error) {
      if (error instanceof ApiError && error.status >= 400 && error.status < 500 && error.status !== 429) {
        handlers.onError(error);
        stop();
        return;
      }
    }
    if (!stopped) timer = setTimeout(poll, POLL_MS);
  };

  const sse = () => {
    if (stopped) return;
    if (typeof EventSource === "undefined") return void poll();
    let heard = false;
    source = new EventSource(`/api/v1/analyses/${id}/events`, { withCredentials: true });
    source.addEventListener("status", (event) => {
      heard = true;
      deliver(JSON.parse((event as MessageEvent<string>).data) as StatusDoc, "sse");
    });
    source.onerror = () => {
      // EventSource reconnects by itself after a dropped stream; give up on it only if it never worked.
      if (!heard || source?.readyState === EventSource.CLOSED) {
        source?.close();
        source = null;
        void poll();
      }
    };
  };

  const ws = () => {
    if (stopped) return;
    if (typeof WebSocket === "undefined") return sse();
    const scheme = window.location.protocol === "https:" ? "wss:" : "ws:";
    let heard = false;
    try {
      socket = new WebSocket(`${scheme}//${window.location.host}/api/v1/analyses/${id}/ws`);
    } catch {
      return sse();
    }
    socket.onmessage = (event) => {
      heard = true;
      deliver(JSON.parse(String(event.data)) as StatusDoc, "websocket");
    };
    socket.onclose = (event) => {
      socket = null;
      if (stopped) return;
      if (event.code === 4401 && !refreshed) {
        refreshed = true;
        void refreshSession().then((ok) => (ok ? ws() : handlers.onError(new ApiError(401, "unauthorized", event.reason))));
      } else if (event.code === 4404) {
        handlers.onError(new ApiError(404, "not_found", event.reason));
        stop();
      } else if (heard) {
        ws(); // dropped mid-way: reconnect (the server sends the current state first)
      } else {
        sse();
      }
    };
  };

  function stop() {
    stopped = true;
    if (timer) clearTimeout(timer);
    socket?.close();
    source?.close();
  }

  ws();
  return stop;
}

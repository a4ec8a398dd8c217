/**
 * A dashboard's subscription over graphql-ws (the `graphql-transport-ws` subprotocol) with k6's
 * `k6/websockets` module: connection_init carrying the token, one `subscribe`, updates until the watch
 * ends, then `complete` and close. k6's WebSocket constructor takes no subprotocol list, so it is
 * offered in the Sec-WebSocket-Protocol header (which k6 passes to the handshake as given).
 */
import { check } from 'k6';
import { Counter, Trend } from 'k6/metrics';
import { clearTimeout, setTimeout } from 'k6/timers';
import { WebSocket } from 'k6/websockets';
import { FLOW_UPDATED_SUBSCRIPTION, GRAPHQL_WS_PROTOCOL } from './scenarios.ts';
import { TOKEN, WS_URL } from './tams.ts';

export const updates = new Counter('tams_subscription_updates');
/** From a write the client made to the update reflecting it. */
export const updateLatency = new Trend('tams_update_latency', true);

export interface FlowUpdate {
  readonly id: string;
  readonly segmentCount: number;
  readonly lastEnd: string | null;
}

export interface Watch {
  /** Called once the server acknowledged the subscription's connection. */
  onReady?(): void;
  /** Called for each update; return true to stop watching. */
  onUpdate(update: FlowUpdate): boolean | void;
  /** Called when the watch ends (stopped, timed out or failed). */
  onEnd?(outcome: { acknowledged: boolean; updates: number; errors: number }): void;
}

/** A `next` message's payload (an `error` message carries an array of errors instead). */
interface NextPayload {
  data?: { flowUpdated?: { id: string; stats: { segmentCount: number; lastEnd: string | null } } | null };
  errors?: unknown[];
}

interface Message {
  type: string;
  id?: string;
  payload?: unknown;
}

/** Subscribes to a flow's updates for at most `seconds`. */
export function watchFlow(
  flowId: string,
  seconds: number,
  watch: Watch,
  tags: Record<string, string> = {},
): void {
  const ws = new WebSocket(WS_URL, null, {
    headers: { 'Sec-WebSocket-Protocol': GRAPHQL_WS_PROTOCOL },
    tags,
  });
  let acknowledged = false;
  let count = 0;
  let errors = 0;
  let ended = false;
  const end = () => {
    if (ended) return;
    ended = true;
    clearTimeout(timer);
    if (ws.readyState === WebSocket.OPEN) {
      if (acknowledged) ws.send(JSON.stringify({ id: '1', type: 'complete' }));
      ws.close();
    }
    check(
      null,
      {
        'subscription: connection acknowledged': () => acknowledged,
        'subscription: no errors': () => errors === 0,
      },
      tags,
    );
    watch.onEnd?.({ acknowledged, updates: count, errors });
  };
  ws.onopen = () => {
    ws.send(
      JSON.stringify({ type: 'connection_init', payload: TOKEN ? { authorization: `Bearer ${TOKEN}` } : {} }),
    );
  };
  ws.onmessage = (event) => {
    const message = JSON.parse(typeof event?.data === 'string' ? event.data : '{}') as Message;
    switch (message.type) {
      case 'connection_ack':
        acknowledged = true;
        ws.send(
          JSON.stringify({
            id: '1',
            type: 'subscribe',
            payload: { query: FLOW_UPDATED_SUBSCRIPTION, variables: { id: flowId } },
          }),
        );
        watch.onReady?.();
        return;
      case 'ping':
        ws.send(JSON.stringify({ type: 'pong' }));
        return;
      case 'next': {
        const payload = (message.payload ?? {}) as NextPayload;
        const flow = payload.data?.flowUpdated;
        if (payload.errors || !flow) {
          errors++;
          return;
        }
        count++;
        updates.add(1, tags);
        if (
          watch.onUpdate({
            id: flow.id,
            segmentCount: flow.stats.segmentCount,
            lastEnd: flow.stats.lastEnd,
          }) === true
        )
          end();
        return;
      }
      case 'error':
        errors++;
        end();
        return;
      case 'complete':
        end();
        return;
      default:
        return;
    }
  };
  ws.onerror = () => {
    errors++;
    end();
  };
  ws.onclose = () => end();
  // A pending timer keeps a k6 iteration going: end() clears it as soon as the watch ends.
  const timer = setTimeout(end, seconds * 1000);
}

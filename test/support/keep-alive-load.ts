import { randomUUID } from 'node:crypto';
import { Agent, request } from 'node:http';
import { Agent as UndiciAgent } from 'undici';

/**
 * A load of keep-alive clients against a running store, for shutdown tests: N clients, each with one
 * persistent connection, sending a mix of REST and GraphQL reads and writes until `requests` have been
 * sent in all. Every request ends in one outcome; transport failures are classified so a test can tell a
 * connection reset (the server dropped a request it had accepted) from a refused connection (the
 * listener was already closed, so the request never reached the server).
 */

export type ClientKind = 'node' | 'undici';

export interface LoadOptions {
  /** The store's base URL, e.g. http://127.0.0.1:8080. */
  readonly url: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly clients: number;
  readonly requests: number;
  /** node:http Agent (keepAlive) or undici Agent; default node. */
  readonly client?: ClientKind;
  /** Flows that exist before the load starts (read by id). */
  readonly knownFlows: readonly string[];
  /** Called after each outcome with the number of outcomes so far (e.g. to send SIGTERM mid-run). */
  readonly onOutcome?: (done: number, outcome: Outcome) => void;
}

export type Failure = 'reset' | 'refused' | 'other';

export interface Outcome {
  readonly kind: string;
  /** Whether the shutdown had been started (see `LoadRun.markShutdown`) when this request was sent. */
  readonly sentAfterShutdown: boolean;
  readonly status?: number;
  readonly retryAfter?: string | undefined;
  readonly connectionClose?: boolean;
  readonly failure?: Failure;
  readonly error?: string;
  /** A flow whose creation the server acknowledged (REST 201, GraphQL `created: true`). */
  readonly acknowledgedFlow?: string;
}

export interface LoadRun {
  /** Resolves with every outcome once all requests are done. */
  readonly done: Promise<Outcome[]>;
  /** Requests sent from now on count as sent after the shutdown began. */
  markShutdown(): void;
}

interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

type Send = (method: string, path: string, body?: unknown) => Promise<Answer>;

/** A TAMS 7.0 video flow, as PUT /flows/{id} takes it. */
export const flowBody = (id: string, source: string) => ({
  id,
  source_id: source,
  format: 'urn:x-nmos:format:video',
  codec: 'video/h264',
  container: 'video/mp2t',
  label: 'drain load',
  essence_parameters: { frame_width: 1280, frame_height: 720, frame_rate: { numerator: 25 } },
});

const graphqlFlow = {
  sourceId: '',
  format: 'VIDEO',
  codec: 'video/h264',
  container: 'video/mp2t',
  label: 'drain load',
  video: { frameWidth: 1280, frameHeight: 720, frameRate: { numerator: 25 } },
};

/** One request of the mix (by index): what it is, and the flow it acknowledged, if it wrote one. */
async function mixed(send: Send, i: number, known: readonly string[]) {
  const known1 = known[i % known.length]!;
  switch (i % 6) {
    case 0:
      return { kind: 'rest list', answer: await send('GET', '/flows?limit=10') };
    case 1: {
      const id = randomUUID();
      const answer = await send('PUT', `/flows/${id}`, flowBody(id, randomUUID()));
      return { kind: 'rest write', answer, acknowledged: answer.status === 201 ? id : undefined };
    }
    case 2:
      return {
        kind: 'graphql read',
        answer: await send('POST', '/graphql', { query: '{ flows(limit: 10) { nodes { id label } } }' }),
      };
    case 3: {
      const id = randomUUID();
      const answer = await send('POST', '/graphql', {
        query: 'mutation($id: ID!, $flow: FlowInput!) { putFlow(id: $id, flow: $flow) { created } }',
        variables: { id, flow: { ...graphqlFlow, sourceId: randomUUID() } },
      });
      let created = false;
      if (answer.status === 200)
        created =
          (JSON.parse(answer.body) as { data?: { putFlow?: { created?: boolean } } }).data?.putFlow
            ?.created === true;
      return { kind: 'graphql write', answer, acknowledged: created ? id : undefined };
    }
    case 4:
      return { kind: 'rest get', answer: await send('GET', `/flows/${known1}`) };
    default:
      return {
        kind: 'graphql get',
        answer: await send('POST', '/graphql', {
          query: 'query($id: ID!) { flow(id: $id) { id label source { id } } }',
          variables: { id: known1 },
        }),
      };
  }
}

function classify(error: unknown): { failure: Failure; error: string } {
  const e = error as { code?: string; message?: string; cause?: { code?: string } };
  const code = e.code ?? e.cause?.code ?? '';
  const text = `${code} ${e.message ?? String(error)}`.trim();
  if (code === 'ECONNREFUSED') return { failure: 'refused', error: text };
  if (
    ['ECONNRESET', 'EPIPE', 'UND_ERR_SOCKET', 'ECONNABORTED'].includes(code) ||
    /socket hang up|other side closed/i.test(text)
  )
    return { failure: 'reset', error: text };
  return { failure: 'other', error: text };
}

function nodeClient(base: URL, headers: Readonly<Record<string, string>>) {
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  const send: Send = (method, path, body) =>
    new Promise((resolve, reject) => {
      const payload = body === undefined ? undefined : JSON.stringify(body);
      const req = request(
        {
          host: base.hostname,
          port: base.port,
          method,
          path,
          agent,
          headers: {
            ...headers,
            ...(payload === undefined
              ? {}
              : { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) }),
          },
        },
        (res) => {
          let text = '';
          res.setEncoding('utf8');
          res.on('data', (chunk: string) => (text += chunk));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: text }));
          res.on('error', reject);
        },
      );
      req.on('error', reject);
      req.end(payload);
    });
  return { send, close: () => Promise.resolve(agent.destroy()) };
}

function undiciClient(base: URL, headers: Readonly<Record<string, string>>) {
  const agent = new UndiciAgent({ connections: 1, pipelining: 1 });
  const send: Send = async (method, path, body) => {
    const payload = body === undefined ? undefined : JSON.stringify(body);
    const res = await agent.request({
      origin: base.origin,
      method: method as 'GET',
      path,
      headers: { ...headers, ...(payload === undefined ? {} : { 'content-type': 'application/json' }) },
      ...(payload === undefined ? {} : { body: payload }),
    });
    return { status: res.statusCode, headers: res.headers, body: await res.body.text() };
  };
  return { send, close: async () => agent.destroy() };
}

export function startLoad(options: LoadOptions): LoadRun {
  const base = new URL(options.url);
  let shutdown = false;
  let next = 0;
  const outcomes: Outcome[] = [];
  const client = async () => {
    const { send, close } =
      options.client === 'undici' ? undiciClient(base, options.headers) : nodeClient(base, options.headers);
    try {
      while (next < options.requests) {
        const i = next++;
        const sentAfterShutdown = shutdown;
        let outcome: Outcome;
        try {
          const { kind, answer, acknowledged } = await mixed(send, i, options.knownFlows);
          const retryAfter = answer.headers['retry-after'];
          outcome = {
            kind,
            sentAfterShutdown,
            status: answer.status,
            retryAfter: Array.isArray(retryAfter) ? retryAfter[0] : retryAfter,
            connectionClose: /close/i.test(String(answer.headers['connection'] ?? '')),
            ...(acknowledged ? { acknowledgedFlow: acknowledged } : {}),
          };
        } catch (error) {
          outcome = { kind: 'transport', sentAfterShutdown, ...classify(error) };
        }
        outcomes.push(outcome);
        options.onOutcome?.(outcomes.length, outcome);
      }
    } finally {
      await close();
    }
  };
  const done = Promise.all(Array.from({ length: options.clients }, client)).then(() => outcomes);
  return {
    done,
    markShutdown() {
      shutdown = true;
    },
  };
}

/** Counts of outcomes, for reports and assertions. */
export function summarize(outcomes: readonly Outcome[]) {
  const count = (p: (o: Outcome) => boolean) => outcomes.filter(p).length;
  return {
    requests: outcomes.length,
    answered: count((o) => o.status !== undefined && o.status !== 503),
    unavailable503: count((o) => o.status === 503),
    unavailableWithRetryAfter: count((o) => o.status === 503 && o.retryAfter !== undefined),
    resets: count((o) => o.failure === 'reset'),
    refused: count((o) => o.failure === 'refused'),
    otherErrors: count((o) => o.failure === 'other'),
    serverErrors: count((o) => o.status !== undefined && o.status >= 500 && o.status !== 503),
    acknowledgedWrites: count((o) => o.acknowledgedFlow !== undefined),
  };
}

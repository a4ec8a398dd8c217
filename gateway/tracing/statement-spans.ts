import { performance } from 'node:perf_hooks';
import type { Tracer } from '@opentelemetry/api';
import { context, SpanKind, trace } from '@opentelemetry/api';
import type { QueryMonitor, QueryRecord } from '../../lib/executor/index.js';

const DB_SYSTEM = { sqlite: 'sqlite', postgres: 'postgresql' } as const;

/**
 * A span for every statement the query executor runs, made from the query monitor's record of it (the
 * executor reports each statement there, failures too; lib/executor/query-monitor.ts), so the executor
 * itself carries no tracing code. The record comes in the statement's async context, when it ended: the
 * span is the child of whatever ran the statement (a resolver's subgraph span), with the statement's
 * measured start and end. Its text is the monitor's shape: every literal replaced by `?`; bound values
 * are never part of it. Statements outside any traced work (the outbox follower's polls, background
 * workers: each would be a trace of its own, several a second) or in a trace the sampler dropped make
 * no span. Returns the unsubscribe function.
 */
export function traceStatements(monitor: QueryMonitor, tracer: Tracer): () => void {
  return monitor.onQuery((record) => statementSpan(tracer, record));
}

function statementSpan(tracer: Tracer, record: QueryRecord): void {
  // Nothing traced this (or its trace was not sampled): no span.
  if (!trace.getSpan(context.active())?.isRecording()) return;
  const ended = performance.timeOrigin + performance.now();
  const system = DB_SYSTEM[record.backend];
  tracer
    .startSpan(`${record.kind} ${record.table}`, {
      kind: SpanKind.CLIENT,
      startTime: ended - record.seconds * 1000,
      attributes: {
        'db.system': system,
        'db.system.name': system,
        'db.operation.name': record.kind,
        'db.collection.name': record.table,
        'db.query.text': record.shape,
        'db.response.returned_rows': record.rows,
        'tams.db.endpoint': record.endpoint,
      },
    })
    .end(ended);
}

import { context, SpanKind, trace, TraceFlags } from '@opentelemetry/api';
import { InMemorySpanExporter } from '@opentelemetry/sdk-trace-base';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { QueryMonitor } from '../../lib/executor/index.js';
import { traceStatements } from './statement-spans.js';
import { installTracing } from './tracing.js';

const exporter = new InMemorySpanExporter();
const tracing = installTracing({ serviceName: 'tams-test', exporter, batch: false });
const monitor = new QueryMonitor();
traceStatements(monitor, tracing.tracer);

afterAll(() => tracing.shutdown());
beforeEach(() => exporter.reset());

const SQL = `SELECT "id" FROM "segments" WHERE "flow_id" = ? AND "label" = 'secret label' LIMIT 10`;

describe('statement spans (from the query monitor)', () => {
  it("makes each statement a child of the work that ran it, with the monitor's facts and no values", () => {
    tracing.tracer.startActiveSpan('resolver', (parent) => {
      monitor.record(SQL, 'postgres', 3, 0.004, 'standby-1:5432/tams');
      parent.end();
    });
    const [statement, parent] = exporter.getFinishedSpans();
    expect(statement!.name).toBe('select segments');
    expect(statement!.kind).toBe(SpanKind.CLIENT);
    expect(statement!.parentSpanId).toBe(parent!.spanContext().spanId);
    expect(statement!.attributes).toEqual({
      'db.system': 'postgresql',
      'db.system.name': 'postgresql',
      'db.operation.name': 'select',
      'db.collection.name': 'segments',
      'db.query.text': 'SELECT "id" FROM "segments" WHERE "flow_id" = ? AND "label" = ? LIMIT ?',
      'db.response.returned_rows': 3,
      'tams.db.endpoint': 'standby-1:5432/tams',
    });
    // The measured duration: 4 ms, from the start the monitor's figure implies to the span's end.
    const [seconds, nanos] = statement!.duration;
    expect(seconds * 1e3 + nanos / 1e6).toBeCloseTo(4, 1);
  });

  it('makes no span for a statement outside traced work, or in a trace that was not sampled', () => {
    monitor.record(SQL, 'sqlite', 1, 0.001);
    // A caller's trace it decided not to sample (traceparent flags 00): its spans here do not record.
    const caller = trace.wrapSpanContext({
      traceId: '0af7651916cd43dd8448eb211c80319c',
      spanId: 'b7ad6b7169203331',
      traceFlags: TraceFlags.NONE,
      isRemote: true,
    });
    context.with(trace.setSpan(context.active(), caller), () => {
      tracing.tracer.startActiveSpan('resolver', (parent) => {
        expect(parent.isRecording()).toBe(false);
        monitor.record(SQL, 'sqlite', 1, 0.001);
        parent.end();
      });
    });
    expect(exporter.getFinishedSpans()).toEqual([]);
  });
});

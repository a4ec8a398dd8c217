import type { ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { InMemorySpanExporter } from '@opentelemetry/sdk-trace-base';
import { expect } from 'vitest';
import type { Tracing } from '../../gateway/tracing/tracing.js';
import { installTracing } from '../../gateway/tracing/tracing.js';
import { eventually } from '../../lib/test-support/eventually.js';

/** Tracing for a test process: every span kept in memory as it ends (one provider for all its services). */
export function memoryTracing(serviceName = 'tams-test'): {
  tracing: Tracing;
  exporter: InMemorySpanExporter;
} {
  const exporter = new InMemorySpanExporter();
  return { tracing: installTracing({ serviceName, exporter, batch: false }), exporter };
}

/** The spans of one trace, and what a test asks of their tree. */
export class Trace {
  constructor(readonly spans: readonly ReadableSpan[]) {}

  get traceId(): string {
    return this.spans[0]!.spanContext().traceId;
  }

  /** The one span matching, failing the test (naming what there is) when none or several do. */
  one(what: string, match: (span: ReadableSpan) => boolean): ReadableSpan {
    const found = this.spans.filter(match);
    expect(found, `${what} among ${this.names()}`).toHaveLength(1);
    return found[0]!;
  }

  all(match: (span: ReadableSpan) => boolean): ReadableSpan[] {
    return this.spans.filter(match);
  }

  parentOf(span: ReadableSpan): ReadableSpan | undefined {
    return this.spans.find((s) => s.spanContext().spanId === span.parentSpanId);
  }

  /** Whether `ancestor` is above `span` in the tree. */
  descends(span: ReadableSpan, ancestor: ReadableSpan): boolean {
    for (let at = this.parentOf(span); at; at = this.parentOf(at)) if (at === ancestor) return true;
    return false;
  }

  names(): string {
    return this.spans.map((s) => s.name).join(', ');
  }
}

/** The finished spans of the trace whose server span `root` picks, once that span has ended. */
export async function traceOf(
  exporter: InMemorySpanExporter,
  what: string,
  root: (span: ReadableSpan) => boolean,
): Promise<{ trace: Trace; root: ReadableSpan }> {
  let found: ReadableSpan | undefined;
  await eventually(() => (found = exporter.getFinishedSpans().find(root)) !== undefined, what);
  const traceId = found!.spanContext().traceId;
  return {
    trace: new Trace(exporter.getFinishedSpans().filter((s) => s.spanContext().traceId === traceId)),
    root: found!,
  };
}

export const named = (name: string) => (span: ReadableSpan) => span.name === name;
export const withAttribute = (key: string, value: unknown) => (span: ReadableSpan) =>
  span.attributes[key] === value;

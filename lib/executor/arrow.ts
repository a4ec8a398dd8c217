import type { DataType } from 'apache-arrow';
import {
  Bool,
  Field,
  Int64,
  makeData,
  RecordBatch,
  RecordBatchStreamWriter,
  Schema,
  Struct,
  Table,
  TimestampMillisecond,
  Utf8,
  vectorFromArray,
} from 'apache-arrow';
import type { TimeRange } from '../tams/index.js';
import type { ColumnSpec } from './catalog/columns.js';
import type { TableInfo } from './sql/table-info.js';

/**
 * Arrow output of executor scans, for bulk and analytics reads. Integers and TAI timestamps are Int64
 * (bigint, no precision loss); a timerange becomes four columns (start, start_inclusive, end,
 * end_inclusive) so columnar tools can filter on it; an EMPTY range is all four null, an unbounded side
 * a null bound with a non-null marker.
 */

interface ColumnPlan {
  readonly fields: Field[];
  readonly extract: ((value: unknown) => unknown)[];
}

const TAI_NS = new Map([['tams:unit', 'tai-nanoseconds']]);

function planColumn(name: string, spec: ColumnSpec): ColumnPlan {
  const nullable = spec.nullable === true;
  const one = (
    type: DataType,
    extract: (v: unknown) => unknown,
    metadata?: Map<string, string>,
  ): ColumnPlan => ({
    fields: [new Field(name, type, nullable, metadata)],
    extract: [extract],
  });
  const same = (v: unknown) => v;
  switch (spec.type) {
    case 'uuid':
    case 'text':
      return one(new Utf8(), same);
    case 'int':
      return one(new Int64(), (v) => (v === null ? null : BigInt(v as number)));
    case 'bigint':
      return one(new Int64(), same);
    case 'timestamp':
      return one(new Int64(), same, TAI_NS);
    case 'bool':
      return one(new Bool(), same);
    case 'datetime':
      return one(new TimestampMillisecond(), (v) => (v === null ? null : (v as Date).getTime()));
    case 'json':
    case 'tags':
      return one(new Utf8(), (v) => (v === null ? null : JSON.stringify(v)));
    case 'timerange': {
      const part = (f: (r: Extract<TimeRange, { kind: 'range' }>) => unknown) => (v: unknown) => {
        const r = v as TimeRange;
        return r.kind === 'empty' ? null : f(r);
      };
      return {
        fields: [
          new Field(`${name}_start`, new Int64(), true, TAI_NS),
          new Field(`${name}_start_inclusive`, new Bool(), true),
          new Field(`${name}_end`, new Int64(), true, TAI_NS),
          new Field(`${name}_end_inclusive`, new Bool(), true),
        ],
        extract: [
          part((r) => r.start),
          part((r) => r.startInclusive),
          part((r) => r.end),
          part((r) => r.endInclusive),
        ],
      };
    }
  }
}

/** Converts logical rows of a projection into Arrow record batches with a fixed schema. */
export class ArrowRowConverter {
  readonly schema: Schema;
  private readonly columns: { name: string; plan: ColumnPlan }[];

  constructor(table: TableInfo, columns: readonly string[]) {
    this.columns = columns.map((name) => ({ name, plan: planColumn(name, table.column(name)) }));
    this.schema = new Schema(
      this.columns.flatMap((c) => c.plan.fields),
      new Map([['tams:table', table.name]]),
    );
  }

  toBatch(rows: readonly Record<string, unknown>[]): RecordBatch {
    const children = this.columns.flatMap(({ name, plan }) =>
      plan.fields.map((field, i) => {
        const extract = plan.extract[i]!;
        const values = rows.map((r) => extract(r[name]));
        return vectorFromArray(values, field.type as DataType).data[0]!;
      }),
    );
    const data = makeData({
      type: new Struct(this.schema.fields),
      length: rows.length,
      nullCount: 0,
      children,
    });
    return new RecordBatch(this.schema, data);
  }

  toTable(rows: readonly Record<string, unknown>[]): Table {
    return new Table(this.schema, [this.toBatch(rows)]);
  }
}

/**
 * Serialises record batches as an Arrow IPC stream while they are produced. The stream always carries
 * the schema, also when there are no rows. A failing source fails the stream (the writer alone would
 * hang), and a consumer that stops early stops the source.
 */
export async function* arrowIpcStream(
  converter: ArrowRowConverter,
  pages: AsyncIterable<readonly Record<string, unknown>[]>,
): AsyncGenerator<Uint8Array> {
  let stopped = false;
  async function* batches(): AsyncGenerator<RecordBatch> {
    let wrote = false;
    for await (const rows of pages) {
      if (stopped) return;
      if (rows.length === 0 && wrote) continue;
      wrote = true;
      yield converter.toBatch(rows);
    }
    if (!wrote) yield converter.toBatch([]);
  }
  const writer = new RecordBatchStreamWriter();
  let failure: { error: unknown } | null = null;
  const writing = writer.writeAll(batches()).then(
    () => undefined,
    (error: unknown) => {
      failure = { error };
      writer.abort();
    },
  );
  try {
    for await (const chunk of writer) {
      if (failure) break;
      yield chunk;
    }
  } catch (e) {
    if (!failure) throw e;
  } finally {
    stopped = true;
  }
  await writing;
  if (failure) throw (failure as { error: unknown }).error;
}

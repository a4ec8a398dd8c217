import { describe, expect, it } from 'vitest';
import { EMPTY, formatTimeRange, timeRange } from '../../tams/index.js';
import { catalog } from '../catalog/tables.js';
import type { TableSpec } from '../catalog/tables.js';
import { physicalColumns } from '../catalog/columns.js';
import { latestVersion } from '../migrations.js';
import { sqliteMigrations } from '../sqlite/sqlite-migrations.js';
import { postgresMigrations } from '../postgres/postgres-migrations.js';
import { and, eq } from '../predicate.js';
import type { Executor } from '../types.js';
import type { ContractHarness } from './harness.js';
import { expectErrorCode, flow, NOW, segment, uuid } from './harness.js';

export function schemaAndValuesContract(h: ContractHarness, ex: () => Executor): void {
  describe('schema', () => {
    it('is migrated to the latest version', async () => {
      const latest = latestVersion(h.backend === 'sqlite' ? sqliteMigrations : postgresMigrations);
      expect(await ex().schemaVersion()).toBe(latest);
    });

    it('has exactly the physical columns and nullability the catalog declares', async () => {
      for (const [table, spec] of Object.entries(catalog) as [string, TableSpec][]) {
        const expected = new Map<string, boolean>();
        for (const [name, column] of Object.entries(spec.columns))
          for (const p of physicalColumns(name, column)) expected.set(p, column.nullable === true);
        const actual = await h.introspect(ex(), table);
        expect(Object.fromEntries(actual), `table ${table}`).toEqual(Object.fromEntries(expected));
      }
    });
  });

  describe('values', () => {
    it('round-trips every column type exactly', async () => {
      const f = flow({
        codec: 'video/h264',
        label: 'Ünïcødé label 🎬',
        description: 'quotes \' " and \\ backslashes',
        tags: { 'a.b': 'x', 'with "quote"': 'y', ünï: '' },
        read_only: true,
        generation: 0,
        frame_width: 1920,
        frame_height: 1080,
        essence_parameters: { frame_width: 1920, nested: [1, 'two', { three: null }] },
        avg_bit_rate: 9_007_199_254_740_991,
        timerange: timeRange('(1694429247:40000000_1694429250:0]'),
        segments_updated: new Date('2001-02-03T04:05:06.789Z'),
      });
      await ex().insert('flows', [f]);
      const [row] = await ex().lookup('flows', 'id', [f.id]);
      expect(row).toMatchObject({ ...f, timerange: f.timerange, created: NOW });
      expect(formatTimeRange(row!.timerange)).toBe('(1694429247:40000000_1694429250:0]');
      expect(row!.created_by).toBeNull();
    });

    it('keeps nanosecond timestamps lossless up to the ends of the 64-bit range', async () => {
      const flowId = uuid();
      const extremes = [
        '[-9223372036:854775808_-9223372036:854775807)',
        '[9007199:254740991_9007199:254740993]',
        '[9223372036:854775806_9223372036:854775807]',
      ];
      await ex().insert(
        'segments',
        extremes.map((r) => ({
          ...segment(flowId, r),
          ts_offset: -(2n ** 63n),
          last_duration: 2n ** 63n - 1n,
        })),
      );
      const page = await ex().select({
        table: 'segments',
        where: eq('flow_id', flowId),
        orderBy: [{ column: 'timerange' }],
        limit: 10,
      });
      expect(page.rows.map((r) => formatTimeRange(r.timerange))).toEqual(extremes);
      expect(page.rows.every((r) => r.ts_offset === -(2n ** 63n) && r.last_duration === 2n ** 63n - 1n)).toBe(
        true,
      );
    });

    it('applies catalog defaults and stores absent optional values as null', async () => {
      const f = flow();
      await ex().insert('flows', [f]);
      const [row] = await ex().lookup('flows', 'id', [f.id]);
      expect(row).toMatchObject({
        // 7.0 gives tags and read_only no default: absent stays NULL ("never set").
        tags: null,
        read_only: null,
        flow_collection_set: false,
        segment_count: 0n,
        timerange: EMPTY,
        label: null,
        essence_parameters: null,
      });
    });

    it('keeps an empty tag map and a false flag apart from NULL', async () => {
      const f = flow({ tags: {}, read_only: false });
      const s = { id: uuid(), format: f.format, tags: {}, created: NOW, updated: NOW };
      await ex().insert('flows', [f]);
      await ex().insert('sources', [s]);
      expect((await ex().lookup('flows', 'id', [f.id]))[0]).toMatchObject({ tags: {}, read_only: false });
      expect((await ex().lookup('sources', 'id', [s.id]))[0]).toMatchObject({ tags: {} });
      await ex().update('flows', eq('id', f.id), { tags: null, read_only: null });
      expect((await ex().lookup('flows', 'id', [f.id]))[0]).toMatchObject({ tags: null, read_only: null });
    });
  });

  describe('bad input is a typed error and writes nothing', () => {
    it('rejects unknown tables and columns', async () => {
      await expectErrorCode(() => ex().select({ table: 'nope' as 'flows', limit: 1 }), 'UNKNOWN_TABLE');
      await expectErrorCode(
        () => ex().select({ table: 'flows', columns: ['nope' as 'id'], limit: 1 }),
        'UNKNOWN_COLUMN',
      );
      await expectErrorCode(
        () => ex().select({ table: 'flows', where: eq('nope', 1), limit: 1 }),
        'UNKNOWN_COLUMN',
      );
      await expectErrorCode(
        () => ex().select({ table: 'flows', orderBy: [{ column: 'nope' as 'id' }], limit: 1 }),
        'UNKNOWN_COLUMN',
      );
      await expectErrorCode(() => ex().insert('flows', [{ ...flow(), nope: 1 } as never]), 'UNKNOWN_COLUMN');
      await expectErrorCode(() => ex().count('nope' as 'flows'), 'UNKNOWN_TABLE');
    });

    it('rejects malformed predicates', async () => {
      const bad: unknown[] = [
        null,
        { column: 'id' },
        { op: 'like', column: 'label', value: 'x' },
        { op: 'eq', column: 'tags', value: 'x' },
        { op: 'eq', column: 'label', value: null },
        { op: 'in', column: 'id', values: 'x' },
        { op: 'range', column: 'created' },
        { op: 'range', column: 'generation', gt: 1, gte: 2 },
        { op: 'range', column: 'tags', gt: 'a' },
        { op: 'overlaps', column: 'timerange', range: '[0:0_1:0)' },
        { op: 'overlaps', column: 'label', range: EMPTY },
        { op: 'tagEquals', column: 'label', name: 'a', value: 'b' },
        { op: 'tagEquals', column: 'tags', name: 'a', value: 3 },
        { op: 'and', preds: 'x' },
        { op: 'not' },
      ];
      for (const where of bad)
        await expectErrorCode(
          () => ex().select({ table: 'flows', where: where as never, limit: 1 }),
          'INVALID_PREDICATE',
        );
      let deep: unknown = eq('label', 'x');
      for (let i = 0; i < 40; i++) deep = { op: 'not', pred: deep };
      await expectErrorCode(
        () => ex().select({ table: 'flows', where: deep as never, limit: 1 }),
        'INVALID_PREDICATE',
      );
    });

    it('rejects values of the wrong type for their column', async () => {
      const cases: [Record<string, unknown>, string][] = [
        [{ id: 'not-a-uuid' }, 'INVALID_VALUE'],
        [{ id: 'AAAAAAAA-AAAA-4AAA-8AAA-AAAAAAAAAAAA' }, 'INVALID_VALUE'],
        [{ generation: '3' }, 'INVALID_VALUE'],
        [{ generation: 1.5 }, 'INVALID_VALUE'],
        [{ read_only: 'true' }, 'INVALID_VALUE'],
        [{ label: 'nul \u0000 inside' }, 'INVALID_VALUE'],
        [{ label: 'lone \ud800 surrogate' }, 'INVALID_VALUE'],
        [{ tags: { a: 1 } }, 'INVALID_VALUE'],
        [{ tags: ['a'] }, 'INVALID_VALUE'],
        [{ created: new Date('nope') }, 'INVALID_VALUE'],
        [{ essence_parameters: { big: 1n } }, 'INVALID_VALUE'],
        [{ timerange: '[0:0_1:0)' }, 'INVALID_VALUE'],
        [{ timerange: timeRange('[0:0_') }, 'INVALID_VALUE'],
        [{ source_id: null }, 'INVALID_VALUE'],
      ];
      for (const [override, code] of cases)
        await expectErrorCode(() => ex().insert('flows', [{ ...flow(), ...override }]), code);
      const flowId = uuid();
      await expectErrorCode(
        () => ex().insert('segments', [{ ...segment(flowId, '[0:0_1:0)'), ts_offset: 2n ** 63n }]),
        'OUT_OF_RANGE',
      );
      await expectErrorCode(
        () => ex().insert('segments', [{ ...segment(flowId, '[0:0_1:0)'), timerange: EMPTY }]),
        'INVALID_VALUE',
      );
      await expectErrorCode(
        () => ex().select({ table: 'flows', where: eq('id', 42), limit: 1 }),
        'INVALID_VALUE',
      );
    });

    it('rejects bad limits', async () => {
      for (const limit of [0, -1, 1.5, 1e9, Number.NaN])
        await expectErrorCode(() => ex().select({ table: 'flows', limit }), 'INVALID_QUERY');
    });

    it('writes nothing when any row of an insert is bad', async () => {
      const good = [flow(), flow()];
      await expectErrorCode(() => ex().insert('flows', [...good, { ...flow(), id: 'bad' }]), 'INVALID_VALUE');
      const flowId = uuid();
      // A database-level failure (overlap) in the last row must also undo the first rows.
      await expectErrorCode(
        () =>
          ex().insert('segments', [
            segment(flowId, '[0:0_1:0)'),
            segment(flowId, '[1:0_2:0)'),
            segment(flowId, '[1:500000000_3:0)'),
          ]),
        'SEGMENT_OVERLAP',
      );
      expect(await ex().count('flows', and(eq('id', good[0]!.id)))).toBe(0);
      expect(await ex().count('segments', eq('flow_id', flowId))).toBe(0);
    });

    it('refuses update and delete without a where predicate, and immutable columns', async () => {
      await expectErrorCode(() => ex().delete('flows', undefined as never), 'INVALID_PREDICATE');
      await expectErrorCode(
        () => ex().update('flows', undefined as never, { label: 'x' }),
        'INVALID_PREDICATE',
      );
      await expectErrorCode(() => ex().update('flows', eq('id', uuid()), {}), 'INVALID_QUERY');
      await expectErrorCode(
        () => ex().update('segments', eq('flow_id', uuid()), { timerange: timeRange('[0:0_1:0)') }),
        'IMMUTABLE_COLUMN',
      );
      await expectErrorCode(() => ex().insert('event_outbox', [{ seq: 5n } as never]), 'INVALID_VALUE');
    });
  });
}

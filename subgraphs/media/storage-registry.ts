import { randomUUID } from 'node:crypto';
import type { Executor, Row } from '../../lib/executor/index.js';
import { ExecutorError } from '../../lib/executor/index.js';
import type { ObjectStore } from '../../lib/objects/index.js';

/**
 * The storage backends of this deployment (7.0: "populated on deployment"), each bound to the object
 * store that serves it. A backend is identified across restarts by `identity` (kept in its `config`), so
 * its id, which clients see in `storage_id`, never changes while the deployment does not.
 */
export interface StorageBackendSpec {
  /** Stable key of the location, e.g. `filesystem:/var/lib/tams/objects` or `s3:endpoint/bucket/prefix`. */
  readonly identity: string;
  readonly label: string;
  readonly provider: string;
  readonly storeProduct: string;
  readonly region?: string;
  readonly availabilityZone?: string;
  readonly store: ObjectStore;
}

export interface StorageBinding {
  readonly backend: Row<'storage_backends'>;
  readonly store: ObjectStore;
}

export class StorageRegistry {
  private readonly byIdMap: Map<string, StorageBinding>;

  private constructor(private readonly bindings: readonly StorageBinding[]) {
    this.byIdMap = new Map(bindings.map((b) => [b.backend.id, b]));
  }

  /**
   * Makes sure every configured backend has its row (the first one configured becomes the default when no
   * backend is) and binds it to its store. Runs at start of the role that owns storage.
   */
  static async open(executor: Executor, specs: readonly StorageBackendSpec[]): Promise<StorageRegistry> {
    // Replicas starting together on a new database race to insert the same rows: the loser's insert
    // fails on the unique key, and its next attempt finds the winner's rows and adopts them.
    for (let attempt = 1; ; attempt++)
      try {
        return await StorageRegistry.register(executor, specs);
      } catch (error) {
        if (!(error instanceof ExecutorError && error.code === 'DUPLICATE_KEY') || attempt === 3) throw error;
      }
  }

  private static async register(
    executor: Executor,
    specs: readonly StorageBackendSpec[],
  ): Promise<StorageRegistry> {
    const rows = await executor.transaction(async (tx) => {
      const existing = (await tx.select({ table: 'storage_backends', limit: 1000 })).rows;
      const hasDefault = existing.some((r) => r.default_storage);
      const result: Row<'storage_backends'>[] = [];
      for (const [i, spec] of specs.entries()) {
        const known = existing.find(
          (r) => (r.config as { identity?: string } | null)?.identity === spec.identity,
        );
        const fields = {
          store_type: 'http_object_store',
          provider: spec.provider,
          store_product: spec.storeProduct,
          label: spec.label,
          region: spec.region ?? null,
          availability_zone: spec.availabilityZone ?? null,
          config: { identity: spec.identity, kind: spec.store.kind },
        };
        if (known) {
          await tx.update('storage_backends', { op: 'eq', column: 'id', value: known.id }, fields);
          result.push({ ...known, ...fields });
        } else {
          const row: Row<'storage_backends'> = {
            id: randomUUID(),
            ...fields,
            default_storage: !hasDefault && i === 0,
            created: new Date(),
          };
          await tx.insert('storage_backends', [row]);
          result.push(row);
        }
      }
      return result;
    });
    return new StorageRegistry(rows.map((backend, i) => ({ backend, store: specs[i]!.store })));
  }

  /** A registry over rows already loaded (tests; roles that only read). */
  static of(bindings: readonly StorageBinding[]): StorageRegistry {
    return new StorageRegistry(bindings);
  }

  /** Every backend this process serves, with its store. */
  all(): readonly StorageBinding[] {
    return this.bindings;
  }

  byId(id: string): StorageBinding | undefined {
    return this.byIdMap.get(id);
  }

  defaultBinding(): StorageBinding | undefined {
    return this.bindings.find((b) => b.backend.default_storage);
  }

  /** Labels of controlled URLs: clients may not register uncontrolled URLs under them (7.0). */
  isBackendLabel(label: string): boolean {
    return this.bindings.some((b) => b.backend.label === label);
  }

  async close(): Promise<void> {
    await Promise.all(this.bindings.map((b) => b.store.close()));
  }
}

import type { ConformanceClient } from './conformance-client.js';
import type { Spec } from './spec.js';
import type { ConformanceTarget } from './store.js';

/**
 * A route family: the `describe` body for one group of 7.0 paths. conformance.test.ts wraps each in a
 * `describe` and hands it the run's context, whose client is shared so coverage adds up across families.
 */
export interface ConformanceContext {
  readonly client: ConformanceClient;
  readonly spec: Spec;
  readonly target: ConformanceTarget;
}

export interface ConformanceFamily {
  /** Shown as the `describe` title, e.g. `service: /service, /service/storage-backends`. */
  readonly name: string;
  /**
   * Declares the family's tests (`it`, nested `describe`, hooks). The context exists only once the
   * run's `beforeAll` has started the store, so call `context()` inside tests and hooks, not here.
   */
  define(context: () => ConformanceContext): void;
}

import { afterAll, beforeAll, describe } from 'vitest';
import type { Executor } from '../types.js';
import type { ContractHarness } from './harness.js';
import { aggregatesContract } from './aggregates.contract.js';
import { nullableSortContract } from './nullable-sort.contract.js';
import { outboxContract } from './outbox.contract.js';
import { pagingAndLookupContract } from './paging-and-lookup.contract.js';
import { predicatesContract } from './predicates.contract.js';
import { schemaAndValuesContract } from './schema-and-values.contract.js';
import { segmentsAndArrowContract } from './segments-and-arrow.contract.js';
import { segmentSummariesContract } from './segment-summaries.contract.js';
import { segmentTotalsContract } from './segment-totals.contract.js';
import { writesAndTransactionsContract } from './writes-and-transactions.contract.js';

/**
 * The executor contract: every backend must pass the same suite (apollo-server style). Each backend's
 * test file calls this with its harness; test names carry the backend in brackets.
 */
export function executorContract(harness: ContractHarness): void {
  describe(`executor contract [${harness.backend}]`, () => {
    let executor: Executor | undefined;
    beforeAll(async () => {
      executor = await harness.open();
    });
    afterAll(async () => {
      await executor?.close();
    });
    const ex = () => {
      if (!executor) throw new Error(`the ${harness.backend} executor did not open`);
      return executor;
    };
    schemaAndValuesContract(harness, ex);
    predicatesContract(harness, ex);
    pagingAndLookupContract(harness, ex);
    nullableSortContract(harness, ex);
    writesAndTransactionsContract(harness, ex);
    segmentsAndArrowContract(harness, ex);
    outboxContract(harness, ex);
    aggregatesContract(harness, ex);
    segmentSummariesContract(harness, ex);
    segmentTotalsContract(harness, ex);
  });
}

import { fileURLToPath } from 'node:url';
import { ESLint } from 'eslint';
import tseslint from 'typescript-eslint';
import { beforeAll, describe, expect, it } from 'vitest';

/**
 * The floor rule of eslint.config.js (cli/loadtest -> gateway -> subgraphs -> lib) on planted files: the
 * project's own configuration, with type-aware linting off (the planted files exist only here).
 */
const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const FLOOR_RULES = new Set(['no-restricted-imports', 'no-restricted-syntax']);

let eslint: ESLint;

beforeAll(() => {
  eslint = new ESLint({ cwd: ROOT, overrideConfig: tseslint.configs.disableTypeChecked });
});

/** The floor rule's messages for `code` as if it were the file at `filePath`. */
async function floorErrors(filePath: string, code: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath: `${ROOT}${filePath}` });
  return result!.messages.filter((m) => FLOOR_RULES.has(m.ruleId ?? '')).map((m) => m.message);
}

describe('the import floors', () => {
  it.each([
    ['lib/events/planted.ts', `import { createMediaSubgraph } from '../../subgraphs/media/index.js';`],
    ['lib/events/planted.ts', `import type { MediaRepository } from '../../subgraphs/media/index.js';`],
    ['lib/planted.ts', `export { startService } from '../gateway/service.js';`],
    ['lib/config/planted.ts', `export * from '../../cli/main.js';`],
    ['lib/events/planted.ts', `const m = await import('../../gateway/service.js');`],
    ['lib/events/planted.ts', `type T = typeof import('../../subgraphs/media/index.js');`],
    ['lib/executor/sql/planted.ts', `import '../../../loadtest/executor-bench.js';`],
    [
      'lib/events/planted.test.ts',
      `import { openMediaHarness } from '../../subgraphs/media/test-support/media-harness.js';`,
    ],
    ['lib/events/planted.test.ts', `import { startServe } from '../../test/support/serve-process.js';`],
    ['subgraphs/media/planted.ts', `import { startService } from '../../gateway/service.js';`],
    ['subgraphs/media/domain/planted.ts', `import type { Caller } from '../../../gateway/auth/index.js';`],
    ['subgraphs/media/planted.test.ts', `import { main } from '../../cli/main.js';`],
    ['subgraphs/media/planted.test.ts', `import { startServe } from '../../test/support/serve-process.js';`],
    ['gateway/planted.ts', `import { main } from '../cli/main.js';`],
    ['gateway/rest/planted.ts', `import { run } from '../../loadtest/subscription-bench.js';`],
  ])('refuses %s: %s', async (filePath, code) => {
    const errors = await floorErrors(filePath, code);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatch(
      /\b(lib|subgraphs|gateway)\/ must not import (subgraphs|gateway|cli|loadtest|test)\//,
    );
  });

  it.each([
    ['lib/events/planted.ts', `import { OutboxFeed } from './outbox-feed.js';`],
    ['lib/events/planted.ts', `import type { Executor } from '../executor/index.js';`],
    ['lib/events/planted.test.ts', `import { eventually } from '../test-support/eventually.js';`],
    ['lib/planted.ts', `import { ApolloGateway } from '@apollo/gateway';`],
    ['subgraphs/media/planted.ts', `import { parseTimeRange } from '../../lib/tams/index.js';`],
    ['subgraphs/analytics/planted.ts', `import { LongScalar } from '../media/scalars.js';`],
    [
      'subgraphs/media/webhooks/planted.test.ts',
      `import { specSuite } from '../../../test/tams-spec/suite.js';`,
    ],
    ['gateway/planted.ts', `import { createMediaSubgraph } from '../subgraphs/media/index.js';`],
    ['gateway/planted.ts', `const m = await import('../lib/executor/index.js');`],
    ['cli/planted.ts', `const { startService } = await import('../gateway/service.js');`],
    ['loadtest/planted.ts', `import { startService } from '../gateway/service.js';`],
    ['test/planted.test.ts', `import { startService } from '../gateway/service.js';`],
  ])('allows %s: %s', async (filePath, code) => {
    expect(await floorErrors(filePath, code)).toEqual([]);
  });

  it('names the rule and the way out in its message', async () => {
    const [message] = await floorErrors(
      'lib/events/planted.ts',
      `import { segmentGetUrls } from '../../subgraphs/media/domain/get-urls.js';`,
    );
    expect(message).toBe(
      "'../../subgraphs/media/domain/get-urls.js' import is restricted from being used by a pattern. " +
        'lib/ must not import subgraphs/ (the domains): lib/ is domain-neutral code every floor shares; ' +
        'move what needs a higher floor up to it, or pass it in.',
    );
  });
});

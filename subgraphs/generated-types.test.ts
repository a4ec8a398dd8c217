import { readFileSync } from 'node:fs';
import { generate, loadCodegenConfig } from '@graphql-codegen/cli';
import { format, resolveConfig } from 'prettier';
import { describe, expect, it } from 'vitest';

/** The committed generated code (resolver types, the REST shim's operations) must be what `npm run codegen` makes now. */
describe('generated code', () => {
  it('is current with schema/*.graphql and gateway/rest/operations/*.graphql (run npm run codegen when this fails)', async () => {
    const { config } = await loadCodegenConfig({ configFilePath: 'codegen.yml' });
    const outputs = (await generate({ ...config, silent: true }, false)) as {
      filename: string;
      content: string;
    }[];
    expect(outputs.length).toBe(3);
    for (const output of outputs) {
      const formatted = await format(output.content, {
        ...(await resolveConfig(output.filename)),
        filepath: output.filename,
      });
      expect(readFileSync(output.filename, 'utf8'), `${output.filename} is stale: run npm run codegen`).toBe(
        formatted,
      );
    }
  }, 60_000);
});

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { specSuite } from '../../tams-spec/suite.js';
import type { ExampleUse, JsonObject } from '../spec.js';
import { formatAjvErrors, specForTests } from '../spec.js';
import { EXAMPLE_DEFECTS } from '../spec-defects.js';
import { rulesFor } from '../spec-text-rules.js';

/**
 * Every file of api/examples/ against the schema of the operation (and status, or request body) the
 * YAML uses it for: a check that the schemas compile and resolve as the spec authors meant. DIGEST
 * §12.9 warns that examples are not oracles, so each known-broken one is asserted to FAIL for its
 * documented reason (spec-defects.ts), never silently left out.
 */

const loaded = specForTests();
const spec = loaded!; // read only inside the tests, which skip when there is no spec
const read = (file: string): unknown =>
  JSON.parse(readFileSync(join(spec.dir, 'api', 'examples', file), 'utf8')) as unknown;

const target = (use: ExampleUse) =>
  `${use.operation.key} ${use.target === 'request' ? 'request body' : use.target}`;

/** Schema errors (as lines) and the spec-text rules broken, for one use of an example. */
function judge(use: ExampleUse, example: unknown): { errors: string[]; brokenRules: string[] } {
  const validate =
    use.target === 'request'
      ? use.operation.requestBody?.validate
      : use.operation.responses.get(use.target)?.validateBody;
  if (!validate) throw new Error(`${use.file}: ${target(use)} has no JSON schema`);
  const errors = validate(example) ? [] : formatAjvErrors(validate.errors);
  const brokenRules =
    use.target === 'request'
      ? []
      : rulesFor(use.operation.key, use.target, ['body'])
          .filter(
            (r) =>
              r.check({
                body: example,
                params: {},
                headers: new Headers(),
                requestUrl: new URL('http://x/'),
              }) !== undefined,
          )
          .map((r) => r.id);
  return { errors, brokenRules };
}

describe('the examples of api/examples/', specSuite(loaded), () => {
  it('are each used by the YAML, for the method and status their name says', () => {
    const used = new Set(spec.examples.map((e) => e.file));
    expect(spec.exampleFiles.filter((f) => !used.has(f))).toEqual([]);
    expect(spec.exampleFiles.length).toBeGreaterThan(25);
    for (const file of spec.exampleFiles) {
      const named = /-(get|put|post|delete)(?:-(\d{3}))?(?:-|\.json$)/.exec(file);
      if (!named) continue; // e.g. flow-segment-partial-failure.json names no method
      const method = named[1]!.toUpperCase();
      const status = named[2] === undefined ? 'request' : Number(named[2]);
      const uses = spec.examples.filter((e) => e.file === file);
      expect(
        uses.some((u) => u.operation.method === method && u.target === status),
        `${file} is used for ${uses.map(target).join('; ')}`,
      ).toBe(true);
    }
  });

  it('name only files that exist among the known defects', () => {
    for (const file of Object.keys(EXAMPLE_DEFECTS)) expect(spec.exampleFiles).toContain(file);
  });

  // Without the spec there are no examples to list: the two tests above report the file as skipped.
  const clean = (loaded?.examples ?? []).filter((e) => EXAMPLE_DEFECTS[e.file] === undefined);
  it.each(clean.map((use) => [use.file, target(use), use] as const))(
    '%s validates as %s',
    (_file, _target, use) => {
      expect(judge(use, read(use.file))).toEqual({ errors: [], brokenRules: [] });
    },
  );

  const broken = (loaded?.examples ?? []).filter((e) => EXAMPLE_DEFECTS[e.file] !== undefined);
  it.each(broken.map((use) => [use.file, target(use), use] as const))(
    '%s as %s: a known defect, asserted exactly as documented in spec-defects.ts',
    (file, _target, use) => {
      const defect = EXAMPLE_DEFECTS[file]!;
      const example = read(file);
      const { errors, brokenRules } = judge(use, example);
      const shows = defect.shows;
      switch (shows.by) {
        case 'spec-text':
          expect(errors, 'schema-valid: only the spec text rules it out').toEqual([]);
          expect(brokenRules).toEqual([shows.rule]);
          break;
        case 'schema': {
          expect(errors.some((e) => e.startsWith(`${shows.instancePath}:`))).toBe(true);
          // Repairing exactly the documented fault makes it valid: it fails for that reason alone.
          expect(judge(use, shows.repair(example as JsonObject))).toEqual({
            errors: [],
            brokenRules: [],
          });
          break;
        }
        case 'unverifiable':
          expect(judge(use, example)).toEqual({ errors: [], brokenRules: [] });
          break;
      }
    },
  );
});

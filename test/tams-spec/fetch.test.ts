import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { specForTests } from '../conformance/spec.js';
import { fetchSpec, SpecFetchError } from './fetch.js';
import { SPEC_COMMIT, SPEC_YAML } from './locate.js';
import { specSuite } from './suite.js';

/**
 * npm run spec:fetch against local git repositories standing in for the BBC's (no network here): it
 * refuses what is unreachable, a tag that names another commit, and a checkout that is not the 7.0
 * spec, and only then replaces the cached copy.
 */

const scratch = mkdtempSync(join(tmpdir(), 'tams-spec-fetch-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

const git = (cwd: string, ...args: string[]): string =>
  execFileSync('git', ['-c', 'user.name=test', '-c', 'user.email=test@example.invalid', ...args], {
    cwd,
    encoding: 'utf8',
    env: { ...process.env, GIT_CONFIG_NOSYSTEM: '1', GIT_CONFIG_GLOBAL: '/dev/null' },
  }).trim();

/** A git repository of `files` (a directory's, or name → content), tagged 7.0 as upstream does; its commit. */
function upstream(
  name: string,
  files: string | Record<string, string>,
): { repository: string; commit: string } {
  const repository = join(scratch, name);
  mkdirSync(repository);
  git(repository, 'init', '--quiet');
  if (typeof files === 'string') git(repository, `--work-tree=${files}`, 'add', '--all', '.');
  else {
    for (const [file, content] of Object.entries(files)) {
      mkdirSync(join(repository, file, '..'), { recursive: true });
      writeFileSync(join(repository, file), content);
    }
    git(repository, 'add', '--all', '.');
  }
  git(repository, 'commit', '--quiet', '-m', 'spec');
  git(repository, 'tag', '-a', '7.0', '-m', 'v.7.0');
  return { repository, commit: git(repository, 'rev-parse', 'HEAD') };
}

const NOT_A_SPEC = {
  [SPEC_YAML]: 'openapi: 3.1.0\ninfo: { title: x, version: "7.0" }\npaths: {}\n',
  'api/schemas/x.json': '{}',
  'api/examples/x.json': '{}',
};

describe('npm run spec:fetch', () => {
  it('says the repository is unreachable, and leaves nothing behind', () => {
    const target = join(scratch, 'unreachable', 'tams-7.0');
    const fetch = () =>
      fetchSpec({ repository: join(scratch, 'no-such-repo'), tag: '7.0', commit: SPEC_COMMIT, target });
    expect(fetch).toThrow(SpecFetchError);
    expect(fetch).toThrow(/^cannot fetch tag 7\.0 of .*no-such-repo: .*Is the network .* set TAMS_SPEC_DIR/);
    expect(existsSync(target)).toBe(false);
    expect(existsSync(`${target}.partial`)).toBe(false);
  });

  it('refuses a tag that names another commit than the pinned one', () => {
    const { repository, commit } = upstream('moved-tag', NOT_A_SPEC);
    const target = join(scratch, 'moved-tag-cache', 'tams-7.0');
    expect(() => fetchSpec({ repository, tag: '7.0', commit: SPEC_COMMIT, target })).toThrow(
      new RegExp(`tag 7\\.0 of .* names commit ${commit}, not the pinned ${SPEC_COMMIT}; refusing it`),
    );
    expect(existsSync(target)).toBe(false);
  });

  it('refuses a checkout the spec loader rejects, keeping the copy it had', () => {
    const { repository, commit } = upstream('not-a-spec', NOT_A_SPEC);
    const target = join(scratch, 'kept', 'tams-7.0');
    mkdirSync(target, { recursive: true });
    writeFileSync(join(target, 'previous'), 'kept');
    expect(() => fetchSpec({ repository, tag: '7.0', commit, target })).toThrow(
      /^commit [0-9a-f]{40} of .* is not the TAMS 7\.0 spec the tests expect: .* has 0 operations on 0 paths/,
    );
    expect(readFileSync(join(target, 'previous'), 'utf8')).toBe('kept');
  });

  const spec = specForTests();
  it(
    'checks out the pinned commit of the tag, verified, and leaves a good checkout alone',
    specSuite(spec),
    () => {
      const { repository, commit } = upstream('good', spec!.dir);
      const target = join(scratch, 'good-cache', 'tams-7.0');
      expect(fetchSpec({ repository, tag: '7.0', commit, target })).toEqual({
        fetched: true,
        operations: 74,
        paths: 25,
      });
      expect(git(target, 'rev-parse', 'HEAD')).toBe(commit);
      expect(fetchSpec({ repository, tag: '7.0', commit, target })).toMatchObject({ fetched: false });
      // A checkout edited since is replaced by a fresh one.
      writeFileSync(join(target, SPEC_YAML), 'edited');
      expect(fetchSpec({ repository, tag: '7.0', commit, target })).toMatchObject({ fetched: true });
      expect(git(target, 'status', '--porcelain')).toBe('');
    },
  );
});

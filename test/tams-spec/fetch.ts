/**
 * `npm run spec:fetch`: checks out the official TAMS 7.0 spec into .cache/tams-7.0 (gitignored), where
 * the tests that check against it find it (locate.ts). It is a shallow git checkout of the BBC's `tams`
 * repository at tag 7.0, refused unless the tag names the pinned commit, and kept only once the spec
 * loader accepts it (version 7.0, 74 operations on 25 paths, every schema compiling). An existing good
 * checkout is left alone. TAMS_SPEC_REPOSITORY names another git repository to fetch from (a mirror,
 * or a local path); the tag and commit stay pinned.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, renameSync, rmSync } from 'node:fs';
import { relative, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { loadSpec, SpecLoadError } from '../conformance/spec.js';
import { CACHED_SPEC_DIR, REPO_ROOT, SPEC_COMMIT, SPEC_REPOSITORY, SPEC_TAG } from './locate.js';

export class SpecFetchError extends Error {
  override name = 'SpecFetchError';
}

export interface FetchOptions {
  readonly repository: string;
  readonly tag: string;
  readonly commit: string;
  /** The checkout's directory; replaced only by a verified one. */
  readonly target: string;
}

export interface FetchResult {
  /** False when a verified checkout of the pinned commit was already there. */
  readonly fetched: boolean;
  readonly operations: number;
  readonly paths: number;
}

/** Git gets this long for the whole fetch; a network that drops packets fails instead of hanging. */
const GIT_TIMEOUT_MS = 300_000;

export function fetchSpec(options: FetchOptions): FetchResult {
  const { repository, tag, commit, target } = options;
  if (existsSync(target) && isPinnedCheckout(target, commit)) {
    const spec = verify(target, `the existing checkout ${target}`);
    return { fetched: false, operations: spec.operations.length, paths: spec.paths.size };
  }

  const staging = `${target}.partial`;
  rmSync(staging, { recursive: true, force: true });
  try {
    git(['init', '--quiet', staging], REPO_ROOT);
    const fetched = git(
      ['fetch', '--quiet', '--depth', '1', '--no-tags', repository, `+refs/tags/${tag}:refs/tags/${tag}`],
      staging,
      { allowFailure: true },
    );
    if (fetched.status !== 0)
      throw new SpecFetchError(
        `cannot fetch tag ${tag} of ${repository}: ${lastLines(fetched.stderr)}. ` +
          'Is the network (or that repository) reachable? Where it is not, copy the TAMS 7.0 spec from a ' +
          'machine that has it and set TAMS_SPEC_DIR to it instead.',
      );
    const tagged = git(['rev-parse', '--verify', `refs/tags/${tag}^{commit}`], staging).stdout.trim();
    if (tagged !== commit)
      throw new SpecFetchError(
        `tag ${tag} of ${repository} names commit ${tagged}, not the pinned ${commit}; refusing it. ` +
          'If the tag really moved, review the change and update SPEC_COMMIT in test/tams-spec/locate.ts.',
      );
    git(['-c', 'advice.detachedHead=false', 'checkout', '--quiet', '--detach', commit], staging);
    const spec = verify(staging, `commit ${commit} of ${repository}`);
    rmSync(target, { recursive: true, force: true });
    renameSync(staging, target);
    return { fetched: true, operations: spec.operations.length, paths: spec.paths.size };
  } finally {
    rmSync(staging, { recursive: true, force: true });
  }
}

/** A checkout whose HEAD is the pinned commit and whose files are unmodified. */
function isPinnedCheckout(dir: string, commit: string): boolean {
  const head = git(['rev-parse', '--verify', 'HEAD'], dir, { allowFailure: true });
  if (head.status !== 0 || head.stdout.trim() !== commit) return false;
  const status = git(['status', '--porcelain', '--untracked-files=no'], dir, { allowFailure: true });
  return status.status === 0 && status.stdout.trim() === '';
}

function verify(dir: string, what: string) {
  try {
    return loadSpec({ TAMS_SPEC_DIR: dir });
  } catch (error) {
    if (error instanceof SpecLoadError)
      throw new SpecFetchError(`${what} is not the TAMS 7.0 spec the tests expect: ${error.message}`);
    throw error;
  }
}

interface GitResult {
  readonly status: number;
  readonly stdout: string;
  readonly stderr: string;
}

function git(args: readonly string[], cwd: string, { allowFailure = false } = {}): GitResult {
  const run = spawnSync('git', args, {
    cwd,
    encoding: 'utf8',
    timeout: GIT_TIMEOUT_MS,
    // Never wait for a password or a host-key prompt; give up on a stalled transfer.
    env: {
      ...process.env,
      GIT_TERMINAL_PROMPT: '0',
      GIT_HTTP_LOW_SPEED_LIMIT: '1000',
      GIT_HTTP_LOW_SPEED_TIME: '60',
    },
  });
  if (run.error)
    throw new SpecFetchError(
      (run.error as NodeJS.ErrnoException).code === 'ENOENT'
        ? 'git is not installed; npm run spec:fetch needs it'
        : `git ${args[0]} failed: ${run.error.message}`,
    );
  const result = { status: run.status ?? 1, stdout: run.stdout, stderr: run.stderr };
  if (result.status !== 0 && !allowFailure)
    throw new SpecFetchError(`git ${args.join(' ')} failed: ${lastLines(result.stderr)}`);
  return result;
}

function lastLines(text: string): string {
  const lines = text.trim().split('\n').filter(Boolean);
  return lines.length === 0 ? 'no output' : lines.slice(-2).join(' / ');
}

function main(): number {
  const repository = process.env.TAMS_SPEC_REPOSITORY?.trim() || SPEC_REPOSITORY;
  const target = resolve(REPO_ROOT, CACHED_SPEC_DIR);
  const shown = relative(process.cwd(), target) || '.';
  try {
    const result = fetchSpec({ repository, tag: SPEC_TAG, commit: SPEC_COMMIT, target });
    console.log(
      `${result.fetched ? 'fetched' : 'already there:'} the TAMS ${SPEC_TAG} spec (${repository}, tag ${SPEC_TAG}, ` +
        `commit ${SPEC_COMMIT.slice(0, 12)}) in ${shown}: ${result.operations} operations on ${result.paths} paths. ` +
        'npm test now runs the tests that check against it (unless TAMS_SPEC_DIR or ../shared/tams-7.0 comes first).',
    );
    return 0;
  } catch (error) {
    console.error(`spec:fetch: ${error instanceof Error ? error.message : String(error)}`);
    return 1;
  }
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  process.exitCode = main();
}

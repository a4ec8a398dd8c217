import { statSync } from 'node:fs';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * Where the official TAMS 7.0 spec is. It is a third-party document (the BBC's `tams` repository) that
 * this repository never copies, so the tests that check against it look, in order, at:
 *
 * 1. `TAMS_SPEC_DIR` (relative paths resolve against the repository root), used as given: a missing
 *    or broken spec there fails those tests;
 * 2. `../shared/tams-7.0` beside the repository (the project workspace's copy);
 * 3. `.cache/tams-7.0`, the pinned checkout that `npm run spec:fetch` makes.
 *
 * When none is there they skip (see suite.ts), unless `TAMS_SPEC_REQUIRED=1`, which `.ci/run` sets so
 * CI never skips them silently.
 */

/** The repository root: two levels above test/tams-spec/. */
export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const SPEC_VERSION = '7.0';
export const SPEC_YAML = join('api', 'TimeAddressableMediaStore.yaml');
export const SHARED_SPEC_DIR = '../shared/tams-7.0';
export const CACHED_SPEC_DIR = '.cache/tams-7.0';

/** The repository `npm run spec:fetch` checks out, its tag, and the commit that tag must name. */
export const SPEC_REPOSITORY = 'https://github.com/bbc/tams.git';
export const SPEC_TAG = '7.0';
export const SPEC_COMMIT = 'b831a151564ecb6518f454933878895c62cff457';

/** How to get the spec, for messages. */
export const HOW_TO_GET_THE_SPEC =
  'run `npm run spec:fetch` (a pinned checkout of the BBC tams repository at tag 7.0, into .cache/tams-7.0) ' +
  'or set TAMS_SPEC_DIR to a directory holding the TAMS 7.0 spec';

export type SpecOrigin = 'TAMS_SPEC_DIR' | 'shared' | 'cache';

export type SpecLocation =
  | {
      readonly found: true;
      readonly dir: string;
      readonly origin: SpecOrigin;
      /** Where the directory came from and what to do about it, for error messages. */
      readonly how: string;
    }
  | {
      readonly found: false;
      /** TAMS_SPEC_REQUIRED=1: the tests fail instead of skipping. */
      readonly required: boolean;
      /** Why nothing was found, for messages: "TAMS_SPEC_DIR is unset, no ../shared/tams-7.0, ...". */
      readonly tried: string;
    };

/** Finds the spec directory; `root` is the repository root (tests pass a scratch one). */
export function locateSpec(env: NodeJS.ProcessEnv = process.env, root: string = REPO_ROOT): SpecLocation {
  const configured = env.TAMS_SPEC_DIR?.trim();
  if (configured)
    return {
      found: true,
      dir: isAbsolute(configured) ? configured : resolve(root, configured),
      origin: 'TAMS_SPEC_DIR',
      how:
        `TAMS_SPEC_DIR=${configured}; point it at the directory holding the TAMS 7.0 spec ` +
        '(relative paths resolve against the repository root)',
    };
  const shared = resolve(root, SHARED_SPEC_DIR);
  if (isDirectory(shared))
    return {
      found: true,
      dir: shared,
      origin: 'shared',
      how: `TAMS_SPEC_DIR is unset and ${SHARED_SPEC_DIR} exists beside the repository; repair it, or set TAMS_SPEC_DIR`,
    };
  const cached = resolve(root, CACHED_SPEC_DIR);
  if (isDirectory(cached))
    return {
      found: true,
      dir: cached,
      origin: 'cache',
      how: `TAMS_SPEC_DIR is unset and ${CACHED_SPEC_DIR} exists; run \`npm run spec:fetch\` to replace it`,
    };
  return {
    found: false,
    required: env.TAMS_SPEC_REQUIRED?.trim() === '1',
    tried: `TAMS_SPEC_DIR is unset, and neither ${SHARED_SPEC_DIR} nor ${CACHED_SPEC_DIR} exists`,
  };
}

/** The error message when the spec is absent but required. */
export function requiredButAbsent(location: { readonly tried: string }): string {
  return `TAMS_SPEC_REQUIRED=1 but the TAMS 7.0 spec is not there (${location.tried}); ${HOW_TO_GET_THE_SPEC}.`;
}

function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}

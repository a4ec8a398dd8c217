import { readFileSync } from 'node:fs';

/**
 * The README's walkthroughs as data: the test beside this file runs what README.md says, taken from its
 * text, so the instructions a new user follows cannot drift from what the store does.
 */
export const README = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');

/** The text under a `###` heading, up to the next heading of any level. */
export function section(title: string): string {
  const start = README.indexOf(`\n### ${title}\n`);
  if (start < 0) throw new Error(`README.md has no "### ${title}" section`);
  const rest = README.slice(start + title.length + 6);
  const end = rest.search(/\n#{2,3} /);
  return end < 0 ? rest : rest.slice(0, end);
}

/** The fenced code blocks of a section in the given language. */
export function codeBlocks(text: string, language: string): string[] {
  return [...text.matchAll(new RegExp('```' + language + '\\n([\\s\\S]*?)```', 'g'))].map((m) => m[1]!);
}

/** The JSON bodies of the `gql '...'` calls of a shell block, in order. */
export function gqlBodies(block: string): { query: string }[] {
  return [...block.matchAll(/^gql '(.*)'$/gm)].map((m) => JSON.parse(m[1]!) as { query: string });
}

/** A shell variable assigned in a block (`NAME=value`, up to whitespace). */
export function shellVariable(block: string, name: string): string {
  const m = new RegExp(`^${name}=(\\S+)`, 'm').exec(block);
  if (!m) throw new Error(`the README block assigns no ${name}`);
  return m[1]!;
}

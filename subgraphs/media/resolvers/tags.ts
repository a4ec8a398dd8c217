type TagMap = Readonly<Record<string, string>>;

/**
 * A tag map as the GraphQL list of tags, in name order (a stable order for clients and tests); null
 * when the map was never set (7.0 `tags` unset), `[]` when it is set and empty.
 */
export function tagList(tags: TagMap | null): { name: string; value: string }[] | null {
  if (tags === null) return null;
  return Object.keys(tags)
    .sort()
    .map((name) => ({ name, value: tags[name]! }));
}

/** One tag's value; own members only, so a tag named `constructor` is not Object's. */
export function tagValue(tags: TagMap | null, name: string): string | null {
  return tags !== null && Object.hasOwn(tags, name) ? tags[name]! : null;
}

/** A tag map as the GraphQL list of tags, in name order (a stable order for clients and tests). */
export function tagList(tags: Readonly<Record<string, string>>): { name: string; value: string }[] {
  return Object.keys(tags)
    .sort()
    .map((name) => ({ name, value: tags[name]! }));
}

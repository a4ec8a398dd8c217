/**
 * Collects what the sibling fields of one object ask for (GraphQL calls their resolvers in the same
 * tick) and computes each object's answer once with all of it, as DataLoader batches lookups. The
 * computation stays a function of (parent, the needs collected), so a cache can wrap it unchanged.
 */
export class TickBatcher<P, N, A> {
  private readonly pending = new Map<string, { needs: N[]; answer: Promise<A> }>();

  constructor(private readonly compute: (parent: P, needs: readonly N[]) => Promise<A>) {}

  load(parent: P, need: N): Promise<A> {
    const key = JSON.stringify(parent, (_, v: unknown) => (typeof v === 'bigint' ? `${v}n` : v));
    let entry = this.pending.get(key);
    if (!entry) {
      const needs: N[] = [];
      const answer = new Promise<void>((resolve) => process.nextTick(resolve)).then(() => {
        this.pending.delete(key);
        return this.compute(parent, needs);
      });
      entry = { needs, answer };
      this.pending.set(key, entry);
    }
    entry.needs.push(need);
    return entry.answer;
  }
}

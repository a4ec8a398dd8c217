import { coalesce, fill, formatBytes, formatCount, formatSeconds, h, shortFormat } from '../dom.js';
import { oneAtATime } from '../one-at-a-time.js';
import type { View, ViewContext } from '../view.js';
import { panel, stat } from '../view.js';
import type { FlowRow } from './flow-rows.js';
import { COLUMNS, FLOW_FIELDS, flowRow, refreshLags } from './flow-rows.js';

/** A source and its flows (paged), kept current by `storeEvents` filtered to the source. */

const SOURCE = `query($id: ID!, $after: String) {
  source(id: $id) {
    id label description format created
    stats { flowCount segmentCount totalDuration storageBytes }
    flows(limit: 100, after: $after) { nodes { ${FLOW_FIELDS} } pageInfo { endCursor hasNextPage } }
  }
}`;

const CHANGES = `subscription($id: ID!) { storeEvents(filter: { sourceIds: [$id] }) { type } }`;

interface Source {
  source: {
    id: string;
    label: string | null;
    description: string | null;
    format: string;
    created: string;
    stats: { flowCount: number; segmentCount: number; totalDuration: number; storageBytes: number };
    flows: { nodes: FlowRow[]; pageInfo: { endCursor: string | null; hasNextPage: boolean } };
  } | null;
}

export function sourcePage(ctx: ViewContext, id: string): View {
  const title = h('h1', {}, 'Source');
  const meta = h('dl', { class: 'meta' });
  const figures = {
    flows: h('span', {}, '…'),
    segments: h('span', {}, '…'),
    duration: h('span', {}, '…'),
    bytes: h('span', {}, '…'),
  };
  const body = h('tbody', { 'data-testid': 'flow-rows' });
  const more = h('p', { class: 'muted' });
  const el = h(
    'div',
    { class: 'view source' },
    title,
    meta,
    h(
      'div',
      { class: 'stats' },
      stat('Flows', figures.flows, 'source-flows'),
      stat('Segments', figures.segments, 'source-segments'),
      stat('Timeline extent', figures.duration, 'source-duration'),
      stat('Stored', figures.bytes, 'source-bytes'),
    ),
    panel(
      'Flows of this source',
      h(
        'div',
        { class: 'table-wrap' },
        h('table', {}, h('thead', {}, h('tr', {}, ...COLUMNS.map(([, t]) => h('th', {}, t)))), body),
      ),
      more,
    ),
  );
  let disposed = false;
  async function load(): Promise<void> {
    try {
      const data = await ctx.api.query<Source>(SOURCE, { id, after: null });
      if (disposed) return;
      const s = data.source;
      if (!s) {
        fill(title, 'Source not found');
        return;
      }
      document.title = `${s.label || s.id} · TAMS dashboard`;
      fill(
        title,
        s.label || 'Source without a label',
        ' ',
        h('small', { class: 'muted' }, shortFormat(s.format)),
      );
      const dd = (label: string, value: Node | string) => [h('dt', {}, label), h('dd', {}, value)];
      fill(
        meta,
        ...dd('id', h('code', {}, s.id)),
        ...dd('created', `${s.created.replace('T', ' ')}`),
        ...(s.description ? dd('description', s.description) : []),
      );
      figures.flows.textContent = formatCount(s.stats.flowCount);
      figures.segments.textContent = formatCount(s.stats.segmentCount);
      figures.duration.textContent = formatSeconds(s.stats.totalDuration);
      figures.bytes.textContent = formatBytes(s.stats.storageBytes);
      fill(body, ...s.flows.nodes.map(flowRow));
      more.textContent = s.flows.pageInfo.hasNextPage
        ? `Showing the first ${s.flows.nodes.length} flows.`
        : '';
    } catch (error) {
      if (!disposed) ctx.fail(error);
    }
  }
  const reload = coalesce(1000, oneAtATime(load));
  const unsubscribe = ctx.api.subscribe(
    CHANGES,
    { id },
    () => reload(),
    (error) => ctx.fail(error),
  );
  const clock = setInterval(() => refreshLags(body), 1000);
  void load();
  return {
    el,
    dispose() {
      disposed = true;
      reload.cancel();
      clearInterval(clock);
      unsubscribe();
    },
  };
}

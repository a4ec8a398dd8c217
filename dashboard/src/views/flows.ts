import { coalesce, fill, formatCount, h } from '../dom.js';
import { oneAtATime } from '../one-at-a-time.js';
import type { View, ViewContext } from '../view.js';
import type { FlowRow, SortKey } from './flow-rows.js';
import { COLUMNS, compareRate, FLOW_FIELDS, flowRow, refreshLags, SERVER_SORT } from './flow-rows.js';

/**
 * Every flow, a page at a time through the API's keyset paging (`flows(filter, sort, limit, after)`),
 * so a store of 100k flows lists as fast as one of ten. Filters are the API's (exact label, format,
 * codec). Label, format, codec, segment count, last segment and lag sort in the API (the whole listing,
 * paged in that order; the database keeps the segment totals with the segments); the ingest rate, a
 * figure of a moving window, has no index to page by and orders the page shown. The
 * page is kept live: `storeEvents` tells which flows changed, and the page is read again (at most twice
 * a second) when one of them is on it or flows came or went.
 */

const PAGE = 50;

const LIST = `query($filter: FlowFilter, $sort: FlowSort, $limit: Int, $after: String) {
  flows(filter: $filter, sort: $sort, limit: $limit, after: $after) {
    nodes { ${FLOW_FIELDS} }
    pageInfo { endCursor hasNextPage }
  }
}`;

const CHANGES = `subscription {
  storeEvents(filter: { types: [FLOW_CREATED, FLOW_UPDATED, FLOW_DELETED, FLOW_SEGMENTS_ADDED, FLOW_SEGMENTS_DELETED] }) {
    type flowId
  }
}`;

const TOTAL = `subscription { storeTotals(interval: 1, heartbeat: 30) { totals { flows } } }`;

const FORMATS = ['', 'VIDEO', 'AUDIO', 'DATA', 'IMAGE', 'MULTI'];

export function flows(ctx: ViewContext, params: URLSearchParams): View {
  const filter = {
    label: params.get('label') ?? '',
    format: params.get('format') ?? '',
    codec: params.get('codec') ?? '',
  };
  let sort: SortKey = (params.get('sort') as SortKey | null) ?? 'label';
  if (!COLUMNS.some(([key]) => key === sort)) sort = 'label';
  let descending = params.get('desc') === '1';
  /** The order the API pages in: the last server-sortable column chosen (label until one is). */
  let serverSort: keyof typeof SERVER_SORT =
    sort in SERVER_SORT ? (sort as keyof typeof SERVER_SORT) : 'label';
  let serverDescending = sort in SERVER_SORT && descending;
  /** Cursors of the pages before this one (keyset paging goes forward; back is a stack). */
  const cursors: (string | null)[] = [];
  let after: string | null = null;
  let rows: FlowRow[] = [];
  let nextCursor: string | null = null;

  const body = h('tbody', { 'data-testid': 'flow-rows' });
  const status = h('p', { class: 'muted', role: 'status' }, 'Loading…');
  const total = h('span', { 'data-testid': 'flow-total' }, '…');
  const prev = h(
    'button',
    { type: 'button', disabled: true, onclick: () => void page(cursors.pop() ?? null) },
    '← Previous',
  );
  const next = h(
    'button',
    {
      type: 'button',
      disabled: true,
      onclick: () => {
        cursors.push(after);
        void page(nextCursor);
      },
    },
    'Next →',
  );
  const headings = COLUMNS.map(([key, title]) => {
    const button = h('button', { type: 'button', class: 'sort', onclick: () => sortBy(key) }, title);
    return h(
      'th',
      { class: ['segments', 'rate', 'lag'].includes(key) ? 'num' : '', 'data-key': key },
      button,
    );
  });
  const input = (name: keyof typeof filter, label: string, placeholder: string) =>
    h('label', {}, label, h('input', { name, value: filter[name], placeholder, autocomplete: 'off' }));
  const formatSelect = h(
    'select',
    { name: 'format' },
    ...FORMATS.map((f) =>
      h('option', { value: f, selected: f === filter.format }, f ? f.toLowerCase() : 'any'),
    ),
  );
  const form = h(
    'form',
    {
      class: 'filters',
      onsubmit: (event: Event) => {
        event.preventDefault();
        const data = new FormData(form);
        const query = new URLSearchParams();
        for (const key of ['label', 'format', 'codec'] as const) {
          const raw = data.get(key);
          const value = typeof raw === 'string' ? raw.trim() : '';
          if (value) query.set(key, value);
        }
        location.hash = `#/flows${query.size ? `?${query}` : ''}`;
      },
    },
    input('label', 'Label', 'exact label'),
    h('label', {}, 'Format', formatSelect),
    input('codec', 'Codec', 'e.g. video/h264'),
    h('button', { type: 'submit' }, 'Filter'),
  );
  const el = h(
    'div',
    { class: 'view flows' },
    h('h1', {}, 'Flows ', h('small', { class: 'muted' }, total, ' in the store')),
    form,
    h(
      'div',
      { class: 'table-wrap' },
      h('table', { class: 'flow-table' }, h('thead', {}, h('tr', {}, ...headings)), body),
    ),
    h('div', { class: 'pager' }, prev, status, next),
  );

  const variables = () => ({
    filter: {
      ...(filter.label ? { label: filter.label } : {}),
      ...(filter.format ? { format: filter.format } : {}),
      ...(filter.codec ? { codec: filter.codec } : {}),
    },
    sort: {
      field: SERVER_SORT[serverSort].field,
      direction: serverDescending !== SERVER_SORT[serverSort].reverse ? 'DESC' : 'ASC',
    },
    limit: PAGE,
    after,
  });

  let disposed = false;
  let generation = 0;
  async function page(cursor: string | null): Promise<void> {
    after = cursor;
    const mine = ++generation;
    try {
      const data = await ctx.api.query<{
        flows: { nodes: FlowRow[]; pageInfo: { endCursor: string | null; hasNextPage: boolean } };
      }>(LIST, variables());
      if (disposed || mine !== generation) return;
      rows = data.flows.nodes;
      nextCursor = data.flows.pageInfo.hasNextPage ? data.flows.pageInfo.endCursor : null;
      render();
    } catch (error) {
      if (!disposed) ctx.fail(error);
    }
  }

  function render(): void {
    // Rows come in the API's order; the rate orders them on this page only.
    const sorted = sort in SERVER_SORT ? rows : [...rows].sort(compareRate);
    if (descending && !(sort in SERVER_SORT)) sorted.reverse();
    fill(body, ...sorted.map(flowRow));
    for (const th of headings) {
      const key = th.dataset.key;
      th.setAttribute('aria-sort', key === sort ? (descending ? 'descending' : 'ascending') : 'none');
    }
    const first = cursors.length * PAGE;
    status.textContent = rows.length
      ? `Flows ${formatCount(first + 1)}–${formatCount(first + rows.length)}${nextCursor ? '' : ' (last page)'}` +
        (sort in SERVER_SORT ? '' : ', this page ordered by the ingest rate')
      : cursors.length
        ? 'No more flows.'
        : 'No flows match.';
    prev.disabled = cursors.length === 0;
    next.disabled = nextCursor === null;
  }

  function sortBy(key: SortKey): void {
    descending = key === sort ? !descending : false;
    sort = key;
    if (key in SERVER_SORT) {
      // A new order starts the listing over: cursors belong to the order they were made in.
      serverSort = key as keyof typeof SERVER_SORT;
      serverDescending = descending;
      cursors.length = 0;
      void page(null);
    } else render();
  }

  // Live re-reads: at most twice a second, one at a time (one-at-a-time.ts); a user's paging or sorting
  // starts its read at once and supersedes them.
  const reload = coalesce(
    500,
    oneAtATime(() => page(after)),
  );
  const unsubscribeChanges = ctx.api.subscribe<{ storeEvents: { type: string; flowId: string | null } }>(
    CHANGES,
    {},
    ({ storeEvents: e }) => {
      // Flows that come or go can shift any page; other changes matter only to flows shown.
      if (e.type === 'FLOW_CREATED' || e.type === 'FLOW_DELETED' || rows.some((r) => r.id === e.flowId))
        reload();
    },
    (error) => ctx.fail(error),
  );
  const unsubscribeTotal = ctx.api.subscribe<{ storeTotals: { totals: { flows: number } } }>(
    TOTAL,
    {},
    ({ storeTotals }) => (total.textContent = formatCount(storeTotals.totals.flows)),
    (error) => ctx.fail(error),
  );
  const clock = setInterval(() => refreshLags(body), 1000);
  void page(null);

  return {
    el,
    dispose() {
      disposed = true;
      reload.cancel();
      clearInterval(clock);
      unsubscribeChanges();
      unsubscribeTotal();
    },
  };
}

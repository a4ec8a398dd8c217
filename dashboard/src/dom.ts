/** A few DOM helpers: the dashboard builds its elements in code, never from HTML strings (no injection). */

type Child = Node | string | number | null | undefined | false;
type Attrs = Record<string, string | number | boolean | null | undefined | ((event: Event) => void)>;

/** `h('a', { href: '#/flows', class: 'nav' }, 'Flows')`; `on…` attributes become listeners. */
export function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attrs: Attrs = {},
  ...children: Child[]
): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (value === null || value === undefined || value === false) continue;
    if (typeof value === 'function') el.addEventListener(name.slice(2).toLowerCase(), value);
    else if (value === true) el.setAttribute(name, '');
    else el.setAttribute(name, String(value));
  }
  append(el, children);
  return el;
}

export function append(parent: Node, children: Child[]): void {
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    parent.appendChild(typeof child === 'object' ? child : document.createTextNode(String(child)));
  }
}

/** Replaces the element's children. */
export function fill(el: Element, ...children: Child[]): void {
  el.replaceChildren();
  append(el, children);
}

/** Runs `task` at most once per `ms`, the last call winning; for refetches driven by bursts of events. */
export function coalesce(ms: number, task: () => void): { (): void; cancel(): void } {
  let timer: ReturnType<typeof setTimeout> | undefined;
  let last = 0;
  const run = () => {
    timer = undefined;
    last = Date.now();
    task();
  };
  const schedule = () => {
    if (timer !== undefined) return;
    timer = setTimeout(run, Math.max(0, last + ms - Date.now()));
  };
  schedule.cancel = () => {
    if (timer !== undefined) clearTimeout(timer);
    timer = undefined;
  };
  return schedule;
}

export const formatCount = (n: number | string): string => Number(n).toLocaleString('en-GB');

export function formatBytes(n: number | string): string {
  let value = Number(n);
  const units = ['B', 'KB', 'MB', 'GB', 'TB', 'PB'];
  let unit = 0;
  while (value >= 1000 && unit < units.length - 1) {
    value /= 1000;
    unit++;
  }
  return `${unit === 0 ? value : value.toFixed(value < 10 ? 2 : 1)} ${units[unit]}`;
}

export function formatSeconds(s: number | null | undefined): string {
  if (s === null || s === undefined) return '—';
  const abs = Math.abs(s);
  if (abs < 1) return `${(s * 1000).toFixed(0)} ms`;
  if (abs < 120) return `${s.toFixed(abs < 10 ? 2 : 1)} s`;
  if (abs < 7200) return `${(s / 60).toFixed(1)} min`;
  if (abs < 172_800) return `${(s / 3600).toFixed(1)} h`;
  return `${(s / 86_400).toFixed(1)} d`;
}

export const formatRate = (perSecond: number): string =>
  perSecond >= 1 ? `${perSecond.toFixed(1)}/s` : `${(perSecond * 60).toFixed(1)}/min`;

/** The format URN's last part (`urn:x-nmos:format:video` → video). */
export const shortFormat = (urn: string | null | undefined): string =>
  urn ? (urn.split(':').pop() ?? urn).toLowerCase() : '—';

import type { Api } from './api.js';
import { h } from './dom.js';

/** What a view gets: the API, and where to report a failure it cannot show itself. */
export interface ViewContext {
  readonly api: Api;
  /** A failed load: AuthError signs out with the message; other errors show in the view's banner. */
  fail(error: unknown): void;
}

/** A mounted view; `dispose` ends its subscriptions, timers and charts. */
export interface View {
  readonly el: HTMLElement;
  dispose(): void;
}

/** A panel with a heading (an `h2`, so the page reads well to screen readers and keyboard users). */
export function panel(title: string, ...body: (Node | string)[]): HTMLElement {
  return h('section', { class: 'panel' }, h('h2', {}, title), ...body);
}

/** One figure of a row of big numbers. */
export function stat(label: string, value: HTMLElement, testId: string): HTMLElement {
  return h(
    'div',
    { class: 'stat' },
    h('div', { class: 'stat-label' }, label),
    h('div', { class: 'stat-value', 'data-testid': testId }, value),
  );
}

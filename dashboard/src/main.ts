import './style.css';
import type { LinkStatus } from './api.js';
import { Api, AuthError } from './api.js';
import { forgetToken, storedToken, storeToken, takeKioskToken } from './auth.js';
import { fill, h } from './dom.js';
import type { View, ViewContext } from './view.js';
import { flowPage } from './views/flow.js';
import { flows } from './views/flows.js';
import { overview } from './views/overview.js';
import { sourcePage } from './views/source.js';

/**
 * The dashboard: sign-in, the shell (navigation, live-connection status, sign-out) and hash routing
 * (`#/`, `#/flows`, `#/flows/ID`, `#/sources/ID`), so every view has a link a wall screen can open.
 */

const root = document.getElementById('app')!;
let api: Api | undefined;
let view: View | undefined;

const STATUS_TEXT: Record<LinkStatus, string> = {
  connecting: 'Connecting…',
  live: 'Live',
  reconnecting: 'Reconnecting…',
  refused: 'Refused',
};

function signInForm(message?: string): void {
  teardown();
  document.title = 'Sign in · TAMS dashboard';
  const token = h('input', {
    id: 'token',
    name: 'token',
    type: 'password',
    autocomplete: 'off',
    required: true,
    spellcheck: 'false',
  });
  const error = h(
    'p',
    { class: 'error', role: 'alert', 'data-testid': 'sign-in-error', hidden: !message },
    message ?? '',
  );
  const form = h(
    'form',
    {
      class: 'sign-in',
      onsubmit: (event: Event) => {
        event.preventDefault();
        void signIn(token.value.trim(), error);
      },
    },
    h('h1', {}, 'TAMS dashboard'),
    h(
      'p',
      { class: 'muted' },
      'Sign in with an API token or JWT with the read scope (',
      h('code', {}, 'tams token create --scopes read'),
      ').',
    ),
    h('label', { for: 'token' }, 'Token'),
    token,
    error,
    h('button', { type: 'submit' }, 'Sign in'),
  );
  fill(root, h('main', { class: 'centre' }, form));
  token.focus();
}

function refusal(error: AuthError): string {
  return error.status === 401
    ? `The gateway refused this token (401): ${error.message}. Check it, or create one with \`tams token create\`.`
    : `This token may not read the store (403): ${error.message}. The dashboard needs the read scope.`;
}

async function signIn(token: string, errorEl?: HTMLElement): Promise<void> {
  if (!token) return;
  teardown();
  const candidate = new Api(token, {
    status: (status, detail) => showStatus(status, detail),
    refused: (error) => {
      forgetToken();
      signInForm(refusal(error));
    },
  });
  try {
    const { service } = await candidate.query<{ service: { name: string | null; apiVersion: string } }>(
      '{ service { name apiVersion } }',
    );
    storeToken(token);
    api = candidate;
    shell(service.name || 'TAMS store', service.apiVersion);
  } catch (error) {
    candidate.dispose();
    const message =
      error instanceof AuthError ? refusal(error) : `Cannot sign in: ${(error as Error).message}`;
    if (error instanceof AuthError) forgetToken();
    if (errorEl) {
      errorEl.hidden = false;
      errorEl.textContent = message;
    } else signInForm(message);
  }
}

let statusEl: HTMLElement | undefined;
let bannerEl: HTMLElement | undefined;
let main: HTMLElement | undefined;

function showStatus(status: LinkStatus, detail?: string): void {
  if (!statusEl || !bannerEl) return;
  statusEl.textContent = STATUS_TEXT[status];
  statusEl.className = `status ${status}`;
  statusEl.title = detail ?? '';
  if (status === 'reconnecting') {
    bannerEl.hidden = false;
    bannerEl.textContent = `${detail ? `${detail[0]!.toUpperCase()}${detail.slice(1)}` : 'The live connection dropped'}: reconnecting. Figures on screen may be stale until it is back.`;
  } else if (status === 'live') bannerEl.hidden = true;
}

function shell(name: string, apiVersion: string): void {
  statusEl = h(
    'span',
    { class: 'status connecting', role: 'status', 'aria-live': 'polite', 'data-testid': 'link-status' },
    STATUS_TEXT.connecting,
  );
  bannerEl = h('div', { class: 'banner', role: 'alert', hidden: true, 'data-testid': 'banner' });
  main = h('main', { id: 'main', tabindex: '-1' });
  const signOut = h(
    'button',
    {
      type: 'button',
      class: 'link',
      onclick: () => {
        forgetToken();
        signInForm();
      },
    },
    'Sign out',
  );
  fill(
    root,
    h(
      'a',
      {
        class: 'skip',
        href: '#main',
        onclick: (e: Event) => {
          e.preventDefault();
          main?.focus();
        },
      },
      'Skip to content',
    ),
    h(
      'header',
      { class: 'top' },
      h('a', { class: 'brand', href: '#/' }, name),
      h(
        'nav',
        { 'aria-label': 'Views' },
        h('a', { href: '#/', 'data-nav': 'overview' }, 'Overview'),
        h('a', { href: '#/flows', 'data-nav': 'flows' }, 'Flows'),
      ),
      h('span', { class: 'spacer' }),
      h('span', { class: 'muted api' }, `TAMS ${apiVersion}`),
      statusEl,
      signOut,
    ),
    bannerEl,
    main,
  );
  route();
}

function teardown(): void {
  view?.dispose();
  view = undefined;
  api?.dispose();
  api = undefined;
  statusEl = bannerEl = main = undefined;
}

function route(): void {
  if (!api || !main) return;
  view?.dispose();
  const [path = '/', query = ''] = location.hash.replace(/^#/, '').split('?');
  const params = new URLSearchParams(query);
  const errorBox = h('p', { class: 'error', role: 'alert', hidden: true });
  const ctx: ViewContext = {
    api,
    fail(error) {
      if (error instanceof AuthError) {
        forgetToken();
        signInForm(refusal(error));
        return;
      }
      console.warn('dashboard view failed', error);
      errorBox.hidden = false;
      errorBox.textContent = `Could not load: ${(error as Error).message ?? String(error)}`;
    },
  };
  const flow = /^\/flows\/([^/]+)$/.exec(path);
  const source = /^\/sources\/([^/]+)$/.exec(path);
  view = flow
    ? flowPage(ctx, decodeURIComponent(flow[1]!))
    : source
      ? sourcePage(ctx, decodeURIComponent(source[1]!))
      : path === '/flows'
        ? flows(ctx, params)
        : overview(ctx);
  const section = flow || path === '/flows' ? 'flows' : source ? '' : 'overview';
  for (const link of document.querySelectorAll<HTMLElement>('nav a')) {
    if (link.dataset.nav === section) link.setAttribute('aria-current', 'page');
    else link.removeAttribute('aria-current');
  }
  if (!flow && !source) document.title = `${section === 'flows' ? 'Flows' : 'Overview'} · TAMS dashboard`;
  fill(main, errorBox, view.el);
}

window.addEventListener('hashchange', () => {
  const kiosk = takeKioskToken();
  if (kiosk) void signIn(kiosk);
  else route();
});

const kiosk = takeKioskToken();
const token = kiosk ?? storedToken();
if (token) void signIn(token);
else signInForm();

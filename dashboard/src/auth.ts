/**
 * The signed-in token, kept in sessionStorage: it survives reloads of the tab, not the tab itself. A
 * kiosk link `/dashboard#token=...` signs in from the fragment (a fragment never reaches the server or
 * its logs) and the fragment is then removed from the address bar and the history.
 */

const KEY = 'tams-dashboard-token';

export function storedToken(): string | null {
  return sessionStorage.getItem(KEY);
}

export function storeToken(token: string): void {
  sessionStorage.setItem(KEY, token);
}

export function forgetToken(): void {
  sessionStorage.removeItem(KEY);
}

/** Takes `token=...` out of the fragment (keeping a route given after it: `#token=T&view=/flows`). */
export function takeKioskToken(): string | null {
  const hash = location.hash.replace(/^#/, '');
  if (!hash.startsWith('token=')) return null;
  const params = new URLSearchParams(hash);
  const token = params.get('token');
  const view = params.get('view') ?? '/';
  history.replaceState(null, '', `${location.pathname}${location.search}#${view}`);
  return token && token.trim() ? token.trim() : null;
}

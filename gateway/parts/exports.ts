import type { Config, Role } from '../../lib/config/config.js';
import { exportRoute } from '../export/export-route.js';
import { localExportSources, remoteExportSources } from '../export/export-sources.js';
import type { Route } from '../http/server.js';
import type { Logger } from '../logger.js';
import type { Authentication } from './authentication.js';
import type { Subgraphs } from './subgraphs.js';

/**
 * The Arrow exports (`/export/*`) of this role: served from the subgraphs in process (embedded; the media
 * and analytics roles, for the gateway's internal token only, as their /graphql), or proxied to them
 * (the gateway role of distributed mode).
 */
export function exportRoutes(input: {
  readonly config: Config;
  readonly role: Role;
  readonly subgraphs: Subgraphs;
  readonly auth: Authentication;
  readonly log: Logger;
}): Route {
  const { config, role, subgraphs, auth } = input;
  const sources =
    role === 'gateway'
      ? remoteExportSources(
          { media: config.subgraphs.mediaUrl!, analytics: config.subgraphs.analyticsUrl! },
          auth.internal,
          config.subgraphs.timeoutMs,
        )
      : localExportSources(subgraphs);
  return exportRoute({
    authenticator: auth.authenticator,
    sources,
    log: input.log.child({ component: 'export' }),
  });
}

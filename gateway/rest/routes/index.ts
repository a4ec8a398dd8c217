import type { RouteDefinition } from '../router.js';
import { analyticsExtensionRoutes } from './analytics.js';
import { flowRoutes } from './flows.js';
import { segmentRoutes } from './segments.js';
import { serviceRoutes } from './service.js';
import { sourceRoutes } from './sources.js';
import { storageAndObjectRoutes } from './storage-and-objects.js';
import { webhookRoutes } from './webhooks.js';

/** Every route of the TAMS 7.0 REST API this shim serves: the router's table, and the tests' list. */
export const REST_ROUTES: readonly RouteDefinition[] = [
  ...serviceRoutes,
  ...webhookRoutes,
  ...sourceRoutes,
  ...flowRoutes,
  ...segmentRoutes,
  ...storageAndObjectRoutes,
];

/** Routes beyond TAMS 7.0 (the analytics paths legacy tools use), outside the 7.0 conformance checks. */
export const EXTENSION_ROUTES: readonly RouteDefinition[] = [...analyticsExtensionRoutes];

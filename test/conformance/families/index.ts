import type { ConformanceFamily } from '../family.js';
import { deletionFamily } from './deletion.js';
import { flowPropertiesFamily } from './flow-properties.js';
import { flowsFamily } from './flows.js';
import { rootFamily } from './root.js';
import { segmentsFamily } from './segments.js';
import { serviceFamily } from './service.js';
import { sourcesFamily } from './sources.js';
import { storageAndObjectsFamily } from './storage-and-objects.js';
import { webhooksFamily } from './webhooks.js';

/** Every route family of the run, in the order they execute. Add new families here. */
export const FAMILIES: readonly ConformanceFamily[] = [
  rootFamily,
  serviceFamily,
  webhooksFamily,
  sourcesFamily,
  flowsFamily,
  flowPropertiesFamily,
  segmentsFamily,
  storageAndObjectsFamily,
  deletionFamily,
];

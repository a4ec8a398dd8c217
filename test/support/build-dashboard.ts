import { buildDashboard } from '../../dashboard/build.js';

/** vitest globalSetup: builds the dashboard's assets (dist/dashboard) that the gateway serves. */
export default async function setup(): Promise<void> {
  await buildDashboard();
}

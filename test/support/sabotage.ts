import { join } from 'node:path';
import Database from 'better-sqlite3';

/**
 * Drops the webhooks table under a running embedded store in `dataDir`: a failure no input can cause, so
 * what the store does with a real internal error can be observed (`{ webhooks }`, `/service/webhooks`).
 */
export function dropWebhooksTable(dataDir: string): void {
  const db = new Database(join(dataDir, 'tams.sqlite3'));
  try {
    db.exec('DROP TABLE webhooks');
  } finally {
    db.close();
  }
}

import type { MediaSubgraph } from '../../subgraphs/media/index.js';
import type { Part } from './part.js';

/**
 * The media subgraph's background work: webhook delivery and the deletion worker. They start with the
 * subgraph (which advertises webhooks only where they are delivered from) and keep running while the
 * HTTP server drains, for the writes still being answered; they are the first to stop after it: attempts
 * in flight are aborted (their events stay in the outbox and are delivered again, at least once), and
 * the deletion worker finishes its current batch (its progress is in the database).
 */
export function backgroundWorkers(media: MediaSubgraph | undefined): Part {
  return {
    name: 'background workers',
    async stop() {
      await media?.webhooks.stop();
      await media?.worker.stop();
    },
  };
}

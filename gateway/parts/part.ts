import type { Logger } from '../logger.js';

/** A started part of a running service; `stop` undoes what starting it did. */
export interface Part {
  readonly name: string;
  stop(): Promise<void>;
}

/**
 * The parts a service started, in start order. `stopAll` stops them in reverse (a part stops before
 * those it was built on: the database last), each once, going on past a part that fails to stop.
 */
export class Parts {
  private readonly started: Part[] = [];

  constructor(private readonly log: Logger) {}

  add<P extends Part>(part: P): P {
    this.started.push(part);
    return part;
  }

  async stopAll(): Promise<void> {
    for (let part = this.started.pop(); part; part = this.started.pop())
      await part
        .stop()
        .catch((err: unknown) => this.log.error({ err, part: part?.name }, 'shutdown step failed'));
  }
}

export const stopsWithNothing = (): Promise<void> => Promise.resolve();

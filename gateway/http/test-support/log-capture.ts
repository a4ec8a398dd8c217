import type { Logger } from '../../logger.js';
import { createLogger } from '../../logger.js';

export type LogLine = Record<string, unknown> & { level: number; msg: string };

/** The process logger (pino, redaction and all) writing into memory, for tests that read the log. */
export function captureLog(level = 'debug'): {
  log: Logger;
  lines: LogLine[];
  /** Resolves with the first line (already written or yet to come) that matches. */
  waitFor(match: (line: LogLine) => boolean): Promise<LogLine>;
} {
  const lines: LogLine[] = [];
  const waiters: { match: (line: LogLine) => boolean; resolve: (line: LogLine) => void }[] = [];
  const log = createLogger(level, {
    write(text: string) {
      const line = JSON.parse(text) as LogLine;
      lines.push(line);
      for (const w of [...waiters])
        if (w.match(line)) {
          waiters.splice(waiters.indexOf(w), 1);
          w.resolve(line);
        }
    },
  });
  return {
    log,
    lines,
    waitFor(match) {
      const found = lines.find(match);
      if (found) return Promise.resolve(found);
      return new Promise((resolve) => waiters.push({ match, resolve }));
    },
  };
}

/** pino's numeric levels. */
export const LEVEL = { debug: 20, info: 30, warn: 40, error: 50 } as const;

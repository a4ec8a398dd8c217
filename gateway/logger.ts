import { pino } from 'pino';
import type { Logger } from 'pino';

export type { Logger } from 'pino';

/**
 * Structured JSON logs (pino). Anything that could carry a secret is redacted wherever it appears, and
 * request logs carry the path only, never the query string (it may hold an access_token).
 */
export function createLogger(level: string, destination?: pino.DestinationStream): Logger {
  return pino(
    {
      level,
      base: { service: 'tams' },
      redact: {
        paths: [
          '*.authorization',
          '*.Authorization',
          '*.cookie',
          '*.password',
          '*.token',
          '*.accessToken',
          '*.access_token',
          '*.apiKeyValue',
          '*.api_key_value',
          '*.secret',
        ],
        censor: '[redacted]',
      },
      timestamp: pino.stdTimeFunctions.isoTime,
    },
    destination,
  );
}

import pino, { type DestinationStream, type Logger, type LevelWithSilent } from 'pino';

export type { Logger };

export function createLogger(name: string, level: LevelWithSilent = 'info', destination?: DestinationStream): Logger {
  return pino(
    {
      name,
      level,
      // the admin token travels in Authorization; it must never reach a log line
      redact: { paths: ['req.headers.authorization', 'req.headers.cookie'], censor: '[redacted]' },
    },
    destination,
  );
}

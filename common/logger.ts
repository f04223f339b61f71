// pino loggers for the daemons: JSON lines to stderr (journald keeps them), level from HAWATCH_LOG_LEVEL.
import { pino, type Logger } from 'pino';

export const createLogger = (name: string, level = process.env['HAWATCH_LOG_LEVEL'] ?? 'info'): Logger =>
  pino({ name, level, base: { name } }, pino.destination({ fd: 2, sync: false }));

export type { Logger };

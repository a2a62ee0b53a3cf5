export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

/** Writes one JSON line per entry to standard error (the platform collects it as the app's log). */
export interface Logger {
  debug(message: string, fields?: Record<string, unknown>): void;
  info(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
  error(message: string, fields?: Record<string, unknown>): void;
  /** A logger that adds `fields` to every entry. */
  child(fields: Record<string, unknown>): Logger;
}

const ORDER: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };

export interface LoggerOptions {
  level?: LogLevel;
  /** Where lines go (standard error by default). */
  write?: (line: string) => void;
}

export function createLogger(options: LoggerOptions = {}, base: Record<string, unknown> = {}): Logger {
  const envLevel = (process.env.MARINA_LOG_LEVEL ?? process.env.LOG_LEVEL ?? '').toLowerCase() as LogLevel;
  const level: LogLevel = options.level ?? (envLevel in ORDER ? envLevel : 'info');
  const write = options.write ?? ((line: string) => process.stderr.write(line + '\n'));
  const log = (l: LogLevel, message: string, fields?: Record<string, unknown>) => {
    if (ORDER[l] < ORDER[level]) return;
    const entry: Record<string, unknown> = { time: new Date().toISOString(), level: l, msg: message, ...base, ...(fields ?? {}) };
    let line: string;
    try {
      line = JSON.stringify(entry);
    } catch {
      line = JSON.stringify({ time: entry.time, level: l, msg: message });
    }
    write(line);
  };
  return {
    debug: (m, f) => log('debug', m, f),
    info: (m, f) => log('info', m, f),
    warn: (m, f) => log('warn', m, f),
    error: (m, f) => log('error', m, f),
    child: (fields) => createLogger({ level, write }, { ...base, ...fields }),
  };
}

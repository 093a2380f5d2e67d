// The line every command starts with: which servers and databases it works on (never a password).
import { serverOf } from '@conv/core';
import type { Config } from './config.js';

export function whereLine(command: string, config: Config, dir?: string): string {
  const mysql = `MySQL ${serverOf(config.mysqlUrl)}/${config.mysqlDatabase}`;
  const pg = `PostgreSQL ${serverOf(config.pgUrl)}/${config.pgDatabase} (schema ${config.pgSchema})`;
  const prefix = `${config.app} ${command}:`;
  switch (command) {
    case 'log':
      return `${prefix} audit log ${config.auditLogFile}`;
    case 'show':
      return `${prefix} export directory ${dir}`;
    case 'import':
      return `${prefix} ${dir} → ${pg}`;
    case 'export':
      return `${prefix} ${mysql} → ${config.exportBaseDir}`;
    default:
      return `${prefix} ${mysql} → ${pg}`;
  }
}

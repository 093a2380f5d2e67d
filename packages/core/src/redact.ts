/**
 * Remove credentials from a connection URL or from any text that may contain one.
 * Passwords never appear in logs, manifests, reports or error messages.
 */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    for (const key of [...u.searchParams.keys()]) {
      if (/pass|secret|token/i.test(key)) u.searchParams.set(key, '***');
    }
    return u.toString();
  } catch {
    return redactText(url);
  }
}

/** `host:port` of a URL, for manifests and reports. */
export function serverOf(url: string): string {
  try {
    const u = new URL(url);
    return `${u.hostname}:${u.port || (u.protocol.startsWith('postgres') ? '5432' : '3306')}`;
  } catch {
    return 'unknown';
  }
}

const URL_CREDENTIALS = /([a-z][a-z0-9+.-]*:\/\/[^:/?#@\s]*:)([^@\s]*)@/gi;

/** `PASSWORD=…`, `password: …`, `"password":"…"`, `?password=…`: the value stands as a password. */
const PASSWORD_PAIRS =
  /\b([a-z0-9_]*(?:pass(?:word)?|passwd|pwd|secret|token)"?\s*[=:]\s*)("[^"]*"|'[^']*'|[^\s,;&"'}]+)/gi;

export interface RedactOptions {
  /**
   * Ordinary names (users, databases, hosts) that a secret may happen to equal (`POSTGRES_PASSWORD=postgres`
   * with the role `postgres`). Such a secret is masked only where it stands as a password — in URLs and
   * `password=` pairs — so the role or database name stays readable; other secrets are masked everywhere.
   */
  names?: readonly string[];
}

/**
 * Mask `scheme://user:password@` and `password=value` anywhere in a text, and every occurrence of the
 * secrets passed in (except those equal to one of `options.names`, see there).
 */
export function redactText(
  text: string,
  secrets: readonly string[] = [],
  options: RedactOptions = {},
): string {
  let out = text
    .replace(URL_CREDENTIALS, '$1***@')
    .replace(PASSWORD_PAIRS, (whole, key: string, value: string) =>
      /^(yes|no)\)?$/i.test(value) || value === '***' ? whole : `${key}***`,
    );
  const names = new Set(options.names ?? []);
  for (const secret of secrets) {
    if (secret && !names.has(secret)) out = out.split(secret).join('***');
  }
  return out;
}

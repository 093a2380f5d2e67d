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

/** Mask `scheme://user:password@` anywhere in a text, and any exact secret passed in. */
export function redactText(text: string, secrets: readonly string[] = []): string {
  let out = text.replace(URL_CREDENTIALS, '$1***@');
  for (const secret of secrets) {
    if (secret && secret.length >= 1) out = out.split(secret).join('***');
  }
  return out;
}

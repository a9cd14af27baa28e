import { readFile } from 'node:fs/promises';
import { join } from 'node:path';

export interface Settings {
  url: string;
  token?: string;
  /** where the token was looked for, to say so when it is missing */
  tokenSource: string;
}

/**
 * MAILCTL_URL and the token: MAILCTL_TOKEN, else ADMIN_TOKEN (the server's own variable, so that
 * `mailctl` inside the admin-api container works with the environment it already has), else
 * $DATA_DIR/admin.token (what the embedded server writes).
 */
export async function loadSettings(env: NodeJS.ProcessEnv): Promise<Settings> {
  const url = (env.MAILCTL_URL || 'http://127.0.0.1:8080').replace(/\/+$/, '');
  for (const name of ['MAILCTL_TOKEN', 'ADMIN_TOKEN'] as const) {
    const token = env[name]?.trim();
    if (token) return { url, token, tokenSource: name };
  }
  const file = join(env.DATA_DIR || './data', 'admin.token');
  try {
    const token = (await readFile(file, 'utf8')).trim();
    return { url, token: token || undefined, tokenSource: file };
  } catch {
    return { url, tokenSource: file };
  }
}

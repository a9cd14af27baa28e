import type SMTPConnection from 'nodemailer/lib/smtp-connection';

const IDLE_MS = 30_000;
const MAX_IDLE_PER_KEY = 4;
/** idle connections of one pool in all, whatever the keys (a replica talking to many domains) */
const MAX_IDLE = 200;

interface Idle {
  connection: SMTPConnection;
  timer: NodeJS.Timeout;
}

/**
 * Idle SMTP connections (to smart hosts per connector and host; to MX addresses per TLS policy),
 * kept for a short while so that a burst of messages pays one TCP, TLS and AUTH handshake instead
 * of one per message. Bounded per key and in all; a taken connection is checked with RSET before
 * it is used again.
 */
export class SmtpConnectionPool {
  private readonly idle = new Map<string, Idle[]>();

  async take(key: string): Promise<SMTPConnection | undefined> {
    const list = this.idle.get(key) ?? [];
    for (let idle = list.pop(); idle; idle = list.pop()) {
      const { connection, timer } = idle;
      clearTimeout(timer);
      if (await alive(connection)) return connection;
      connection.close();
    }
    return undefined;
  }

  release(key: string, connection: SMTPConnection): void {
    const list = this.idle.get(key) ?? [];
    if (list.length >= MAX_IDLE_PER_KEY || this.size >= MAX_IDLE) {
      connection.quit();
      return;
    }
    const timer = setTimeout(() => {
      const l = this.idle.get(key);
      const i = l?.findIndex((x) => x.connection === connection) ?? -1;
      if (l && i >= 0) l.splice(i, 1);
      if (l && !l.length) this.idle.delete(key);
      connection.quit();
    }, IDLE_MS);
    timer.unref();
    list.push({ connection, timer });
    this.idle.set(key, list);
  }

  get size(): number {
    let n = 0;
    for (const l of this.idle.values()) n += l.length;
    return n;
  }

  closeAll(): void {
    for (const list of this.idle.values()) {
      for (const { connection, timer } of list) {
        clearTimeout(timer);
        connection.quit();
      }
    }
    this.idle.clear();
  }
}

function alive(connection: SMTPConnection): Promise<boolean> {
  return new Promise((resolve) => connection.reset((err) => resolve(!err)));
}

// A raw IMAP client that does only what the bench needs: one command at a time, timed from the write
// to the tagged reply. Literals in responses are read by count; their bytes are counted, and kept only
// when small (headers), so the client stays cheap while 1,000 bodies stream past.
import { LineSocket } from './net.mjs';

const KEEP_LITERAL = 4096;

export class ImapClient {
  constructor(sock) {
    this.sock = sock;
    this.n = 0;
  }

  static async connect(port, host = '127.0.0.1') {
    const c = new ImapClient(await LineSocket.open(port, host));
    const greeting = await c.sock.line();
    if (!greeting.startsWith('* OK')) throw new Error(`IMAP greeting: ${greeting}`);
    return c;
  }

  /** One response line with its literals inlined (or replaced by their size when large). */
  async response() {
    let line = await this.sock.line();
    let bytes = 0;
    for (;;) {
      const m = /\{(\d+)\}$/.exec(line);
      if (!m) break;
      const n = Number(m[1]);
      const lit = await this.sock.bytes(n);
      bytes += n;
      line = `${line}\r\n${n <= KEEP_LITERAL ? lit.toString('latin1') : `<${n} bytes>`}${await this.sock.line()}`;
    }
    return { line, bytes };
  }

  /**
   * Sends a command (text after the tag, without CRLF; `raw` appended as is, e.g. a LITERAL+ payload)
   * and collects untagged lines until the tagged reply. Throws on NO/BAD unless allowFail.
   */
  async command(text, { raw, keep = true, allowFail = false } = {}) {
    const tag = `b${++this.n}`;
    const t0 = performance.now();
    if (raw) this.sock.write(Buffer.concat([Buffer.from(`${tag} ${text}`, 'latin1'), raw, Buffer.from('\r\n')]));
    else this.sock.write(`${tag} ${text}\r\n`);
    const untagged = [];
    let bytes = 0;
    let count = 0;
    for (;;) {
      const r = await this.response();
      bytes += r.bytes;
      if (r.line.startsWith(`${tag} `)) {
        const ms = performance.now() - t0;
        const ok = r.line.startsWith(`${tag} OK`);
        if (!ok && !allowFail) throw new Error(`IMAP ${text.split(' ').slice(0, 3).join(' ')}: ${r.line}`);
        return { ok, ms, status: r.line, untagged, bytes, count };
      }
      count++;
      if (keep) untagged.push(r.line);
    }
  }

  async login(user, password) {
    return this.command(`LOGIN ${quote(user)} ${quote(password)}`);
  }

  /** Many commands written at once; resolves when every tagged reply is in. */
  async pipeline(texts, raws = []) {
    const tags = texts.map(() => `b${++this.n}`);
    const t0 = performance.now();
    const parts = [];
    texts.forEach((t, i) => {
      parts.push(Buffer.from(`${tags[i]} ${t}`, 'latin1'));
      if (raws[i]) parts.push(raws[i]);
      parts.push(Buffer.from('\r\n'));
    });
    this.sock.write(Buffer.concat(parts));
    let done = 0;
    let failed = 0;
    const pending = new Set(tags);
    while (done < tags.length) {
      const { line } = await this.response();
      const tag = line.slice(0, line.indexOf(' '));
      if (pending.has(tag)) {
        pending.delete(tag);
        done++;
        if (!line.startsWith(`${tag} OK`)) {
          failed++;
          if (failed === 1) this.firstFailure = line;
        }
      }
    }
    return { ms: performance.now() - t0, failed };
  }

  /** Enters IDLE; onLine gets every untagged line until stop() resolves with the tagged reply. */
  async idle(onLine) {
    const tag = `b${++this.n}`;
    this.sock.write(`${tag} IDLE\r\n`);
    for (;;) {
      const { line } = await this.response();
      if (line.startsWith('+')) break;
      if (line.startsWith(`${tag} `)) throw new Error(`IDLE refused: ${line}`);
      onLine(line);
    }
    let stopping = false;
    const loop = (async () => {
      for (;;) {
        const { line } = await this.response();
        if (line.startsWith(`${tag} `)) return line;
        if (!stopping) onLine(line);
      }
    })();
    // a session closed without DONE (memory probe teardown) must not become an unhandled rejection
    loop.catch(() => undefined);
    return {
      stop: async () => {
        stopping = true;
        this.sock.write('DONE\r\n');
        return loop;
      },
    };
  }

  close() {
    this.sock.close();
  }

  async logout() {
    try {
      await this.command('LOGOUT', { allowFail: true });
    } catch {
      /* server may close first */
    }
    this.close();
  }
}

export function quote(s) {
  return `"${s.replace(/["\\]/g, (c) => `\\${c}`)}"`;
}

/** "* 12 EXISTS" → 12, otherwise null */
export function existsCount(line) {
  const m = /^\* (\d+) EXISTS/i.exec(line);
  return m ? Number(m[1]) : null;
}

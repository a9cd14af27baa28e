import assert from 'node:assert/strict';
import { once } from 'node:events';
import { mkdtemp, rm } from 'node:fs/promises';
import { connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { finished } from 'node:stream';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { constants, createDeflateRaw, createInflateRaw, deflateRawSync } from 'node:zlib';
import { FsBlobStore } from '@mail/blob';
import { createLogger } from '@mail/telemetry';
import { FakeAuth, FakeChangeFeed, FakeMailStore } from './imap-fakes.spec-helper.js';
import { ImapServer } from './imap-server.js';

const logger = createLogger('imap-compress-test', 'silent');
const ALICE = { address: 'alice@example.com', password: 'correct horse', accountId: '11111111-1111-4111-8111-111111111111' };

/** A client that speaks plain text until COMPRESS, raw deflate after it (RFC 4978). */
class CompressingClient {
  private text = '';
  private waiters: (() => void)[] = [];
  private deflate: ReturnType<typeof createDeflateRaw> | null = null;
  closed = false;

  constructor(readonly socket: Socket) {
    socket.on('data', (chunk: Buffer) => (this.deflate ? this.inflate.write(chunk) : this.received(chunk)));
    socket.on('close', () => {
      if (!this.deflate) return this.markClosed();
      // the server's last deflated bytes (BYE, the tagged OK) may still be in the inflater, which gives
      // them out asynchronously: the connection counts as closed only once it has
      this.inflate.end();
      finished(this.inflate, () => this.markClosed());
    });
  }

  private markClosed(): void {
    this.closed = true;
    this.wake();
  }

  private readonly inflate = createInflateRaw().on('data', (b: Buffer) => this.received(b));

  private received(chunk: Buffer): void {
    this.text += chunk.toString('latin1');
    this.wake();
  }

  private wake(): void {
    for (const w of this.waiters.splice(0)) w();
  }

  startCompressing(): void {
    this.deflate = createDeflateRaw({ flush: constants.Z_SYNC_FLUSH });
    this.deflate.pipe(this.socket);
  }

  send(line: string | Buffer): void {
    if (this.deflate) this.deflate.write(line);
    else this.socket.write(line);
  }

  async until(tagged: string): Promise<string> {
    for (;;) {
      const at = this.text.indexOf(`\r\n${tagged}`);
      const start = this.text.startsWith(tagged) ? 0 : at >= 0 ? at + 2 : -1;
      const end = start >= 0 ? this.text.indexOf('\r\n', start) : -1;
      if (end >= 0) {
        const out = this.text.slice(0, end + 2);
        this.text = this.text.slice(end + 2);
        return out;
      }
      if (this.closed) throw new Error(`closed; got ${JSON.stringify(this.text)}`);
      await new Promise<void>((r) => this.waiters.push(r));
    }
  }

  async command(tag: string, text: string): Promise<string> {
    this.send(`${tag} ${text}\r\n`);
    return this.until(`${tag} `);
  }
}

describe('COMPRESS=DEFLATE (RFC 4978)', () => {
  let dir: string;
  let server: ImapServer;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'imap-compress-'));
    const blobs = new FsBlobStore(dir);
    const feed = new FakeChangeFeed();
    const auth = new FakeAuth();
    auth.add(ALICE.address, ALICE.password, ALICE.accountId);
    server = new ImapServer({ host: '127.0.0.1', port: 0, allowPlaintextAuth: true, logger, authFailureDelayMs: 1, shutdownGraceMs: 500 }, new FakeMailStore(blobs, feed), auth, feed, blobs);
    await server.start();
  });
  after(async () => {
    await server.stop();
    await rm(dir, { recursive: true, force: true });
  });

  async function client(): Promise<CompressingClient> {
    const socket = connect(server.ports.port, '127.0.0.1');
    await once(socket, 'connect');
    const c = new CompressingClient(socket);
    await c.until('* OK');
    return c;
  }

  it('is offered once logged in, refused before, and compresses both ways once active', async () => {
    const c = await client();
    assert.match(await c.command('a0', 'CAPABILITY'), /^\* CAPABILITY (?!.*COMPRESS)/m);
    assert.match(await c.command('a1', 'COMPRESS DEFLATE'), /^a1 BAD/m);
    assert.match(await c.command('a2', `LOGIN ${ALICE.address} "${ALICE.password}"`), /COMPRESS=DEFLATE/);
    assert.match(await c.command('a3', 'COMPRESS LZMA'), /^a3 BAD/m);
    assert.match(await c.command('a4', 'COMPRESS DEFLATE'), /^a4 OK DEFLATE active/m);
    c.startCompressing();
    assert.match(await c.command('a5', 'SELECT INBOX'), /\* 0 EXISTS[\s\S]*a5 OK \[READ-WRITE\]/);
    // a literal through the compressed stream
    c.send('a6 APPEND INBOX {22+}\r\nSubject: hi\r\n\r\nhello\r\n\r\n');
    assert.match(await c.until('a6 '), /\* 1 EXISTS[\s\S]*a6 OK \[APPENDUID/);
    assert.match(await c.command('a7', 'FETCH 1 BODY[TEXT]'), /BODY\[TEXT\] \{7\}\r\nhello\r\n/);
    assert.match(await c.command('a8', 'COMPRESS DEFLATE'), /^a8 NO \[COMPRESSIONACTIVE\]/m);
    assert.match(await c.command('a9', 'LOGOUT'), /^\* BYE[\s\S]*a9 OK/m);
    if (!c.closed) await once(c.socket, 'close');
  });

  it('closes a connection that sends corrupt compressed data, and survives a compressed bomb', async () => {
    const c = await client();
    await c.command('a', `LOGIN ${ALICE.address} "${ALICE.password}"`);
    assert.match(await c.command('b', 'COMPRESS DEFLATE'), /^b OK/m);
    c.startCompressing();
    c.socket.write(Buffer.from([0xff, 0xff, 0xff, 0xff, 0x00, 0x12]));
    if (!c.closed) await once(c.socket, 'close');

    const d = await client();
    await d.command('a', `LOGIN ${ALICE.address} "${ALICE.password}"`);
    await d.command('b', 'COMPRESS DEFLATE');
    d.startCompressing(); // its deflater sends nothing before the bomb: the bomb is the stream's start
    // 64 MiB of one line, a few kilobytes on the wire: refused as too long, the session goes on
    const bomb = deflateRawSync(Buffer.concat([Buffer.from('c NOOP '), Buffer.alloc(64 * 1024 * 1024, 0x41), Buffer.from('\r\n')]), { flush: constants.Z_SYNC_FLUSH });
    d.socket.write(bomb);
    assert.match(await d.until('c '), /^c BAD/m);
    d.socket.destroy();
  });
});

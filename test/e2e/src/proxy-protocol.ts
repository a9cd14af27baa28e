import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { connect as tlsConnect } from 'node:tls';
import { after, before, describe, it } from 'node:test';
import { encodeProxyV2 } from '@mail/proxy-protocol';
import { mailctl, RawLineClient, type PlatformUnderTest } from '@mail/testing';
import { eventually } from './fake-smtp.js';
import { traceUntil } from './message-trace.js';
import { sampleMessage } from './messages.js';
import { imapClient, waitForMessages } from './scenario.js';

const DOMAIN = 'proxied.test';
const PAT = `pat@${DOMAIN}`;
const PASSWORD = 'correct horse battery';
/** the load balancer: the only address in PROXY_TRUSTED_CIDRS (Linux routes all of 127/8 to lo) */
const BALANCER = '127.0.0.2';
/** a client that connects directly, from outside the trusted networks */
const OUTSIDER = '127.0.0.3';

/** What the platform under test must be started with; `pop3s`/`imaps` are the implicit-TLS ports it opened. */
export const PROXY_ENV = {
  PROXY_PROTOCOL_LISTENERS: 'mx,submission,imap,pop3,pop3s',
  PROXY_TRUSTED_CIDRS: `${BALANCER}/32`,
  PROXY_HEADER_TIMEOUT_MS: '1500',
  // loopback stands for the internet here, so the per-client limits count it
  LIMIT_EXEMPT_NETWORKS: 'none',
  IMAP_MAX_CONNECTIONS_PER_IP: '2',
  POP3_MAX_CONNECTIONS_PER_IP: '2',
  ALLOW_PLAINTEXT_AUTH: 'true',
  // login throttling per client, small enough to reach: 4 failures, no penalty waits
  AUTH_MAX_FAILURES_PER_CLIENT: '4',
  AUTH_PENALTY_MS: '0',
};

const v1 = (client: string, port = 40_000) => `PROXY ${client.includes(':') ? 'TCP6' : 'TCP4'} ${client} ${client.includes(':') ? '::1' : '127.0.0.1'} ${port} 25\r\n`;
const v2 = (client: string, port = 40_000) =>
  encodeProxyV2({ source: { address: client, port }, destination: { address: client.includes(':') ? '::1' : '127.0.0.1', port: 25 } }).toString('latin1');

/** A connection from the balancer (or `from`) that opens with `header`, as HAProxy's `send-proxy` does. */
async function through(port: number, header: string, from = BALANCER): Promise<RawLineClient> {
  const c = await RawLineClient.open(port, from);
  c.send(header);
  return c;
}

/** Everything the server said before it hung up (a refused connection hangs up without a greeting). */
async function heardBeforeClose(c: RawLineClient): Promise<string> {
  const text = await c.until('\u0000never');
  assert.ok(c.closed, 'the server closed the connection');
  return text;
}

/** The v2 header, then TLS on the same connection (a balancer passing implicit TLS through). */
async function tlsThrough(port: number, header: string): Promise<{ greeting: string; send(line: string): Promise<string>; close(): void }> {
  const raw = connect({ port, host: '127.0.0.1', localAddress: BALANCER });
  await new Promise<void>((resolve, reject) => raw.once('connect', resolve).once('error', reject));
  raw.write(Buffer.from(header, 'latin1'));
  const tls = tlsConnect({ socket: raw, rejectUnauthorized: false });
  let text = '';
  let wake: (() => void) | undefined;
  tls.setEncoding('latin1');
  tls.on('data', (d: string) => ((text += d), wake?.()));
  tls.on('error', () => undefined);
  const nextLine = async (): Promise<string> => {
    while (!text.includes('\r\n')) await new Promise<void>((r) => (wake = r));
    const line = text.slice(0, text.indexOf('\r\n'));
    text = text.slice(line.length + 2);
    return line;
  };
  const greeting = await nextLine();
  return { greeting, send: async (line) => (tls.write(`${line}\r\n`), nextLine()), close: () => tls.destroy() };
}

/** An SMTP transaction over a raw connection that already sent its header (the balancer's): the final reply, or the first refusal. */
async function sendOver(c: RawLineClient, from: string, to: string, raw: Buffer): Promise<string> {
  assert.match(await c.line(/^\d{3} /), /^220 /);
  c.sendLine('EHLO client.example');
  assert.match(await c.line(/^\d{3} /), /^250 /);
  for (const cmd of [`MAIL FROM:<${from}>`, `RCPT TO:<${to}>`, 'DATA']) {
    c.sendLine(cmd);
    const reply = await c.line(/^\d{3} /);
    // a refusal is the answer (the caller judges it)
    if (!/^(250|354) /.test(reply)) return reply;
  }
  c.send(raw.toString('latin1').replace(/\r\n\./g, '\r\n..'));
  c.send('\r\n.\r\n');
  return c.line(/^\d{3} /);
}

/**
 * PROXY protocol on the SMTP, IMAP and POP3 listeners (issue 15, ADR 0025): a load balancer in
 * PROXY_TRUSTED_CIDRS opens each connection with a v1 or v2 header naming the client, and that
 * client is the one the platform sees (Received header, message trace, per-client limits); a
 * malformed or missing header from the balancer and any header from elsewhere are refused.
 * `start` must pass PROXY_ENV to the platform and open the POP3S port.
 */
export function proxyProtocolScenario(name: string, start: () => Promise<PlatformUnderTest & { pop3s: number }>): void {
  describe(`PROXY protocol on the mail listeners (${name})`, { timeout: 180_000 }, () => {
    let p: PlatformUnderTest & { pop3s: number };

    before(async () => {
      p = await start();
      for (const args of [['domain', 'add', DOMAIN], ['user', 'add', PAT, '--password', PASSWORD]]) {
        const r = await mailctl(p, args);
        assert.equal(r.code, 0, r.stderr);
      }
    });
    after(async () => p?.close());

    it('SMTP through the balancer (v2 and v1): the Received header, SPF and the message trace judge the real client', async () => {
      // SPF of the sender allows the clients the balancer names, not the balancer
      p.dns?.set('contoso.example', { TXT: ['v=spf1 ip4:203.0.113.7 ip6:2001:db8::25 -all'] });
      for (const [version, header, client] of [
        ['v2', v2('203.0.113.7'), '203.0.113.7'],
        ['v1', v1('2001:db8::25'), '2001:db8::25'],
      ] as const) {
        const msg = sampleMessage({ from: `ann@contoso.example`, to: PAT, subject: `through the balancer ${version}` });
        const c = await through(p.ports.smtp, header);
        try {
          assert.match(await sendOver(c, 'ann@contoso.example', PAT, msg.raw), /^250 /, version);
        } finally {
          c.close();
        }
        const m = await traceUntil(p, { messageId: msg.messageId }, (x) => x.events.some((e) => e.event === 'delivered'));
        const received = m.events.find((e) => e.event === 'received');
        assert.match(received?.detail ?? '', new RegExp(`from ${client.replace(/[.:]/g, (ch) => `\\${ch}`)}`), `${version}: ${received?.detail}`);
        const { body } = await (await fetch(`${p.adminUrl}/api/v1/trace?${new URLSearchParams({ clientIp: client })}`, { headers: { authorization: `Bearer ${p.adminToken}` } })).json().then((b) => ({ body: b as { messages: { messageId: string }[] } }));
        assert.ok(body.messages.some((x) => x.messageId === msg.messageId), `${version}: trace by clientIp ${client}`);
      }
      const imap = imapClient(p, PAT);
      await imap.connect();
      try {
        await waitForMessages(imap, 2);
        await imap.mailboxOpen('INBOX');
        const heads: string[] = [];
        for await (const m of imap.fetch('1:*', { headers: ['received', 'authentication-results'] })) heads.push(m.headers?.toString('latin1') ?? '');
        assert.ok(heads.some((h) => h.includes('[203.0.113.7]')), heads.join('\n'));
        assert.ok(heads.some((h) => h.includes('[IPv6:2001:db8::25]')), heads.join('\n'));
        assert.ok(!heads.some((h) => h.includes('[127.0.0.2]')), 'the balancer is not the client');
        assert.equal(heads.filter((h) => /spf=pass/.test(h)).length, 2, `SPF judged the named clients:\n${heads.join('\n')}`);
      } finally {
        await imap.logout();
      }
    });

    it("an inbound connector's senderIpAddresses match the client the balancer names", async () => {
      const added = await mailctl(p, ['connector', 'add', 'Fabrikam', '--direction', 'inbound', '--type', 'partner', '--sender-domains', 'fabrikam.example', '--sender-ip-addresses', '198.51.100.77', '--restrict-domains-to-ip-addresses', 'true']);
      assert.equal(added.code, 0, added.stderr);
      const attempt = async (client: string) => {
        const c = await through(p.ports.smtp, v2(client));
        try {
          return await sendOver(c, 'bob@fabrikam.example', PAT, sampleMessage({ from: 'bob@fabrikam.example', to: PAT, subject: `partner via ${client}` }).raw);
        } finally {
          c.close();
        }
      };
      // from another address the connector refuses the partner's domain (once smtp-in has the connector)
      await eventually(async () => assert.match(await attempt('198.51.100.78'), /^550 5\.7\.1 .*"Fabrikam"/));
      assert.match(await attempt('198.51.100.77'), /^250 /);
      const m = await traceUntil(p, { sender: 'bob@fabrikam.example', clientIp: '198.51.100.77' }, (x) => x.events.some((e) => e.event === 'received'));
      assert.equal(m.events.find((e) => e.event === 'received')?.connector, 'Fabrikam');
      assert.equal((await mailctl(p, ['connector', 'remove', 'Fabrikam'])).code, 0);
    });

    it('IMAP and POP3 count connections per real client, not per balancer', async () => {
      for (const [protocol, port, ok, refused] of [
        ['imap', p.ports.imap, /^\* OK/, /^\* BYE \[UNAVAILABLE\]/],
        ['pop3', p.ports.pop3, /^\+OK/, /^-ERR \[SYS\/TEMP\]/],
      ] as const) {
        const held: RawLineClient[] = [];
        try {
          // the limit is 2 per client: two of 198.51.100.1 are served, the third refused, while
          // 198.51.100.2 behind the same balancer (its fourth connection) is served
          for (const version of [v1, v2]) {
            const c = await through(port, version('198.51.100.1'));
            held.push(c);
            assert.match(await c.line(/./), ok, `${protocol}: first connections of 198.51.100.1`);
          }
          const third = await through(port, v1('198.51.100.1'));
          held.push(third);
          assert.match(await third.line(/./), refused, `${protocol}: third of 198.51.100.1`);
          const other = await through(port, v2('198.51.100.2'));
          held.push(other);
          assert.match(await other.line(/./), ok, `${protocol}: 198.51.100.2`);
        } finally {
          for (const c of held) c.close();
        }
      }
    });

    it('IMAP and POP3 logins through the balancer work (v1 and v2)', async () => {
      const imap = await through(p.ports.imap, v2('192.0.2.10'));
      try {
        assert.match(await imap.line(/./), /^\* OK/);
        imap.sendLine(`a LOGIN ${PAT} "${PASSWORD}"`);
        assert.match(await imap.line(/^a /), /^a OK/);
      } finally {
        imap.close();
      }
      const pop3 = await through(p.ports.pop3, v1('192.0.2.11'));
      try {
        assert.match(await pop3.line(/./), /^\+OK/);
        pop3.sendLine(`USER ${PAT}`);
        assert.match(await pop3.line(/./), /^\+OK/);
        pop3.sendLine(`PASS ${PASSWORD}`);
        assert.match(await pop3.line(/./), /^\+OK/);
        pop3.sendLine('STAT');
        assert.match(await pop3.line(/./), /^\+OK \d+ \d+/);
      } finally {
        pop3.close();
      }
    });

    it('login throttling counts the client the balancer names: a guesser is refused, its neighbour behind the same balancer is not', async () => {
      const login = async (client: string, user: string, password: string) => {
        const c = await through(p.ports.imap, v2(client));
        try {
          assert.match(await c.line(/./), /^\* OK/);
          c.sendLine(`a LOGIN ${user} "${password}"`);
          return await c.line(/^a /);
        } finally {
          c.close();
        }
      };
      for (let i = 0; i < 5; i++) assert.match(await login('192.0.2.66', `guess${i}@${DOMAIN}`, 'wrong'), /^a NO/);
      assert.match(await login('192.0.2.66', PAT, PASSWORD), /^a NO/, 'the guesser is held off even with the right password');
      assert.match(await login('192.0.2.67', PAT, PASSWORD), /^a OK/, 'another client behind the same balancer logs in');
    });

    it('POP3S through the balancer: the v2 header comes before the TLS handshake', async () => {
      const s = await tlsThrough(p.pop3s, v2('192.0.2.12'));
      try {
        assert.match(s.greeting, /^\+OK/);
        assert.match(await s.send(`USER ${PAT}`), /^\+OK/);
        assert.match(await s.send(`PASS ${PASSWORD}`), /^\+OK/);
      } finally {
        s.close();
      }
    });

    it('a v2 LOCAL header (the balancer\'s health check) is served as the balancer itself', async () => {
      const c = await through(p.ports.imap, encodeProxyV2({ command: 'LOCAL' }).toString('latin1'));
      try {
        assert.match(await c.line(/./), /^\* OK/);
      } finally {
        c.close();
      }
    });

    it('from the balancer, a malformed, hostile or missing header closes the connection before any greeting', async () => {
      const hostile = [
        'PROXY TCP4 999.1.1.1 127.0.0.1 1 2\r\n',
        'PROXY TCP4 1.2.3.4 127.0.0.1 01 2\r\n',
        `PROXY TCP4 1.2.3.4 ${'9'.repeat(200)}\r\n`,
        'PROXY TCP4 1.2.3.4 127.0.0.1 1 2\r\nEHLO x\r\n'.replace('TCP4', 'TCP9'),
        'GET / HTTP/1.1\r\n\r\n',
        // v2 with version 3
        Buffer.concat([Buffer.from(v2('1.2.3.4'), 'latin1').subarray(0, 12), Buffer.from([0x31, 0x11, 0, 12]), Buffer.alloc(12)]).toString('latin1'),
        // v2 claiming a TCP4 address block shorter than the addresses
        Buffer.concat([Buffer.from(v2('1.2.3.4'), 'latin1').subarray(0, 12), Buffer.from([0x21, 0x11, 0, 4]), Buffer.alloc(4)]).toString('latin1'),
      ];
      for (const [protocol, port] of [['smtp', p.ports.smtp], ['imap', p.ports.imap], ['pop3', p.ports.pop3]] as const) {
        for (const header of hostile) {
          const c = await through(port, header);
          assert.equal(await heardBeforeClose(c), '', `${protocol}: ${JSON.stringify(header)}`);
        }
        // a direct client mistakenly inside the trusted network sends nothing: closed after the header timeout
        const silent = await RawLineClient.open(port, BALANCER);
        assert.equal(await heardBeforeClose(silent), '', `${protocol}: no header`);
      }
    });

    it('from outside the trusted networks a client is served directly, and a PROXY header is refused', async () => {
      // without a header: the ordinary greeting, with the client's own address
      for (const [port, ok] of [[p.ports.smtp, /^220 /], [p.ports.imap, /^\* OK/], [p.ports.pop3, /^\+OK/]] as const) {
        const c = await RawLineClient.open(port, OUTSIDER);
        try {
          assert.match(await c.line(/./), ok);
        } finally {
          c.close();
        }
      }
      // with one: SMTP refuses the early talker, IMAP and POP3 hang up; nobody can claim an address
      const smtp = await through(p.ports.smtp, v1('192.0.2.99'), OUTSIDER);
      assert.match(await heardBeforeClose(smtp), /^421 /m);
      for (const port of [p.ports.imap, p.ports.pop3]) {
        for (const header of [v1('192.0.2.99'), v2('192.0.2.99')]) {
          const c = await through(port, header, OUTSIDER);
          const heard = await heardBeforeClose(c);
          assert.doesNotMatch(heard, /BAD|-ERR|OK.*LOGIN/, 'the header was not treated as a command');
        }
      }
    });
  });
}

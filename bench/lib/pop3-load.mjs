// POP3: LIST, then RETR of every message of a 1,000-message maildrop, one command at a time.
import { LineSocket } from './net.mjs';

async function single(sock, what) {
  const line = await sock.line();
  if (!line.startsWith('+OK')) throw new Error(`POP3 ${what}: ${line}`);
  return line;
}

async function multi(sock, what) {
  await single(sock, what);
  let bytes = 0;
  let lines = 0;
  for (;;) {
    const line = await sock.line();
    if (line === '.') return { bytes, lines };
    bytes += line.length + 2;
    lines++;
  }
}

export async function pop3Pass({ port, host, user, password, max = 1000 }) {
  const sock = await LineSocket.open(port, host);
  try {
    await single(sock, 'greeting');
    sock.write(`USER ${user}\r\n`);
    await single(sock, 'USER');
    sock.write(`PASS ${password}\r\n`);
    await single(sock, 'PASS');
    const t0 = performance.now();
    sock.write('LIST\r\n');
    const list = await multi(sock, 'LIST');
    const listMs = performance.now() - t0;
    const n = Math.min(max, list.lines);
    let bytes = 0;
    for (let i = 1; i <= n; i++) {
      sock.write(`RETR ${i}\r\n`);
      bytes += (await multi(sock, 'RETR')).bytes;
    }
    const totalMs = performance.now() - t0;
    sock.write('QUIT\r\n');
    await sock.line().catch(() => undefined);
    return { listRetr: totalMs, list: listMs, retrieved: n, bytes };
  } finally {
    sock.close();
  }
}

// What a target can serve right now: a side whose IMAP or POP3 listener is not up yet still gets the
// figures it can give, and the table says which ones are missing and why.
import { LineSocket } from './net.mjs';

async function greets(port, host, prefix) {
  try {
    const s = await LineSocket.open(port, host);
    const line = await Promise.race([s.line(), new Promise((_, rej) => setTimeout(() => rej(new Error('no greeting')), 5000))]);
    s.close();
    return line.startsWith(prefix);
  } catch {
    return false;
  }
}

export async function probe(target) {
  const [smtp, imap, pop3] = await Promise.all([
    greets(target.ports.smtp, target.host, '220'),
    target.ports.imap ? greets(target.ports.imap, target.host, '* OK') : false,
    target.ports.pop3 ? greets(target.ports.pop3, target.host, '+OK') : false,
  ]);
  return { smtp, imap, pop3 };
}

/** POP3 STAT: how many messages a maildrop holds (delivery check when IMAP is not there). */
export async function pop3Count({ port, host, user, password }) {
  const s = await LineSocket.open(port, host);
  try {
    const ok = async (what) => {
      const l = await s.line();
      if (!l.startsWith('+OK')) throw new Error(`POP3 ${what}: ${l}`);
      return l;
    };
    await ok('greeting');
    s.write(`USER ${user}\r\n`);
    await ok('USER');
    s.write(`PASS ${password}\r\n`);
    await ok('PASS');
    s.write('STAT\r\n');
    const n = Number((await ok('STAT')).split(' ')[1]);
    s.write('QUIT\r\n');
    await s.line().catch(() => undefined);
    return n;
  } finally {
    s.close();
  }
}

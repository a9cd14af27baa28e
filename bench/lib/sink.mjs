// A trivial SMTP sink (answers every command at once, discards data): measures what the load client
// itself can push, so we know it is far above the servers it measures.
import { createServer } from 'node:net';

export function startSink() {
  return new Promise((resolve) => {
    const server = createServer((s) => {
      s.write('220 sink ESMTP\r\n');
      let inData = false;
      let tail = '';
      s.on('data', (buf) => {
        let text = tail + buf.toString('latin1');
        let out = '';
        for (;;) {
          if (inData) {
            const end = text.indexOf('\r\n.\r\n');
            if (end < 0) {
              tail = text.slice(-4);
              text = '';
              break;
            }
            text = text.slice(end + 5);
            inData = false;
            out += '250 2.0.0 Ok\r\n';
            continue;
          }
          const nl = text.indexOf('\r\n');
          if (nl < 0) break;
          const cmd = text.slice(0, nl).toUpperCase();
          text = text.slice(nl + 2);
          if (cmd.startsWith('EHLO')) out += '250-sink\r\n250 PIPELINING\r\n';
          else if (cmd === 'DATA') {
            out += '354 go\r\n';
            inData = true;
            text = `\r\n${text}`; // so a message that is only ".\r\n" still matches
          } else if (cmd === 'QUIT') out += '221 bye\r\n';
          else out += '250 Ok\r\n';
        }
        if (!inData) tail = text;
        if (out) s.write(out);
      });
      s.on('error', () => undefined);
    });
    server.listen(0, '127.0.0.1', () => resolve({ port: server.address().port, close: () => new Promise((r) => server.close(r)) }));
  });
}

import type { ReadStream } from 'node:tty';

/**
 * The password when it was not on the command line: typed without echo on a terminal (twice), or
 * the first line of stdin in scripts (`echo "$PW" | mailctl user passwd a@b`), so it never shows
 * in `ps` or the shell history.
 */
export async function readPassword(stdin: NodeJS.ReadStream = process.stdin, stderr: NodeJS.WriteStream = process.stderr): Promise<string> {
  if (!stdin.isTTY) return firstLine(await readAll(stdin));
  const first = await promptHidden(stdin as ReadStream, stderr, 'Password: ');
  const again = await promptHidden(stdin as ReadStream, stderr, 'Again: ');
  if (first !== again) throw new Error('the passwords do not match');
  return first;
}

export function firstLine(text: string): string {
  const end = text.search(/\r?\n/);
  return end === -1 ? text : text.slice(0, end);
}

async function readAll(stream: NodeJS.ReadableStream): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of stream) {
    const buf = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk as string);
    size += buf.length;
    if (size > 64 * 1024) throw new Error('stdin is too large for a password');
    chunks.push(buf);
  }
  return Buffer.concat(chunks).toString('utf8');
}

function promptHidden(stdin: ReadStream, stderr: NodeJS.WriteStream, prompt: string): Promise<string> {
  return new Promise((resolve, reject) => {
    stderr.write(prompt);
    let value = '';
    stdin.setRawMode(true);
    stdin.resume();
    stdin.setEncoding('utf8');
    const done = (err?: Error) => {
      stdin.off('data', onData);
      stdin.setRawMode(false);
      stdin.pause();
      stderr.write('\n');
      if (err) reject(err);
      else resolve(value);
    };
    const onData = (chunk: string) => {
      for (const ch of chunk) {
        if (ch === '\r' || ch === '\n') return done();
        if (ch === '\u0003') return done(new Error('cancelled'));
        if (ch === '\u0004' && !value) return done(new Error('cancelled'));
        if (ch === '\u007f' || ch === '\b') value = value.slice(0, -1);
        else if (ch >= ' ') value += ch;
      }
    };
    stdin.on('data', onData);
  });
}

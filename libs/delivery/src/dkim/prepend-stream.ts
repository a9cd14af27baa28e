import { PassThrough, type Readable } from 'node:stream';

/** `prefix` then `body`, as one stream; an error of `body` ends it, and closing it closes `body`. */
export function prependToStream(prefix: Buffer, body: Readable): Readable {
  const out = new PassThrough();
  out.write(prefix);
  body.on('error', (err) => out.destroy(err));
  out.on('close', () => body.destroy());
  body.pipe(out);
  return out;
}

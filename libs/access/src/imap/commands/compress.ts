import { tagged } from '@mail/imap-protocol';
import { bad, no } from '../reply.js';
import type { Command, CommandSpec } from '../session-handle.js';

/**
 * COMPRESS DEFLATE (RFC 4978), once logged in: the tagged OK goes out uncompressed, then both
 * directions are raw deflate. A second COMPRESS is refused with [COMPRESSIONACTIVE].
 */
export const compress: CommandSpec<Command<'COMPRESS'>> = {
  state: 'authenticated',
  async run(s, cmd) {
    if (cmd.mechanism !== 'DEFLATE') return bad('Unknown compression mechanism');
    if (s.compressed) return no('Compression is already active', 'COMPRESSIONACTIVE');
    await s.out.send(tagged(cmd.tag, 'OK', 'DEFLATE active'));
    s.compress();
    return null;
  },
};

import type { MessageIndex } from '@mail/contracts';
import { indexMessage } from '@mail/mime';
import type { Readable } from 'node:stream';

/** What the append needs from libs/mime; a port so services can be tested with a fake parser. */
export abstract class MessageIndexerPort {
  abstract index(stream: Readable): Promise<MessageIndex>;
}

export class MimeMessageIndexer extends MessageIndexerPort {
  index(stream: Readable): Promise<MessageIndex> {
    return indexMessage(stream);
  }
}

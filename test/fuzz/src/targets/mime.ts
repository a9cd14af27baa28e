import { indexMessageBuffer, parseAddressList, parseHeaderBlock } from '@mail/mime';
import { invariant, type FuzzTarget } from '../target.js';

/** The MIME scanner (envelope, body structure, search text) and the header/address parsers. */
export const mime: FuzzTarget = {
  name: 'mime',
  dictionary: ['\r\n', '\r\n\r\n', 'Content-Type: multipart/mixed; boundary="b"\r\n', '--b\r\n', '--b--\r\n', 'Content-Transfer-Encoding: base64\r\n', 'quoted-printable', '=?utf-8?B?', '=?iso-8859-1?Q?', '?=', 'From: ', 'To: ', 'Subject: ', 'Message-ID: <', '>', '"', '(', ')', ',', ';', ':', '@', 'message/rfc822', 'charset=', "filename*=utf-8''", ' \t', '\0'],
  run(data) {
    const index = indexMessageBuffer(data, { maxParts: 64, maxDepth: 8 });
    invariant(index && typeof index === 'object', 'an index for any bytes');
    const end = data.indexOf('\r\n\r\n');
    const fields = parseHeaderBlock(end >= 0 ? data.subarray(0, end + 2) : data);
    for (const f of fields) {
      invariant(typeof f.name === 'string', 'header fields have names');
      const list = parseAddressList(f.value);
      invariant(list === null || Array.isArray(list), 'an address list or none');
    }
  },
};

import { parseProxyHeader } from '@mail/proxy-protocol';
import { invariant, type FuzzTarget } from '../target.js';

/** The PROXY protocol v1/v2 header parser: every length is checked against the bytes it has. */
export const proxyHeader: FuzzTarget = {
  name: 'proxy-header',
  dictionary: ['PROXY TCP4 ', 'PROXY TCP6 ', 'PROXY UNKNOWN', '127.0.0.1 ', '::1 ', '65535 ', '\r\n', '\r\n\r\n\0\r\nQUIT\n', '\x21', '\x20', '\x11', '\x21\x00\x0c', '\x00\x00'],
  run(data) {
    const r = parseProxyHeader(data);
    invariant(['incomplete', 'ok', 'invalid'].includes(r.status), 'incomplete, ok or invalid');
    if (r.status === 'ok') invariant(r.consumed > 0 && r.consumed <= data.length, 'a header uses bytes it was given');
  },
};

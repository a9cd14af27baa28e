import type { DsnNotify } from '@mail/contracts';

/**
 * The DSN extension's ESMTP parameters (RFC 3461 §4), checked before they are accepted and carried
 * with the message. smtp-server has already decoded the xtext of the values (and refused control
 * characters in them), so these see decoded text. Each gives the value or an error text for a 501.
 */
export type Parsed<T> = { ok: true; value: T } | { ok: false; error: string };

const ok = <T>(value: T): Parsed<T> => ({ ok: true, value });
const bad = (error: string): Parsed<never> => ({ ok: false, error });

/** RET=FULL|HDRS */
export function parseRet(raw: unknown): Parsed<'FULL' | 'HDRS'> {
  if (typeof raw !== 'string') return bad('RET needs a value');
  const v = raw.toUpperCase();
  return v === 'FULL' || v === 'HDRS' ? ok(v) : bad('RET must be FULL or HDRS');
}

/** ENVID: 1 to 100 printable ASCII characters once decoded (§4.4) */
export function parseEnvid(raw: unknown): Parsed<string> {
  if (typeof raw !== 'string' || !raw) return bad('ENVID needs a value');
  if (raw.length > 100) return bad('ENVID must be at most 100 characters');
  if (!/^[\x20-\x7e]+$/.test(raw)) return bad('ENVID must be printable ASCII');
  return ok(raw);
}

/** NOTIFY=NEVER or a comma list of SUCCESS, FAILURE, DELAY, each at most once (§4.1) */
export function parseNotify(raw: unknown): Parsed<DsnNotify> {
  if (typeof raw !== 'string' || !raw) return bad('NOTIFY needs a value');
  const values = raw.toUpperCase().split(',');
  const allowed = new Set(['NEVER', 'SUCCESS', 'FAILURE', 'DELAY']);
  if (!values.every((v) => allowed.has(v))) return bad('NOTIFY must be NEVER, or a list of SUCCESS, FAILURE, DELAY');
  if (new Set(values).size !== values.length) return bad('NOTIFY repeats a value');
  if (values.includes('NEVER') && values.length > 1) return bad('NOTIFY=NEVER cannot be combined with other values');
  return ok(values as DsnNotify);
}

/**
 * ORCPT=addr-type;address (§4.2), kept as `type;address`. The address is printable ASCII, or for
 * the `utf-8` type of RFC 6533 (SMTPUTF8) also UTF-8; never a control character.
 */
export function parseOrcpt(raw: unknown): Parsed<string> {
  if (typeof raw !== 'string') return bad('ORCPT needs a value');
  const semi = raw.indexOf(';');
  if (semi <= 0) return bad('ORCPT must be addr-type;address');
  const type = raw.slice(0, semi);
  if (!/^[A-Za-z0-9][A-Za-z0-9-]{0,31}$/.test(type)) return bad('ORCPT address type is not an atom');
  const address = raw.slice(semi + 1);
  if (!address.length) return bad('ORCPT has no address');
  const utf8 = type.toLowerCase() === 'utf-8';
  // eslint-disable-next-line no-control-regex
  if (utf8 ? /[\x00-\x1f\x7f-\x9f]/.test(address) : !/^[\x20-\x7e]+$/.test(address)) return bad(utf8 ? 'ORCPT has control characters' : 'ORCPT must be ASCII (or of type utf-8)');
  if (raw.length > 500) return bad('ORCPT is too long');
  return ok(raw);
}

/**
 * RFC 8474 OBJECTID on the wire: an object identifier is 1*255(ALPHA / DIGIT / "_" / "-") and always
 * travels in parentheses, or as NIL where the server has none (THREADID without thread tracking).
 */

const OBJECT_ID = /^[A-Za-z0-9_-]{1,255}$/;

/** Whether `id` has the form RFC 8474 4 gives an objectid. */
export function isObjectId(id: string): boolean {
  return OBJECT_ID.test(id);
}

function wrapped(id: string): string {
  if (!OBJECT_ID.test(id)) throw new Error(`not an objectid: ${id.slice(0, 40)}`);
  return `(${id})`;
}

/** `MAILBOXID (id)`: the response code of SELECT/EXAMINE's untagged OK and CREATE's tagged OK (RFC 8474 4.1-4.2). */
export function mailboxIdCode(id: string): string {
  return `MAILBOXID ${wrapped(id)}`;
}

/** A STATUS value that is not a number: `MAILBOXID (id)` (RFC 8474 4.3). */
export interface ObjectIdValue {
  objectId: string;
}

export function objectIdValue(v: ObjectIdValue): string {
  return wrapped(v.objectId);
}

/** The FETCH attribute `EMAILID (id)` or `THREADID (id)`, or `THREADID NIL` (RFC 8474 5.1-5.2, 7). */
export function objectIdAttribute(name: 'EMAILID' | 'THREADID', id: string | null): string {
  return `${name} ${id === null ? 'NIL' : wrapped(id)}`;
}

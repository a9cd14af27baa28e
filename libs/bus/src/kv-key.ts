/** KV keys allow [-/_=.a-zA-Z0-9]; anything else (e.g. ':' or '@') is hex-escaped. */
export function encodeKey(key: string): string {
  return key.replace(/[^-/_=.a-zA-Z0-9]/g, (c) => `_${c.charCodeAt(0).toString(16)}_`);
}

/**
 * An administrator's search pattern (`*` matches any run of characters, as in Exchange's message
 * trace) as SQL LIKE patterns. Everything else is literal: `%`, `_` and `\` are escaped (LIKE's
 * default escape character is the backslash), so `a_b@x` finds only that address.
 */
export interface LikeMatch {
  /** the value to compare with `=` when there is no wildcard */
  equals?: string;
  /** the LIKE pattern for the column itself */
  like?: string;
  /**
   * For a pattern that starts with `*`: a LIKE prefix of the reversed column (the literal tail
   * reversed), which an index on reverse(column) answers. `*@contoso.com` → `moc.osotnoc@%`.
   */
  reversedLike?: string;
}

const escapeLike = (s: string) => s.replace(/[\\%_]/g, (c) => `\\${c}`);

export function matchOf(pattern: string): LikeMatch {
  const p = pattern.replace(/\*+/g, '*');
  if (!p.includes('*')) return { equals: p };
  const like = p.split('*').map(escapeLike).join('%');
  if (!p.startsWith('*')) return { like };
  const tail = p.slice(p.lastIndexOf('*') + 1);
  if (!tail) return { like };
  return { like, reversedLike: `${escapeLike([...tail].reverse().join(''))}%` };
}

/** Message-IDs are searched without their angle brackets, as they are stored. */
export function bareMessageId(id: string): string {
  const t = id.trim();
  return t.startsWith('<') && t.endsWith('>') ? t.slice(1, -1) : t;
}

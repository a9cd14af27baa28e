import { createHash } from 'node:crypto';
import { baseSubject, parseMessageIds } from '@mail/imap-protocol';
import { boundReferences } from './references-bound.js';

/**
 * RFC 8474 THREADID (ADR 0066): the keys that join a message to a thread of its owner's, computed
 * once per stored message (they depend on the message only, not on the account) and kept on its
 * index row. A key is one message id the message names (its own Message-ID, the first of
 * In-Reply-To, References' ids) together with the message's base subject (RFC 5256 2.1,
 * casefolded), hashed to 64 bits. Two messages of one owner share a thread when they share a key:
 * an id in common AND the same base subject, the rule RFC 8621 (JMAP) suggests, so a reply that
 * changes the subject to start a new conversation starts a new thread.
 */

/** References kept: the root and the nearest ancestors, as clients trim the header themselves */
const ROOT_REFERENCES = 1;
const NEAREST_REFERENCES = 16;

export interface ThreadHeaders {
  messageId: string | null | undefined;
  inReplyTo: string | null | undefined;
  references: string | null | undefined;
  /** decoded (encoded-words converted) */
  subject: string | null | undefined;
}

/** The key of one message id under one base subject: a signed 64-bit integer in decimal (a bigint column). */
export function threadKey(messageId: string, base: string): string {
  return createHash('sha256').update(`${messageId}\0${base}`).digest().readBigInt64BE(0).toString();
}

/**
 * The message's thread keys, its own id's first; empty for a message that names no id at all
 * (it is a thread of its own). Ids are compared as written (RFC 5256: case-sensitively).
 */
export function threadKeys(h: ThreadHeaders): string[] {
  // a huge header is cut to its start and end first, as the stored one is, so its nearest ids are kept
  const refs = parseMessageIds(boundReferences(h.references));
  const ids = [
    ...parseMessageIds(h.messageId, 1),
    ...parseMessageIds(h.inReplyTo, 1),
    ...(refs.length > ROOT_REFERENCES + NEAREST_REFERENCES ? [...refs.slice(0, ROOT_REFERENCES), ...refs.slice(-NEAREST_REFERENCES)] : refs),
  ];
  const base = baseSubject(h.subject).base.toLowerCase();
  return [...new Set(ids)].map((id) => threadKey(id, base));
}

/**
 * Messages of one statement (a delivery group to one mailbox) that belong together by their keys:
 * for each, the 1-based position of the first message of its group. The statement cannot see
 * the keys its own earlier rows write, so it links them with this instead.
 */
export function threadLeaders(keysPerMessage: ReadonlyArray<readonly string[]>): number[] {
  const parent = keysPerMessage.map((_, i) => i);
  const find = (i: number): number => {
    let r = i;
    while (parent[r] !== r) r = parent[r];
    while (parent[i] !== r) [parent[i], i] = [r, parent[i]];
    return r;
  };
  const owner = new Map<string, number>();
  keysPerMessage.forEach((keys, i) => {
    for (const k of keys) {
      const o = owner.get(k);
      if (o === undefined) owner.set(k, i);
      else {
        const a = find(o);
        const b = find(i);
        // the smaller position leads, so a group's leader is its first message
        if (a !== b) parent[Math.max(a, b)] = Math.min(a, b);
      }
    }
  });
  return keysPerMessage.map((_, i) => find(i) + 1);
}

import type { Readable } from 'node:stream';
import type { RemoteFolder } from './folder-plan.js';

export interface RemoteFolderState {
  uidValidity: number;
  /** the UID the next message will get; every message copied so far is below it */
  uidNext: number;
  messages: number;
}

export interface RemoteMessageMeta {
  uid: number;
  flags: string[];
  internalDate: Date;
  size: number;
  /** only when asked for (to recognise messages after a UIDVALIDITY change) */
  messageId?: string | null;
}

/**
 * One logged-in session on the server a user moves from: the narrow part of IMAP the copy needs.
 * The adapter (imapflow) lives in ../adapters; tests drive the engine with the real one against a
 * second platform, so the port stays small rather than mocked.
 */
export abstract class RemoteMailbox {
  abstract listFolders(): Promise<{ folders: RemoteFolder[]; personalPrefix: string }>;
  /** SELECT (read-only: EXAMINE) a folder; the calls below work on it */
  abstract openFolder(path: string): Promise<RemoteFolderState>;
  /** the messages with a UID in [from, to], ascending */
  abstract listMessages(from: number, to: number, opts?: { messageId?: boolean }): Promise<RemoteMessageMeta[]>;
  /** the raw bytes of these messages, as the server stores them; any the server no longer has are left out */
  abstract fetchBodies(uids: readonly number[]): AsyncIterable<{ uid: number; body: Buffer }>;
  /** one message's raw bytes as a stream (for messages too large to hold), null when it is gone */
  abstract downloadBody(uid: number): Promise<Readable | null>;
  abstract close(): Promise<void>;
}

/** The remote refused the login: retrying will not help until the password changes. */
export class RemoteAuthError extends Error {
  override name = 'RemoteAuthError';
}

/** How far one remote folder of one user has been copied; saved after every chunk. */
export interface FolderProgress {
  remotePath: string;
  localName: string;
  uidValidity: number;
  /** every message with a UID up to this one has been dealt with (copied, or counted as an error) */
  lastUid: number;
  /** messages in the folder when it was last opened */
  total: number;
  done: number;
  bytes: number;
  errors: number;
  lastError: string | null;
}

/** Where one user's progress is kept (the batch's PostgreSQL tables; a map in unit tests). */
export abstract class ProgressStore {
  abstract load(remotePath: string): Promise<FolderProgress | null>;
  abstract save(progress: FolderProgress): Promise<void>;
}

/**
 * What recognises a message already copied when the remote's UIDVALIDITY changed and its UIDs mean
 * nothing any more: size, internal date to the second and Message-ID, which survive the copy.
 */
export function fingerprint(size: number, internalDate: Date, messageId: string | null | undefined): string {
  return `${size}:${Math.floor(internalDate.getTime() / 1000)}:${messageId ?? ''}`;
}

import { z } from 'zod';
import { defineRequest } from './contract.js';
import { EmailAddress, Id, IsoDate } from './common.schemas.js';

/**
 * External accounts (ADR 0028, 0029): a user's mailbox on another server that the migration
 * service keeps fetching into the user's INBOX through the normal delivery path.
 */

/** How the connection to the remote server is protected. `none` needs `insecure` or a loopback host. */
export const RemoteTls = z.enum(['implicit', 'starttls', 'none']);
export type RemoteTls = z.infer<typeof RemoteTls>;

export const FetchProtocol = z.enum(['imap', 'pop3']);
export type FetchProtocol = z.infer<typeof FetchProtocol>;

/** A remote host name or IP literal, as typed by an administrator (no scheme, no port). */
export const RemoteHost = z
  .string()
  .min(1)
  .max(253)
  .regex(/^[A-Za-z0-9.:_-]+$/, 'a host name or IP address');

/** An IMAP folder name as the remote server spells it. */
export const RemoteFolder = z
  .string()
  .min(1)
  .max(512)
  .refine((s) => !/[\r\n\0]/.test(s), 'no line breaks or NUL in a folder name');

/** Why a run failed, in the administrator's words: what to check first. */
export const FetchErrorKind = z.enum(['auth', 'tls', 'timeout', 'connect', 'protocol', 'delivery', 'internal']);
export type FetchErrorKind = z.infer<typeof FetchErrorKind>;

export const FetchError = z.object({ at: IsoDate, kind: FetchErrorKind, message: z.string().max(1000) });
export type FetchError = z.infer<typeof FetchError>;

/** An external account as the API shows it: never the password. */
export const FetchAccount = z.object({
  id: Id,
  user: EmailAddress,
  protocol: FetchProtocol,
  host: RemoteHost,
  port: z.number().int().min(1).max(65535),
  tls: RemoteTls,
  insecure: z.boolean(),
  username: z.string(),
  folders: z.array(RemoteFolder),
  intervalSeconds: z.number().int(),
  leaveOnServer: z.boolean(),
  enabled: z.boolean(),
  /** set when the account was disabled (by an administrator or after repeated auth failures) */
  disabledReason: z.string().nullable(),
  createdAt: IsoDate,
  lastRunAt: IsoDate.nullable(),
  lastSuccessAt: IsoDate.nullable(),
  nextRunAt: IsoDate.nullable(),
  lastError: FetchError.nullable(),
  /** failed runs in a row (backoff grows with it) */
  consecutiveFailures: z.number().int(),
  messagesFetched: z.number().int(),
});
export type FetchAccount = z.infer<typeof FetchAccount>;

/** What is known about one remote folder (IMAP) or the maildrop (POP3). */
export const FetchFolderState = z.object({
  folder: z.string(),
  uidValidity: z.string().nullable(),
  highestUid: z.number().int().nullable(),
  /** messages of this folder delivered so far */
  delivered: z.number().int(),
});

export const AddFetchAccount = defineRequest(
  'migration.fetch.add.v1',
  z.object({
    user: EmailAddress,
    protocol: FetchProtocol,
    host: RemoteHost,
    /** default: 993/143 (IMAP), 995/110 (POP3) by `tls` */
    port: z.number().int().min(1).max(65535).optional(),
    tls: RemoteTls.default('implicit'),
    /** allows `tls: none` to a host that is not loopback; the password then crosses the network in clear */
    insecure: z.boolean().default(false),
    username: z.string().min(1).max(320),
    password: z.string().min(1).max(1024),
    /** IMAP folders to fetch (default INBOX); POP3 has only the maildrop */
    folders: z.array(RemoteFolder).max(100).optional(),
    intervalSeconds: z.number().int().min(60).max(7 * 24 * 3600).default(300),
    leaveOnServer: z.boolean().default(false),
  }),
  FetchAccount,
);

export const ListFetchAccounts = defineRequest('migration.fetch.list.v1', z.object({ user: EmailAddress.optional() }), z.object({ accounts: z.array(FetchAccount) }));

export const ShowFetchAccount = defineRequest(
  'migration.fetch.show.v1',
  z.object({ id: Id }),
  z.object({ account: FetchAccount, folders: z.array(FetchFolderState), recentErrors: z.array(FetchError) }),
);

export const RemoveFetchAccount = defineRequest('migration.fetch.remove.v1', z.object({ id: Id }), z.object({ removed: z.literal(true) }));

/** Runs the account now (whether due or not; a disabled account is enabled again by `enable`, not by `run`). */
export const RunFetchAccount = defineRequest(
  'migration.fetch.run.v1',
  z.object({ id: Id }),
  z.object({
    /** false when another replica was running it already */
    ran: z.boolean(),
    fetched: z.number().int(),
    deleted: z.number().int(),
    error: FetchError.nullable(),
  }),
);

/** Enables an account again (after auth failures disabled it), optionally with a new password. */
export const EnableFetchAccount = defineRequest(
  'migration.fetch.enable.v1',
  z.object({ id: Id, password: z.string().min(1).max(1024).optional() }),
  FetchAccount,
);

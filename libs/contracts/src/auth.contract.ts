import { z } from 'zod';
import { defineEvent, defineRequest } from './contract.js';
import { DomainName, EmailAddress, Id, IsoDate } from './common.schemas.js';
import { AccountQuota, OverQuotaPolicy } from './quota.contract.js';

export const LoginProtocol = z.enum(['imap', 'pop3', 'smtp', 'admin']);

/** Verify a user's credentials (password or app password). Wrong password and unknown user look alike. */
/** how long callers wait for VerifyLogin: the directory holds a guesser's attempt for its penalty (up to 16 s by default) */
export const VERIFY_LOGIN_TIMEOUT_MS = 30_000;

export const VerifyLogin = defineRequest(
  'auth.login.verify.v1',
  z.object({
    username: z.string().min(1).max(320),
    password: z.string().max(1024),
    protocol: LoginProtocol,
    remoteAddress: z.string().max(64).optional(),
  }),
  z.discriminatedUnion('ok', [
    z.object({ ok: z.literal(true), accountId: Id, address: EmailAddress }),
    // throttled: the client is over its attempt limit; busy: the hash queue is full (a temporary failure)
    z.object({ ok: z.literal(false), reason: z.enum(['invalid', 'locked', 'disabled', 'throttled', 'busy']) }),
  ]),
);

/**
 * Where mail for an address goes. `local`: the domain is ours and the address resolves (through
 * aliases and groups) to local accounts and/or forwarding targets. `unknown`: the domain is ours but
 * nobody has that address (550 5.1.1). `remote`: the domain is not hosted here.
 */
export const ResolveRecipient = defineRequest(
  'auth.recipient.resolve.v1',
  z.object({ address: z.string().min(1).max(320) }),
  z.discriminatedUnion('kind', [
    z.object({
      kind: z.literal('local'),
      deliverTo: z.array(
        z.object({
          accountId: Id,
          address: EmailAddress,
          /** the subaddress tag of the recipient address (user+tag), kept with the delivery for Sieve */
          detail: z.string().max(64).optional(),
          /** the account's limits and its domain's answer when full; absent: no limit of its own */
          quota: AccountQuota.extend({ overQuota: OverQuotaPolicy }).optional(),
        }),
      ),
      forwardTo: z.array(EmailAddress),
      /** a group on the way accepts only senders of this platform (authenticated or local) */
      hostedSendersOnly: z.boolean().optional(),
    }),
    z.object({ kind: z.literal('unknown') }),
    z.object({ kind: z.literal('remote') }),
  ]),
);

/**
 * Published by auth after every change that can alter how an address resolves (domains, accounts,
 * aliases, groups): whoever caches ResolveRecipient answers drops them.
 */
export const DirectoryChanged = defineEvent(
  'auth.directory.changed.v1',
  z.object({ change: z.enum(['domain', 'account', 'alias', 'group']), at: IsoDate }),
);

/** May this authenticated account send with this envelope/header From address? */
export const CheckSender = defineRequest(
  'auth.sender.check.v1',
  z.object({ accountId: Id, address: z.string().max(320) }),
  z.object({ allowed: z.boolean() }),
);

export const Domain = z.object({ id: Id, name: DomainName, createdAt: IsoDate });
export type Domain = z.infer<typeof Domain>;
export const Account = z.object({
  id: Id,
  address: EmailAddress,
  domain: DomainName,
  displayName: z.string().nullable(),
  disabled: z.boolean(),
  quotaBytes: z.number().int().nonnegative().nullable(),
  quotaMessages: z.number().int().nonnegative().nullable().default(null),
  createdAt: IsoDate,
});
export type Account = z.infer<typeof Account>;
export const Alias = z.object({ id: Id, address: EmailAddress, targets: z.array(EmailAddress).min(1), createdAt: IsoDate });
export type Alias = z.infer<typeof Alias>;

const Password = z.string().min(8, 'password must be at least 8 characters').max(1024);

export const CreateDomain = defineRequest('auth.domain.create.v1', z.object({ name: DomainName }), Domain);
export const ListDomains = defineRequest('auth.domain.list.v1', z.object({}), z.object({ domains: z.array(Domain) }));
export const DeleteDomain = defineRequest('auth.domain.delete.v1', z.object({ name: DomainName }), z.object({ deleted: z.literal(true) }));

export const CreateAccount = defineRequest(
  'auth.account.create.v1',
  z.object({
    address: EmailAddress,
    password: Password,
    displayName: z.string().max(200).optional(),
    quotaBytes: z.number().int().nonnegative().optional(),
    quotaMessages: z.number().int().nonnegative().optional(),
  }),
  Account,
);
/** Sets or removes (null) an account's limits; fields left out keep their value. */
export const SetAccountQuota = defineRequest(
  'auth.account.quota.set.v1',
  z.object({
    address: EmailAddress,
    quotaBytes: z.number().int().nonnegative().nullable().optional(),
    quotaMessages: z.number().int().nonnegative().nullable().optional(),
  }),
  Account,
);
export const ListAccounts = defineRequest(
  'auth.account.list.v1',
  z.object({ domain: DomainName.optional() }),
  z.object({ accounts: z.array(Account) }),
);
export const GetAccount = defineRequest('auth.account.get.v1', z.object({ address: EmailAddress }), Account);
export const DeleteAccount = defineRequest('auth.account.delete.v1', z.object({ address: EmailAddress }), z.object({ deleted: z.literal(true), accountId: Id }));
export const SetPassword = defineRequest(
  'auth.account.password.set.v1',
  z.object({ address: EmailAddress, password: Password }),
  z.object({ updated: z.literal(true) }),
);

export const CreateAlias = defineRequest(
  'auth.alias.create.v1',
  z.object({ address: EmailAddress, targets: z.array(EmailAddress).min(1).max(1000) }),
  Alias,
);
export const ListAliases = defineRequest('auth.alias.list.v1', z.object({ domain: DomainName.optional() }), z.object({ aliases: z.array(Alias) }));
export const DeleteAlias = defineRequest('auth.alias.delete.v1', z.object({ address: EmailAddress }), z.object({ deleted: z.literal(true) }));

/** Health probe of the directory service (readiness of its callers). */
export const AuthPing = defineRequest('auth.ping.v1', z.object({}), z.object({ ok: z.literal(true) }));

import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { Readable } from 'node:stream';
import { describe, it } from 'node:test';
import { runMigrations, scratchPglite, scratchPostgres, type ScratchDatabase } from '@mail/db';
import { indexMessage } from '@mail/mime';
import { createLogger } from '@mail/telemetry';
import { AppendRepository } from './append.repository.js';
import { toIndexRecord, type IndexRecord } from './index-record.js';
import { THREAD_ID } from './message.repository.js';
import { mailMigrations } from './migrations/mail-migrations.js';
import { storedThreadKeys, ThreadKeysBackfill } from './thread-backfill.js';
import { threadKeys } from './thread-keys.js';

const adminUrl = process.env.TEST_DATABASE_URL;
const engines: Array<[string, () => Promise<ScratchDatabase>]> = [['PGlite', scratchPglite]];
if (adminUrl) engines.push(['PostgreSQL', () => scratchPostgres(adminUrl, 'thrbf')]);
const logger = createLogger('test', 'silent');

async function record(raw: string): Promise<IndexRecord> {
  return toIndexRecord(await indexMessage(Readable.from([Buffer.from(raw)])));
}

describe('thread keys from what an index row kept (ADR 0072)', () => {
  it('are the keys the indexer gave the message: encoded subjects, folded and long References', async () => {
    const refs = Array.from({ length: 40 }, (_, i) => `<r${i}@Example.ORG>`).join('\r\n ');
    const raws = [
      'Message-ID: <p@x>\r\nSubject: =?utf-8?q?Gr=C3=BC=C3=9Fe?=\r\n\r\nbody\r\n',
      `Message-ID: <q@x>\r\nIn-Reply-To: <p@x> (comment)\r\nReferences: ${refs}\r\nSubject: Re: Re:  [list]  Hello\r\n\r\nbody\r\n`,
      'Subject: no ids at all\r\n\r\nbody\r\n',
      'Message-ID: <only@x>\r\n\r\nno subject\r\n',
    ];
    for (const raw of raws) {
      const r = await record(raw);
      const env = JSON.parse(r.envelopeJson) as { messageId: string | null; inReplyTo: string | null; subject: string | null };
      const stored = storedThreadKeys({ messageId: env.messageId, inReplyTo: env.inReplyTo, subject: env.subject, threadReferences: r.threadReferences, lowercasedReferences: null });
      assert.deepEqual(stored, r.threadKeys, raw.slice(0, 40));
    }
  });

  it('fall back to the lowercased References of rows indexed before migration 010', () => {
    const keys = storedThreadKeys({ messageId: '<a@x>', inReplyTo: null, subject: 'S', threadReferences: null, lowercasedReferences: 'references: <root@x> <b@x>' });
    assert.deepEqual(keys, threadKeys({ messageId: '<a@x>', inReplyTo: null, references: '<root@x> <b@x>', subject: 'S' }));
  });
});

for (const [engine, open] of engines) {
  describe(`ThreadKeysBackfill (${engine})`, () => {
    it('lets a new reply join its old parent, keeps every shown THREADID, resumes, and stops when done', async () => {
      const scratch = await open();
      const db = scratch.db;
      try {
        await runMigrations(db, 'mail', mailMigrations);
        const [a, b] = [randomUUID(), randomUUID()];
        const [boxA, boxB] = [randomUUID(), randomUUID()];
        for (const [account, box] of [
          [a, boxA],
          [b, boxB],
        ]) {
          await db.query('INSERT INTO mail.accounts (account_id) VALUES ($1)', [account]);
          await db.query(`INSERT INTO mail.mailboxes (id, account_id, name, uid_next) VALUES ($1, $2, 'INBOX', 100)`, [box, account]);
        }
        // rows as a release before 012 wrote them: no keys on the index row, no thread on the message
        const oldIndex = async (blob: string, env: object, threadReferences: string | null, headers: string[] = []) =>
          (
            await db.query<{ id: string }>(
              `INSERT INTO mail.message_indexes (blob_key, size, header_size, envelope, body, ref_count, thread_references, headers) VALUES ($1, 1, 1, $2, '{}', 1, $3, $4) RETURNING id`,
              [blob, JSON.stringify(env), threadReferences, headers],
            )
          ).rows[0]?.id ?? '';
        const oldMessage = (box: string, uid: number, indexId: string) =>
          db.query(`INSERT INTO mail.messages (mailbox_id, uid, modseq, flags, internal_date, size, blob_key, header_size, index_id) VALUES ($1, $2, 1, '{}', now(), 1, 'k', 1, $3)`, [box, uid, indexId]);
        const parent = await oldIndex('p', { messageId: '<p@x>', inReplyTo: null, subject: '=?utf-8?q?Hello?=' }, null);
        const sibling = await oldIndex('s', { messageId: '<s@x>', inReplyTo: '<p@x>', subject: 'Re: Hello' }, '<p@x>');
        const lonely = await oldIndex('l', { messageId: null, inReplyTo: null, subject: 'nothing' }, null);
        const pre010 = await oldIndex('o', { messageId: '<o@x>', inReplyTo: null, subject: 'Old' }, null, ['subject: old', 'references: <root@x>']);
        await oldMessage(boxA, 1, parent);
        await oldMessage(boxA, 2, sibling);
        await oldMessage(boxA, 3, lonely);
        await oldMessage(boxA, 4, pre010);
        // the same stored message in another owner's mailbox: its keys are that owner's too
        await oldMessage(boxB, 1, parent);

        const appends = new AppendRepository();
        const append = (account: string, box: string, blobKey: string, keys: string[]) =>
          appends.append(db, {
            accountId: account,
            mailboxId: box,
            flags: [],
            internalDate: new Date().toISOString(),
            blobKey,
            unseen: 1,
            idempotencyKey: null,
            index: {
              record: {
                size: 1, headerSize: 1, envelopeJson: '{}', envelopeImap: 'NIL', bodyJson: '{}', sentDate: null, sentOn: null,
                hdrFrom: '', hdrTo: '', hdrCc: '', hdrBcc: '', hdrSubject: '', headers: [], bodyText: '', threadReferences: null, threadKeys: keys,
              },
            },
          });
        const threadOf = async (box: string, uid: number) =>
          String((await db.query<{ t: string }>(`SELECT ${THREAD_ID} AS t FROM mail.messages m WHERE mailbox_id = $1 AND uid = $2`, [box, uid])).rows[0]?.t);
        const shown = async () => Promise.all([[boxA, 1], [boxA, 2], [boxA, 3], [boxA, 4], [boxB, 1]].map(([box, uid]) => threadOf(box as string, uid as number)));
        // a reply appended after 012 but before the backfill: a thread of its own, and the
        // placeholder of its parent's id leads there for now
        await append(a, boxA, 'early', threadKeys({ messageId: '<e@x>', inReplyTo: '<p@x>', references: null, subject: 'Re: Hello' }));
        const early = await threadOf(boxA, 100);
        const before = await shown();
        assert.deepEqual(before, [parent, sibling, lonely, pre010, parent].map(String));

        // one batch of 2, then a new instance (a restart) goes on from where it got to
        const first = new ThreadKeysBackfill(db, logger, 2);
        const one = await first.batch();
        assert.deepEqual([one.scanned, one.done], [2, false]);
        const second = new ThreadKeysBackfill(db, logger, 2);
        const rest = await second.runFor(60_000);
        assert.equal(rest.done, true);
        assert.equal(one.scanned + rest.scanned, 6, 'every message looked at once');
        assert.deepEqual(await shown(), before, 'no THREADID a client was shown changed');
        assert.equal(await threadOf(boxA, 100), early);
        const { rows: nulls } = await db.query<{ n: number }>('SELECT count(*)::int AS n FROM mail.message_indexes WHERE thread_keys IS NULL');
        assert.equal(Number(nulls[0]?.n), 0, 'every index row has its keys (empty for a message without ids)');

        // new arrivals join the old threads, the older (smaller) number where two lead on
        await append(a, boxA, 'late', threadKeys({ messageId: '<n@x>', inReplyTo: '<p@x>', references: null, subject: 'Re: Hello' }));
        assert.equal(await threadOf(boxA, 101), String(parent));
        await append(a, boxA, 'late2', threadKeys({ messageId: '<n2@x>', inReplyTo: '<s@x>', references: null, subject: 'Hello' }));
        assert.equal(await threadOf(boxA, 102), String(sibling));
        await append(a, boxA, 'late3', threadKeys({ messageId: '<n3@x>', inReplyTo: null, references: '<root@x> <o@x>', subject: 'Re: old' }));
        assert.equal(await threadOf(boxA, 103), String(pre010));
        await append(b, boxB, 'late4', threadKeys({ messageId: '<n4@x>', inReplyTo: '<p@x>', references: null, subject: 'Re: Hello' }));
        assert.equal(await threadOf(boxB, 100), String(parent));
        // a different subject is another conversation, as at append
        await append(a, boxA, 'late5', threadKeys({ messageId: '<n5@x>', inReplyTo: '<p@x>', references: null, subject: 'Something else' }));
        assert.notEqual(await threadOf(boxA, 104), String(parent));

        // done is remembered: another start does not scan again
        const third = new ThreadKeysBackfill(db, logger, 2);
        assert.deepEqual(await third.batch(), { scanned: 0, keys: 0, indexed: 0, done: true });
      } finally {
        await scratch.drop();
      }
    });
  });
}

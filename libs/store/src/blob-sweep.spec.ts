import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { AppendMessage, ExpungeMessages, MailboxStatus } from '@mail/contracts';
import { BlobCollector } from './blob-collector.js';
import { inMemoryPglite, rawMessage, startStore, type StoreHarness } from './store-test-harness.js';

describe('unreferenced blobs inside the grace period', () => {
  let h: StoreHarness;
  before(async () => {
    h = await startStore(await inMemoryPglite(), { blobGraceSeconds: 3600 });
  });
  after(async () => h?.close());

  it('are kept at expunge and removed by the sweep once the grace period is over', async () => {
    const accountId = randomUUID();
    const blobKey = await h.put(rawMessage());
    const r = await h.bus.request(AppendMessage, { accountId, blobKey, size: 1 });
    await h.bus.request(ExpungeMessages, { accountId, mailboxId: r.mailboxId, onlyDeleted: false });
    assert.equal((await h.bus.request(MailboxStatus, { accountId, name: 'INBOX' })).messages, 0);
    assert.notEqual(await h.blobs.stat(blobKey), null, 'young blob kept: other recipients may still need it');

    const collector = h.app.get(BlobCollector, { strict: false });
    assert.equal(await collector.sweep(), 0);
    await h.db.query(`UPDATE mail.message_indexes SET created_at = now() - interval '2 hours', unreferenced_since = now() - interval '2 hours' WHERE blob_key = $1`, [blobKey]);
    assert.equal(await collector.sweep(), 1);
    assert.equal(await h.blobs.stat(blobKey), null);
  });
});

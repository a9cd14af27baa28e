import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import type { SeqNumber } from '@mail/imap-protocol';
import { MailboxView } from './mailbox-view.js';

/**
 * Property tests for the UID ⇄ sequence-number mapping (issue 11): the view is checked against the
 * obvious model, a sorted array of UIDs, and against what a client does with the responses it is
 * sent (applies each `n EXPUNGE` in order, then grows to EXISTS). If the two ever disagree, a client
 * would act on the wrong message.
 */

const INFO = { id: '11111111-1111-4111-8111-111111111111', name: 'INBOX', specialUse: null, subscribed: true, uidValidity: 7, highestModseq: 1, unseen: 0, sizeBytes: 0 };

/** ascending distinct UIDs, gaps included (expunged messages leave holes) */
const uidList = fc.uniqueArray(fc.integer({ min: 1, max: 400 }), { maxLength: 60 }).map((a) => a.sort((x, y) => x - y));

function open(uids: number[]): MailboxView {
  const v = new MailboxView({ ...INFO, uidNext: (uids.at(-1) ?? 0) + 1, messages: uids.length }, false);
  v.load(uids.map((uid) => ({ uid, modseq: 1, flags: [] })));
  return v;
}

/** what the client holds after the responses of one update, starting from `before` */
function clientAfter(before: number[], expunged: number[], exists: number | null, arrivals: number[]): number[] {
  const client = [...before];
  for (const seq of expunged) {
    assert.ok(seq >= 1 && seq <= client.length, `EXPUNGE ${seq} names a message the client has (it has ${client.length})`);
    client.splice(seq - 1, 1);
  }
  if (exists !== null) {
    assert.ok(exists >= client.length, 'EXISTS never shrinks the mailbox: removals are announced by EXPUNGE');
    client.push(...arrivals.slice(0, exists - client.length));
  }
  return client;
}

const seqNumber = fc.oneof(fc.integer({ min: 1, max: 450 }), fc.constant('*' as const));
const sequenceSet = fc.array(fc.record({ start: seqNumber, end: seqNumber }), { minLength: 1, maxLength: 6 });

function expand(set: Array<{ start: SeqNumber; end: SeqNumber }>, star: number): Set<number> {
  const out = new Set<number>();
  for (const r of set) {
    const a = r.start === '*' ? star : r.start;
    const b = r.end === '*' ? star : r.end;
    for (let n = Math.min(a, b); n <= Math.max(a, b); n++) out.add(n);
  }
  return out;
}

describe('MailboxView UID mapping (property tests)', () => {
  it('seqOf and uidAt are inverse on the view, and seqOf is 0 for every UID it does not hold', () => {
    fc.assert(
      fc.property(uidList, fc.integer({ min: 1, max: 450 }), (uids, probe) => {
        const v = open(uids);
        assert.equal(v.exists, uids.length);
        uids.forEach((uid, i) => {
          assert.equal(v.uidAt(i + 1), uid);
          assert.equal(v.seqOf(uid), i + 1);
        });
        if (!uids.includes(probe)) assert.equal(v.seqOf(probe), 0);
        assert.equal(v.uidAt(uids.length + 1), undefined);
      }),
    );
  });

  it('a sequence set and a UID set name exactly the messages the model names, in sequence order', () => {
    fc.assert(
      fc.property(uidList, sequenceSet, (uids, set) => {
        const v = open(uids);
        const bySeq = expand(set, uids.length);
        assert.deepEqual(
          v.select(set, false),
          uids.map((uid, i) => [i + 1, uid] as [number, number]).filter(([seq]) => bySeq.has(seq)),
        );
        // in a UID set `*` is the highest UID in use, and a range past it still names that message
        const maxUid = uids.at(-1) ?? 0;
        const byUid = expand(set, maxUid);
        const named = uids.map((uid, i) => [i + 1, uid] as [number, number]).filter(([, uid]) => byUid.has(uid));
        assert.deepEqual(v.select(set, true), named);
      }),
    );
  });

  it('EXPUNGE numbers, applied in order by the client, leave it with exactly the view', () => {
    fc.assert(
      fc.property(uidList, fc.array(fc.integer({ min: 1, max: 450 }), { maxLength: 30 }), (uids, gone) => {
        const v = open(uids);
        const seqs = v.remove(gone);
        const expected = uids.filter((u) => !gone.includes(u));
        assert.deepEqual(clientAfter(uids, seqs, null, []), expected);
        assert.deepEqual(v.select([{ start: 1, end: '*' }], false).map(([, uid]) => uid), expected);
      }),
    );
  });

  it('a changes reply (expunges, flag changes, arrivals, in any order and with repeats) keeps the client and the view in step', () => {
    const step = fc.record({
      expunge: fc.array(fc.integer({ min: 1, max: 500 }), { maxLength: 10 }),
      arrive: fc.array(fc.integer({ min: 1, max: 120 }), { maxLength: 10 }),
      // flag changes name messages the store holds: indexes into what the client has
      flag: fc.array(fc.nat(), { maxLength: 5 }),
    });
    fc.assert(
      fc.property(uidList, fc.array(step, { minLength: 1, maxLength: 8 }), (uids, steps) => {
        const v = open(uids);
        let client = [...uids];
        let modseq = 1;
        for (const s of steps) {
          // the store hands out UIDs above every one it gave before (uidNext), never reusing one
          const base = Math.max(v.uidNext - 1, v.maxUid);
          const arrivals = [...new Set(s.arrive.map((d) => base + d))];
          modseq += 1;
          const changed = [...arrivals.map((uid) => ({ uid, modseq, flags: [] as string[] })), ...(client.length ? s.flag.map((i) => ({ uid: client[i % client.length]!, modseq, flags: ['\\Seen'] })) : [])];
          const before = [...client];
          const update = v.apply({ changed, expunged: s.expunge, highestModseq: modseq, uidNext: Math.max(base, ...arrivals) + 1 });
          const gone = new Set(s.expunge);
          const model = [...before.filter((u) => !gone.has(u)), ...arrivals.filter((u) => !gone.has(u)).sort((a, b) => a - b)];
          client = clientAfter(before, update.expunged, update.exists, model.slice(before.filter((u) => !gone.has(u)).length));
          assert.deepEqual(client, model, 'the client, following the responses, holds the model');
          assert.deepEqual(v.select([{ start: 1, end: '*' }], false).map(([, uid]) => uid), model, 'the view holds the model');
          assert.deepEqual(update.expungedUids, before.filter((u) => gone.has(u)), 'VANISHED names what EXPUNGE numbered');
          for (const [seq, uid] of update.flagChanges) assert.equal(v.uidAt(seq), uid, 'a FETCH FLAGS response is numbered for the view after the expunges');
        }
      }),
    );
  });

  it('absentRanges and the view together cover every UID of the asked ranges exactly once', () => {
    fc.assert(
      fc.property(uidList, fc.array(fc.tuple(fc.integer({ min: 1, max: 450 }), fc.integer({ min: 0, max: 60 })), { maxLength: 6 }), (uids, pairs) => {
        const v = open(uids);
        // ascending, merged ranges, as the session passes them
        const merged: [number, number][] = [];
        for (const [a, len] of [...pairs].sort((x, y) => x[0] - y[0])) {
          const last = merged.at(-1);
          if (last && a <= last[1] + 1) last[1] = Math.max(last[1], a + len);
          else merged.push([a, a + len]);
        }
        const absent = new Set<number>();
        for (const [lo, hi] of v.absentRanges(merged)) for (let n = lo; n <= hi; n++) {
          assert.ok(!absent.has(n), 'no UID reported twice');
          absent.add(n);
        }
        for (const [lo, hi] of merged) for (let n = lo; n <= hi; n++) assert.equal(absent.has(n), !uids.includes(n), `UID ${n}`);
      }),
    );
  });
});


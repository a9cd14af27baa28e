import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MailboxView } from './mailbox-view.js';

function view(uids: number[]): MailboxView {
  const v = new MailboxView(
    { id: '11111111-1111-4111-8111-111111111111', name: 'INBOX', specialUse: null, subscribed: true, uidValidity: 7, uidNext: 100, highestModseq: 10, messages: uids.length, unseen: 0, sizeBytes: 0 },
    false,
  );
  v.load(uids.map((uid) => ({ uid, modseq: 1, flags: [] })));
  return v;
}

describe('MailboxView', () => {
  it('maps sequence numbers and UID sets', () => {
    const v = view([3, 5, 9, 20]);
    assert.deepEqual(v.select([{ start: 2, end: '*' }], false), [[2, 5], [3, 9], [4, 20]]);
    assert.deepEqual(v.select([{ start: 4, end: 10 }], true), [[2, 5], [3, 9]]);
    assert.deepEqual(v.select([{ start: 50, end: '*' }], true), [[4, 20]]);
    assert.equal(v.seqOf(9), 3);
    assert.equal(v.seqOf(10), 0);
  });

  it('shows \\Recent on the UIDs of its claimed ranges, counts them, and never keeps \\Recent as a stored flag', () => {
    const v = view([3, 5, 9, 20]);
    v.addRecent({ after: 4, upTo: 9 });
    v.addRecent({ after: 9, upTo: 9 });
    v.addRecent({ after: 15, upTo: 25 });
    // a MULTIAPPEND's claim comes with each of its messages: counted once
    v.addRecent({ after: 15, upTo: 25 });
    assert.equal(v.recentCount(), 3);
    assert.deepEqual(v.recentUids(), [5, 9, 20]);
    assert.deepEqual(v.flagsOf(5), ['\\Recent']);
    assert.deepEqual(v.flagsOf(3), []);
    assert.equal(v.setFlags(5, ['\\Seen', '\\Recent'], 11), true);
    assert.deepEqual(v.flagsOf(5), ['\\Seen', '\\Recent']);
    assert.equal(v.setFlags(5, ['\\Seen'], 12), false, '\\Recent is not a change');
    assert.equal(v.firstUnseen(), 1);
    v.remove([9]);
    assert.equal(v.recentCount(), 2);
  });

  it('counts a UID once when a \\Recent range overlaps one it holds (an EXAMINE session peeks at (watermark, last] each time)', () => {
    const v = view([1, 2, 6, 8]);
    v.addRecent({ after: 0, upTo: 1 });
    v.addRecent({ after: 0, upTo: 2 });
    assert.equal(v.recentCount(), 2);
    v.addRecent({ after: 5, upTo: 6 });
    v.addRecent({ after: 1, upTo: 8 });
    assert.equal(v.recentCount(), 4);
    assert.deepEqual(v.recentUids(), [1, 2, 6, 8]);
  });

  it("takes the session's own append only when its modseq directly follows the view's", () => {
    const v = view([3, 5]);
    assert.deepEqual(v.appendedHere([{ uid: 100, modseq: 11, flags: ['\\Seen'] }]), { expunged: [], expungedUids: [], exists: 3, flagChanges: [] });
    assert.equal(v.modseq, 11);
    assert.equal(v.uidNext, 101);
    assert.deepEqual(v.flagsOf(100), ['\\Seen']);
    // something else took modseq 12: the caller must ask the store
    assert.equal(v.appendedHere([{ uid: 101, modseq: 13, flags: [] }]), null);
    assert.equal(v.exists, 3);
    assert.equal(v.modseq, 11);
    // a uid the view has seen or passed is never taken as new
    assert.equal(v.appendedHere([{ uid: 100, modseq: 12, flags: [] }]), null);
  });

  it("follows the session's own STORE only when its modseq directly follows the view's", () => {
    const v = view([3, 5]);
    assert.equal(v.followOwnChange(11), true);
    assert.equal(v.modseq, 11);
    // another session's change took 12: ours at 13 leaves the view to the store's changes
    assert.equal(v.followOwnChange(13), false);
    assert.equal(v.modseq, 11);
    assert.equal(v.followOwnChange(11), false);
  });

  it('takes the appends an event lists only when they all follow each other from the view, or none of them', () => {
    const v = view([3, 5]);
    // a gap inside the list (modseq 13 missing): nothing is applied
    assert.equal(v.appendedHere([{ uid: 106, modseq: 11, flags: [] }, { uid: 107, modseq: 12, flags: [] }, { uid: 108, modseq: 14, flags: [] }]), null);
    assert.equal(v.exists, 2);
    // UIDs must ascend, and be new (below UIDNEXT they are not)
    assert.equal(v.appendedHere([{ uid: 99, modseq: 11, flags: [] }]), null);
    assert.equal(v.appendedHere([{ uid: 107, modseq: 11, flags: [] }, { uid: 106, modseq: 12, flags: [] }]), null);
    assert.equal(v.appendedHere([]), null);
    assert.deepEqual(v.appendedHere([{ uid: 106, modseq: 11, flags: [] }, { uid: 109, modseq: 12, flags: ['$Junk'] }]), { expunged: [], expungedUids: [], exists: 4, flagChanges: [] });
    assert.equal(v.seqOf(109), 4);
    assert.equal(v.modseq, 12);
    assert.equal(v.uidNext, 110);
  });

  it('numbers EXPUNGE responses as the client will apply them', () => {
    const v = view([1, 2, 3, 4, 5]);
    // removing 2 and 4: "2 EXPUNGE" then 4 has become seq 3
    assert.deepEqual(v.remove([4, 2, 99]), [2, 3]);
    assert.deepEqual(v.select([{ start: 1, end: '*' }], false), [[1, 1], [2, 3], [3, 5]]);
  });

  it('names the UIDs it does not hold within ranges, and the UIDs a listing lacks (QRESYNC without history)', () => {
    const v = view([3, 5, 9, 20]);
    assert.deepEqual(v.absentRanges([[1, 10], [19, 21], [30, 30]]), [[1, 2], [4, 4], [6, 8], [10, 10], [19, 19], [21, 21], [30, 30]]);
    assert.deepEqual(v.absentRanges([[5, 5]]), []);
    assert.deepEqual(v.missingFrom(new Set([3, 20])), [5, 9]);
    assert.deepEqual(v.uidRanges([{ start: 4, end: '*' }]), [[4, 99]]);
  });

  it('applies store changes incrementally', () => {
    const v = view([1, 2, 3]);
    const update = v.apply({
      changed: [
        { uid: 2, modseq: 11, flags: ['\\Seen'] },
        { uid: 3, modseq: 11, flags: [] },
        { uid: 7, modseq: 12, flags: ['\\Flagged'] },
      ],
      expunged: [1],
      highestModseq: 12,
      uidNext: 8,
    });
    assert.deepEqual(update, { expunged: [1], expungedUids: [1], exists: 3, flagChanges: [[1, 2, ['\\Seen'], 11]] });
    assert.equal(v.modseqOf(2), 11);
    assert.equal(v.modseqOf(7), 12);
    assert.equal(v.modseq, 12);
    assert.deepEqual(v.flagsOf(7), ['\\Flagged']);
  });
});

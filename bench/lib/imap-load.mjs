// The IMAP figures on one filled mailbox; each returns milliseconds from command sent to tagged OK.
import { ImapClient, quote } from './imap-client.mjs';
import { makeMessage, SEARCH_BODY, SEARCH_SUBJECT } from './message.mjs';

const RANGE = 1000;

function searchCount(r) {
  const line = r.untagged.find((l) => /^\* SEARCH/i.test(l)) ?? '* SEARCH';
  return line.trim().split(/\s+/).length - 2;
}

/** UIDs of the mailbox, for picking contiguous ranges of 1,000 (unmeasured). */
export async function mailboxUids({ port, host, user, password }) {
  const c = await ImapClient.connect(port, host);
  try {
    await c.login(user, password);
    await c.command('SELECT INBOX');
    const r = await c.command('UID SEARCH ALL');
    const line = r.untagged.find((l) => /^\* SEARCH/i.test(l)) ?? '';
    return line.split(/\s+/).slice(2).map(Number);
  } finally {
    await c.logout();
  }
}

function range(uids, offset) {
  const n = Math.min(RANGE, uids.length);
  const start = Math.max(0, Math.min(uids.length - n, offset));
  return { set: `${uids[start]}:${uids[start + n - 1]}`, n };
}

/** One pass of every IMAP figure. rep picks which 1,000 messages STORE touches, so reps don't repeat a no-op. */
export async function imapPass({ port, host, user, password, uids, rep = 0, from }) {
  const out = {};
  const c = await ImapClient.connect(port, host);
  try {
    const login = await c.login(user, password);
    const select = await c.command('SELECT INBOX');
    out.loginSelect = login.ms + select.ms;

    const all = await c.command('UID FETCH 1:* (UID FLAGS INTERNALDATE RFC822.SIZE ENVELOPE)', { keep: false });
    out.fetchEnvelopeAll = all.ms;
    out.fetchEnvelopeCount = all.count;

    const mid = range(uids, Math.floor(uids.length / 2));
    const bodies = await c.command(`UID FETCH ${mid.set} (BODY.PEEK[])`, { keep: false });
    out.fetchBody1000 = bodies.ms;
    out.fetchBodyBytes = bodies.bytes;

    const subj = await c.command(`UID SEARCH SUBJECT ${quote(SEARCH_SUBJECT)}`);
    out.searchSubject = subj.ms;
    out.searchSubjectHits = searchCount(subj);
    const body = await c.command(`UID SEARCH BODY ${quote(SEARCH_BODY)}`);
    out.searchBody = body.ms;
    out.searchBodyHits = searchCount(body);

    const st = range(uids, rep * RANGE);
    const store = await c.command(`UID STORE ${st.set} +FLAGS (\\Flagged $Bench${rep})`, { keep: false });
    out.store1000 = store.ms;

    // APPEND one at a time, each waiting for its OK, as a client saving drafts or a migration tool does
    const appended = [];
    let appendMs = 0;
    for (let i = 0; i < RANGE; i++) {
      const { raw } = makeMessage({ index: 1_000_000 + rep * RANGE + i, from, to: user, runId: `append${rep}` });
      const r = await c.command(`APPEND INBOX {${raw.length}+}\r\n`, { raw });
      appendMs += r.ms;
      const m = /APPENDUID \d+ (\d+)/i.exec(r.status);
      if (m) appended.push(Number(m[1]));
    }
    out.append1000 = appendMs;
    // put the mailbox back as it was so every repetition sees the same size (unmeasured)
    if (appended.length) {
      await c.command(`UID STORE ${appended.join(',')} +FLAGS.SILENT (\\Deleted)`, { keep: false });
      await c.command(`UID EXPUNGE ${appended.join(',')}`, { keep: false });
    }
  } finally {
    await c.logout();
  }
  return out;
}

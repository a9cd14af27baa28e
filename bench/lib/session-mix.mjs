// The small-session regime of real clients (issue 14): many short sessions on a small mailbox, each
// LOGIN, SELECT, FETCH flags+envelopes, STORE, APPEND, EXPUNGE of what it appended, LOGOUT; and the
// same commands with sessions that stay logged in. Commands per second over all clients, mean
// latency per command name.
import { ImapClient } from './imap-client.mjs';
import { makeMessage } from './message.mjs';

/** One session's commands after LOGIN; `c` is logged in. Returns the command latencies by name. */
async function mixCommands(c, { from, to, runId, index }, times) {
  const t = (name, r) => (times[name] ??= []).push(r.ms);
  t('SELECT', await c.command('SELECT INBOX'));
  t('FETCH', await c.command('FETCH 1:* (FLAGS ENVELOPE)', { keep: false }));
  t('STORE', await c.command('STORE 1:10 +FLAGS.SILENT (\\Seen)'));
  const { raw } = makeMessage({ index, from, to, runId });
  const appended = await c.command(`APPEND INBOX {${raw.length}+}\r\n`, { raw });
  t('APPEND', appended);
  const uid = /APPENDUID \d+ (\d+)/i.exec(appended.status)?.[1];
  // the mailbox keeps its size: what was appended goes again (UID EXPUNGE of UIDPLUS, Dovecot has it too)
  if (uid) {
    t('STORE', await c.command(`UID STORE ${uid} +FLAGS.SILENT (\\Deleted)`));
    t('EXPUNGE', await c.command(`UID EXPUNGE ${uid}`));
  }
}

/**
 * `clients` loops for `seconds` each (or `loops` times each: the same work in every run, for
 * bench/session-cpu.mjs --logged-in): with `relogin`, a new connection and LOGIN per session (the
 * stress tool's regime), otherwise one login per client and the commands repeated on it.
 */
export async function sessionMixPass({ port, host, user, password, from, clients = 10, seconds = 10, relogin = true, loops = 0 }) {
  const times = {};
  let commands = 0;
  let sessions = 0;
  const deadline = performance.now() + seconds * 1000;
  const count = () => Object.values(times).reduce((n, a) => n + a.length, 0);
  const started = performance.now();
  await Promise.all(
    Array.from({ length: clients }, async (_, k) => {
      let c = null;
      for (let i = 0; loops ? i < loops : performance.now() < deadline; i++) {
        if (!c) {
          c = await ImapClient.connect(port, host);
          (times.LOGIN ??= []).push((await c.login(user, password)).ms);
        }
        await mixCommands(c, { from, to: user, runId: `mix${k}`, index: 2_000_000 + k * 100_000 + i }, times);
        sessions++;
        if (relogin) {
          const t0 = performance.now();
          await c.logout();
          (times.LOGOUT ??= []).push(performance.now() - t0);
          c = null;
        }
      }
      if (c) await c.logout();
    }),
  );
  commands = count();
  const elapsed = (performance.now() - started) / 1000;
  const mean = Object.fromEntries(Object.entries(times).map(([k, a]) => [k, a.reduce((x, y) => x + y, 0) / a.length]));
  return { commandsPerSec: commands / elapsed, commands, sessions, seconds: elapsed, mean };
}

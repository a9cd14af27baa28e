// The anchor as a bench target: Postfix + Dovecot, mailboxes filled by writing Maildir files.
import { startAnchor, dovecotPids, anchorVersions, DOMAIN } from '../anchor/anchor.mjs';
import { fillMaildir } from '../lib/fill.mjs';

export async function anchorTarget({ users, maxConnections, log }) {
  const a = await startAnchor({ users: users.map((u) => ({ local: u.address.split('@')[0], password: u.password })), maxConnections, log });
  return {
    name: 'anchor',
    label: 'Postfix + Dovecot',
    host: a.host,
    domain: DOMAIN,
    ports: a.ports,
    versions: await anchorVersions(),
    // IDLE connections live in Dovecot only; Postfix is idle then and counted out
    imapServerPids: () => dovecotPids(a.dir),
    serverPids: () => a.serverPids(),
    fill: async ({ user, count, startIndex, from }) =>
      fillMaildir({ maildir: a.maildir(user.address.split('@')[0]), owner: a.owner, user: user.address, count, startIndex, from }),
    close: () => a.close(),
  };
}

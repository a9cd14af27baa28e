/**
 * The `expanded` trace step's detail when a recipient is an alias (or a group, or carries a
 * forward): the addresses it became. Null when the recipient is simply its own mailbox.
 */
export function expansionOf(address: string, resolution: { deliverTo: Array<{ address: string }>; forwardTo: string[] }): string | null {
  const mailboxes = resolution.deliverTo.map((d) => d.address);
  const self = address.toLowerCase();
  if (!resolution.forwardTo.length && mailboxes.length === 1 && mailboxes[0].toLowerCase() === self) return null;
  const parts = [];
  if (mailboxes.length) parts.push(`to mailbox${mailboxes.length > 1 ? 'es' : ''} ${mailboxes.join(', ')}`);
  if (resolution.forwardTo.length) parts.push(`forwarded to ${resolution.forwardTo.join(', ')}`);
  return `expanded ${parts.join('; ')}`;
}

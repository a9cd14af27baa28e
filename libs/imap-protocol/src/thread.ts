import { untagged } from './response.js';

/**
 * THREAD (RFC 5256 section 3): ORDEREDSUBJECT and REFERENCES as pure functions over what the
 * session knows of each message. Everything is iterative (no recursion over thread depth) and
 * bounded: a chain of 100,000 replies or a reference loop costs time linear in the input.
 */
export interface ThreadMessage {
  /** what the response shows: the sequence number or the UID */
  id: number;
  /** mailbox order (sequence number): the tie-breaker */
  order: number;
  /** sent date (the internal date when there is none), ms */
  date: number;
  /** base subject through the collation (baseSubject + asciiCasemap) */
  subject: string;
  isReplyOrForward: boolean;
  /** the Message-ID, normalised (parseMessageIds), null when missing or invalid */
  messageId: string | null;
  /** References' ids in order, or the first of In-Reply-To when References has none */
  references: readonly string[];
  /**
   * `references` were lowercased before they got here (a message indexed before the store kept the
   * header's case): they match an id whatever its case, the only thing left to do for them
   */
  referencesFolded?: boolean;
}

/** A thread as the response shows it; `id` null for a dummy that holds siblings together. */
export interface ThreadNode {
  id: number | null;
  children: ThreadNode[];
}

/** ids from References/In-Reply-To kept per message: the store already bounds the header's size */
const MAX_REFERENCES = 1000;
/** a parent chain deeper than this is treated as a loop when linking (keeps linking linear) */
const MAX_LINK_DEPTH = 4096;

/**
 * The message ids in a References or In-Reply-To header, in order: `<...>` tokens with no white
 * space or angle bracket inside, as written (RFC 5256 compares message ids case-sensitively).
 */
export function parseMessageIds(text: string | null | undefined, max = MAX_REFERENCES): string[] {
  const ids: string[] = [];
  if (!text) return ids;
  let i = 0;
  while (i < text.length && ids.length < max) {
    const open = text.indexOf('<', i);
    if (open < 0) break;
    let j = open + 1;
    while (j < text.length) {
      const c = text.charCodeAt(j);
      if (c === 0x3e || c === 0x3c || c <= 0x20) break;
      j++;
    }
    if (j < text.length && text.charCodeAt(j) === 0x3e && j > open + 1) {
      ids.push(text.slice(open, j + 1));
      i = j + 1;
    } else {
      i = j;
    }
  }
  return ids;
}

function byDateThenOrder(a: { date: number; order: number }, b: { date: number; order: number }): number {
  return a.date - b.date || a.order - b.order;
}

/** ORDEREDSUBJECT: grouped by base subject, each group's first message the parent of the rest. */
export function threadOrderedSubject(messages: readonly ThreadMessage[]): ThreadNode[] {
  const sorted = [...messages].sort((a, b) => (a.subject < b.subject ? -1 : a.subject > b.subject ? 1 : byDateThenOrder(a, b)));
  const threads: Array<{ first: ThreadMessage; node: ThreadNode }> = [];
  let current: { first: ThreadMessage; node: ThreadNode } | null = null;
  for (const m of sorted) {
    if (current && current.first.subject === m.subject) {
      current.node.children.push({ id: m.id, children: [] });
      continue;
    }
    current = { first: m, node: { id: m.id, children: [] } };
    threads.push(current);
  }
  threads.sort((a, b) => byDateThenOrder(a.first, b.first));
  return threads.map((t) => t.node);
}

class Container {
  parent: Container | null = null;
  readonly children = new Set<Container>();
  /** the (date, order) this container sorts by, set once its children are sorted */
  key: { date: number; order: number } | null = null;
  sorted: Container[] = [];
  constructor(public msg: ThreadMessage | null) {}
}

function link(parent: Container, child: Container): void {
  child.parent = parent;
  parent.children.add(child);
}

function unlink(child: Container): void {
  child.parent?.children.delete(child);
  child.parent = null;
}

/** would making `parent` the parent of `child` close a loop (is `child` `parent` or one of its ancestors)? */
function wouldLoop(parent: Container, child: Container): boolean {
  if (parent === child) return true;
  if (!child.children.size) return false; // a leaf is nobody's ancestor
  let depth = 0;
  for (let p = parent.parent; p; p = p.parent) {
    if (p === child || ++depth > MAX_LINK_DEPTH) return true;
  }
  return false;
}

/** REFERENCES (RFC 5256 section 3, the algorithm of jwz's threading): parent/child from headers, then subjects. */
export function threadReferences(messages: readonly ThreadMessage[]): ThreadNode[] {
  // (1) containers and links, messages in mailbox order
  const ids = new Map<string, Container>();
  const all: Container[] = [];
  // Ids compare case-sensitively (RFC 5256). Lowercased references (messages indexed before their
  // case was kept) match by lowercase instead: `lower` holds the first container of each lowercase
  // id, and `foldedOnly` the containers only such a reference made, which a message id of any case
  // then takes. Both stay empty unless some message has folded references.
  const folding = messages.some((m) => m.referencesFolded);
  const lower = new Map<string, Container>();
  const foldedOnly = new Map<string, Container>();
  const register = (id: string, c: Container) => {
    ids.set(id, c);
    if (folding && !lower.has(id.toLowerCase())) lower.set(id.toLowerCase(), c);
  };
  const container = (id: string, folded: boolean): Container => {
    let c = ids.get(id) ?? (folded ? lower.get(id) : undefined);
    if (!c) {
      c = new Container(null);
      register(id, c);
      if (folded) foldedOnly.set(id, c);
      all.push(c);
    }
    return c;
  };
  const inOrder = [...messages].sort((a, b) => a.order - b.order);
  for (const m of inOrder) {
    let own = m.messageId ? (ids.get(m.messageId) ?? (folding ? foldedOnly.get(m.messageId.toLowerCase()) : undefined)) : undefined;
    if (own && own.msg === null) {
      own.msg = m;
      if (m.messageId && !ids.has(m.messageId)) register(m.messageId, own);
    } else {
      // no id, or a duplicate: a container of its own, outside the id table
      own = new Container(m);
      if (m.messageId && !ids.has(m.messageId)) register(m.messageId, own);
      all.push(own);
    }
    // (1A) the chain of references, each the parent of the next, existing links kept
    let prev: Container | null = null;
    for (const ref of m.references) {
      const r = container(ref, m.referencesFolded === true);
      if (prev && r.parent === null && !wouldLoop(prev, r)) link(prev, r);
      prev = r;
    }
    // (1B) the last reference is the message's parent, replacing a link a truncated header made.
    // The RFC breaks that link first and then links "unless that would introduce a loop": a link
    // only another message's References implied is not kept when the message's own cannot stand
    // (Dovecot reads it the same way)
    if (prev !== own.parent) {
      unlink(own);
      if (prev && !wouldLoop(prev, own)) link(prev, own);
    }
  }
  // (2) the root set; (3) the id table is no longer needed
  ids.clear();
  lower.clear();
  foldedOnly.clear();
  let roots = all.filter((c) => c.parent === null);
  // (4) prune dummies: childless ones go, others hand their children up (at the root only when one child)
  roots = pruneLevel(roots, true);
  const work = [...roots];
  for (let c = work.pop(); c !== undefined; c = work.pop()) {
    const kept = pruneLevel([...c.children], false);
    c.children.clear();
    for (const k of kept) {
      k.parent = c;
      c.children.add(k);
      work.push(k);
    }
  }
  sortTree(roots);
  roots = mergeBySubject(roots);
  // (6) siblings by sent date (merging changed some); (7) the tree as the response shows it
  sortTree(roots);
  return roots.map(toNode);
}

function pruneLevel(level: Container[], atRoot: boolean): Container[] {
  const out: Container[] = [];
  const queue = [...level];
  for (let c = queue.pop(); c !== undefined; c = queue.pop()) {
    if (c.msg) {
      out.push(c);
      continue;
    }
    if (!c.children.size) continue;
    if (atRoot && c.children.size > 1) {
      out.push(c);
      continue;
    }
    for (const child of c.children) {
      child.parent = c.parent;
      queue.push(child);
    }
    c.children.clear();
  }
  return out;
}

/** (6) every set of siblings by sent date, children before their parents; dummies by their first child */
function sortTree(roots: Container[]): void {
  const post: Container[] = [];
  const stack = [...roots];
  for (let c = stack.pop(); c !== undefined; c = stack.pop()) {
    post.push(c);
    for (const child of c.children) stack.push(child);
  }
  // children before their parents: every key a sort below reads is set by then
  for (const c of post.reverse()) {
    c.sorted = [...c.children].sort((a, b) => byDateThenOrder(keyOf(a), keyOf(b)));
    c.key = c.msg ? { date: c.msg.date, order: c.msg.order } : (c.sorted[0]?.key ?? { date: 0, order: 0 });
  }
  roots.sort((a, b) => byDateThenOrder(keyOf(a), keyOf(b)));
}

function keyOf(c: Container): { date: number; order: number } {
  return c.key ?? { date: 0, order: 0 };
}

function threadSubject(c: Container): string {
  let node: Container | undefined = c;
  while (node && !node.msg) node = node.sorted[0];
  return node?.msg?.subject ?? '';
}

/** (5) threads with the same base subject gathered under one root */
function mergeBySubject(roots: Container[]): Container[] {
  const table = new Map<string, Container>();
  const isReply = (c: Container) => !!c.msg?.isReplyOrForward;
  for (const c of roots) {
    const subject = threadSubject(c);
    if (!subject) continue;
    const old = table.get(subject);
    if (!old || (old.msg && (!c.msg || (isReply(old) && !isReply(c))))) table.set(subject, c);
  }
  const out: Container[] = [];
  for (const c of roots) {
    if (c.parent) continue; // already put under another root
    const subject = threadSubject(c);
    const holder = subject ? table.get(subject) : undefined;
    if (!holder || holder === c) {
      out.push(c);
      continue;
    }
    if (!holder.msg && !c.msg) {
      for (const child of c.children) link(holder, child);
      c.children.clear();
    } else if (!holder.msg || (isReply(c) && !isReply(holder))) {
      link(holder, c);
    } else {
      const dummy = new Container(null);
      link(dummy, holder);
      link(dummy, c);
      table.set(subject, dummy);
      out.push(dummy);
    }
  }
  // a holder put under a new dummy left the root for it
  return out.filter((c) => c.parent === null);
}

function toNode(root: Container): ThreadNode {
  const top: ThreadNode = { id: root.msg?.id ?? null, children: [] };
  const stack: Array<[Container, ThreadNode]> = [[root, top]];
  for (let entry = stack.pop(); entry !== undefined; entry = stack.pop()) {
    const [c, node] = entry;
    for (const child of c.sorted) {
      const n: ThreadNode = { id: child.msg?.id ?? null, children: [] };
      node.children.push(n);
      stack.push([child, n]);
    }
  }
  return top;
}

/**
 * `* THREAD (2)(3 6 (4 23)(44 7 96))` (RFC 5256 4): a parent and its only child in one list, two or
 * more children as nested lists; a dummy shows only its children.
 */
export function threadResponse(threads: readonly ThreadNode[]): string {
  const parts: string[] = ['THREAD'];
  // a stack of pending output: literal text or a node whose thread-list body is still to be written
  const stack: Array<string | ThreadNode> = [];
  for (const thread of [...threads].reverse()) stack.push(')', thread, '(');
  let text = '';
  for (let item = stack.pop(); item !== undefined; item = stack.pop()) {
    if (typeof item === 'string') {
      text += item;
      continue;
    }
    const pending: Array<string | ThreadNode> = [];
    if (item.id !== null) text += String(item.id);
    if (item.children.length === 1) {
      if (item.id !== null) pending.push(' ');
      pending.push(...item.children);
    } else if (item.children.length > 1) {
      if (item.id !== null) pending.push(' ');
      for (const child of item.children) pending.push('(', child, ')');
    }
    stack.push(...pending.reverse());
  }
  parts.push(text);
  return untagged(text ? parts.join(' ') : 'THREAD');
}

/**
 * The table of forbidden edits (SPEC S1.9, S5.13, S6.1, S7.6): each case is an edit a client
 * replica of a realistic demo contact could make, or raw bytes, that the validator must refuse
 * with `code` and a reason matching `reason`. Shared by the validator's unit table
 * (forbidden-edits.test.ts) and the socket tests (sync-server/test/trust-edits.test.ts), which
 * send each one over a real connection. Cases are built for one contact (its entries are the
 * targets); `user` is the writer (the token's user), Ana of the demo workspace.
 */
import { expect } from 'vitest';
import * as Y from 'yjs';
import * as actions from '../../../src/lib/domain/actions';
import { contactDoc, type ContactDoc } from '../../../src/lib/doc/contact';
import { CONTACT_ROOTS } from '../../../src/lib/doc/schema';
import type { DemoContact } from '../../../src/lib/demo/generate';
import type { ChannelId, Entry, EntryId, MessageEntry, TeamId, UserId } from '../../../src/lib/domain/types';
import { MAX_DRAFTS, MAX_ENTRY_TEXT_CHARS } from '../limits/constants';
import { draftKey, joinKey } from '../../../src/lib/domain/drafts';
import { ANA, NOW, TOM_ID, capture, replicaOf } from './test-kit';
import type { ValidationCode } from './validate-update';

export interface Edit {
	doc: Y.Doc;
	c: ContactDoc;
	map: (root: string) => Y.Map<unknown>;
}
export interface ForbiddenEdit {
	name: string;
	code: ValidationCode;
	reason: RegExp;
	edit?: (x: Edit) => void;
	/** Raw bytes instead of an edit (built from a replica of the server document). */
	bytes?: (server: Y.Doc) => Uint8Array;
	/** A server-side change made before the client's replica is taken. */
	setup?: (server: Y.Doc) => void;
	/** A server-side change made after it: the client has not seen it when it edits. */
	meanwhile?: (server: Y.Doc) => void;
	/**
	 * Out of order, not forbidden: it builds on changes the server does not have yet. The
	 * validator refuses it for now (`missing`); the socket endpoints keep it pending, unapplied
	 * and unanswered, as Yjs keeps pending structs, until the gap is filled (gaps.test.ts).
	 */
	pending?: true;
}

export interface AllowedEdit {
	name: string;
	edit: (c: ContactDoc, doc: Y.Doc) => void;
	setup?: (server: Y.Doc) => void;
	/** Checks the server's document once the update is applied. */
	then?: (c: ContactDoc) => void;
}

/** The forbidden edits aimed at `contact` (rich: see `richContact`), written as Ana at NOW. */
export function forbiddenEdits(contact: DemoContact): ForbiddenEdit[] {
	const entries = contact.entries;
	const first = <T extends Entry>(pred: (e: Entry) => e is T): T => {
		const e = entries.find(pred);
		if (!e) throw new Error('fixture lacks an entry');
		return e;
	};
	const incoming = first((e): e is MessageEntry => e.kind === 'message' && e.direction === 'in');
	const outgoing = first((e): e is MessageEntry => e.kind === 'message' && e.direction === 'out' && e.id in contact.deliveries);
	const comment = first((e): e is Entry => e.kind === 'comment');
	const otherReader = Object.keys(contact.reads).find((u) => u !== ANA.id) as UserId;
	const me = { type: 'user' as const, id: ANA.id };
	let seq = 0;

	function message(over: Record<string, unknown> = {}): MessageEntry {
		const id = `new-${++seq}` as EntryId;
		return { id, kind: 'message', direction: 'out', channelId: 'ch-webchat' as ChannelId, body: { type: 'text', text: 'Bonjour' }, at: NOW, author: me, ...over } as MessageEntry;
	}
	const commentBy = (author: unknown, over: Record<string, unknown> = {}) => ({ id: `c-${++seq}`, kind: 'comment', text: 'note', mentions: [], at: NOW, author, ...over });
	const eventOf = (over: Record<string, unknown>) => ({ id: `e-${++seq}`, kind: 'event', type: 'closed', source: 'user', data: {}, at: NOW, author: me, ...over });

	/** Appends an entry as a raw value (bypassing the wrapper's own checks). */
	const put = (root: string, key: string, value: unknown) => (x: Edit) => x.map(root).set(key, value);
	const putEntry = (value: object) => put(CONTACT_ROOTS.thread, String((value as { id?: unknown }).id), value);
	const R = CONTACT_ROOTS;


	return [
		// --- the thread is append-only ---------------------------------------------------------
		{ name: 'delete an incoming message', code: 'rejected_update', reason: /thread entry .* may not be deleted/, edit: (x) => x.map(R.thread).delete(incoming.id) },
		{ name: 'delete a sent message (S5.13)', code: 'rejected_update', reason: /may not be deleted/, edit: (x) => x.map(R.thread).delete(outgoing.id) },
		{ name: 'delete a comment', code: 'rejected_update', reason: /may not be deleted/, edit: (x) => x.map(R.thread).delete(comment.id) },
		{ name: 'delete the contact_created event', code: 'rejected_update', reason: /-created may not be deleted/, edit: (x) => x.map(R.thread).delete(`${contact.id}-created`) },
		{ name: 'clear the whole thread', code: 'rejected_update', reason: /may not be deleted/, edit: (x) => x.map(R.thread).clear() },
		{ name: 'overwrite an incoming message', code: 'rejected_update', reason: new RegExp(`thread entry ${incoming.id} may not be overwritten`), edit: putEntry({ ...incoming, body: { type: 'text', text: 'forged' } }) },
		{ name: 'overwrite an entry with an identical copy', code: 'rejected_update', reason: /may not be overwritten/, edit: putEntry({ ...outgoing }) },
		{ name: 'rewrite the text of a sent message', code: 'rejected_update', reason: /may not be overwritten/, edit: putEntry({ ...outgoing, body: { type: 'text', text: 'edited' } }) },
		{ name: 'rewrite a comment as my own', code: 'rejected_update', reason: /may not be overwritten/, edit: putEntry({ ...comment, author: me }) },
		{ name: 'append then delete a new entry', code: 'rejected_update', reason: /may not be deleted/, edit: (x) => x.c.transact(() => { const m = message(); x.c.thread.append(m); x.map(R.thread).delete(m.id); }) },
		{ name: 'write a new entry id twice', code: 'rejected_update', reason: /may not be overwritten/, edit: (x) => { const m = message(); x.c.thread.append(m); x.map(R.thread).set(m.id, { ...m, at: NOW - 1 }); } },
		{
			name: 'write an entry id the server got meanwhile',
			code: 'rejected_update',
			reason: /thread entry late-1 may not be overwritten/,
			meanwhile: (s) => contactDoc(s).thread.append(message({ id: 'late-1', author: { type: 'user', id: TOM_ID } })),
			edit: (x) => x.c.thread.append(message({ id: 'late-1' }))
		},
		{
			name: 'create a draft key the server got meanwhile',
			code: 'rejected_update',
			reason: /draft memo may not be replaced/,
			meanwhile: (s) => contactDoc(s).drafts.text('memo'),
			edit: (x) => x.c.drafts.edit('memo', (t) => t.insert(0, 'mine'))
		},
		// --- each draft is its author's (S9.4) ---------------------------------------------------
		{ name: "type in another user's draft", code: 'rejected_update', reason: /draft reply:u-tom belongs to another user/, setup: (s) => contactDoc(s).drafts.edit(draftKey('reply', TOM_ID), (t) => t.insert(0, 'Je prends celle-ci')), edit: (x) => x.c.drafts.edit(draftKey('reply', TOM_ID), (t) => t.insert(0, 'Ana: ')) },
		{ name: "erase another user's draft", code: 'rejected_update', reason: /belongs to another user/, setup: (s) => contactDoc(s).drafts.edit(draftKey('reply', TOM_ID), (t) => t.insert(0, 'Je prends celle-ci')), edit: (x) => x.c.drafts.edit(draftKey('reply', TOM_ID), (t) => t.delete(0, 3)) },
		{ name: "create another user's draft", code: 'rejected_update', reason: /belongs to another user/, edit: (x) => x.c.drafts.edit(draftKey('comment', TOM_ID), (t) => t.insert(0, 'x')) },
		{ name: 'join a draft in the name of another user', code: 'rejected_update', reason: /belongs to another user/, edit: (x) => x.c.drafts.text(joinKey(draftKey('reply', ANA.id), TOM_ID)) },
		// --- authorship ------------------------------------------------------------------------
		{ name: 'forge an incoming message', code: 'rejected_update', reason: /message author must be you \(u-ana\)/, edit: putEntry(message({ direction: 'in', author: { type: 'contact', id: contact.id } })) },
		{ name: 'forge an incoming message as myself', code: 'rejected_update', reason: /incoming messages are written by the server only/, edit: putEntry(message({ direction: 'in' })) },
		{ name: 'send a message as another user', code: 'rejected_update', reason: /message author must be you \(u-ana\), not user u-tom/, edit: putEntry(message({ author: { type: 'user', id: TOM_ID } })) },
		{ name: 'send a message as the contact', code: 'rejected_update', reason: /author must be you/, edit: putEntry(message({ author: { type: 'contact', id: contact.id } })) },
		{ name: 'send a message as a bot', code: 'rejected_update', reason: /author must be you \(u-ana\), not bot/, edit: putEntry(message({ author: { type: 'bot', id: 'b1' } })) },
		{ name: 'send a message as the system', code: 'rejected_update', reason: /not system/, edit: putEntry(message({ author: { type: 'system', id: 'system' } })) },
		{ name: 'send a message as an integration', code: 'rejected_update', reason: /author must be you/, edit: putEntry(message({ author: { type: 'integration', id: 'i1' } })) },
		{ name: 'comment as another user', code: 'rejected_update', reason: /comment author must be you \(u-ana\), not user u-tom/, edit: putEntry(commentBy({ type: 'user', id: TOM_ID })) },
		{ name: 'comment as a bot', code: 'rejected_update', reason: /comment author must be you/, edit: putEntry(commentBy({ type: 'bot', id: 'b1' })) },
		{ name: 'comment as a workflow', code: 'rejected_update', reason: /comment author must be you/, edit: putEntry(commentBy({ type: 'workflow', id: 'w1' })) },
		{ name: 'comment without an author', code: 'rejected_update', reason: /comment author must be you \(u-ana\), not nobody/, edit: putEntry(commentBy(undefined)) },
		{ name: 'comment with my id but type api', code: 'rejected_update', reason: /comment author must be you/, edit: putEntry(commentBy({ type: 'api', id: ANA.id })) },
		{ name: 'event authored by another user', code: 'rejected_update', reason: /event author must be you/, edit: putEntry(eventOf({ author: { type: 'user', id: TOM_ID } })) },
		{ name: 'event with source system', code: 'rejected_update', reason: /source "user"/, edit: putEntry(eventOf({ source: 'system' })) },
		{ name: 'event with source workflow', code: 'rejected_update', reason: /source "user"/, edit: putEntry(eventOf({ type: 'assigned', source: 'workflow' })) },
		{ name: 'server-only event contact_created', code: 'rejected_update', reason: /"contact_created" events are written by the server only/, edit: putEntry(eventOf({ type: 'contact_created' })) },
		{ name: 'server-only event broadcast_sent', code: 'rejected_update', reason: /written by the server only/, edit: putEntry(eventOf({ type: 'broadcast_sent' })) },
		{ name: 'unknown event type', code: 'rejected_update', reason: /unknown event type self_destruct/, edit: putEntry(eventOf({ type: 'self_destruct' })) },
		// --- shapes ----------------------------------------------------------------------------
		{ name: 'unknown entry kind', code: 'rejected_update', reason: /unknown kind \(note\)/, edit: putEntry(message({ kind: 'note' })) },
		{ name: 'entry without an id', code: 'rejected_update', reason: /must carry its own id/, edit: put(R.thread, 'no-id', { ...message(), id: undefined }) },
		{ name: 'entry id differs from its key', code: 'rejected_update', reason: /must carry its own id \(found other\)/, edit: put(R.thread, 'key-1', message({ id: 'other' })) },
		{ name: 'entry time is not a number', code: 'rejected_update', reason: /at must be a time/, edit: putEntry(message({ at: 'yesterday' })) },
		{ name: 'entry time is NaN', code: 'rejected_update', reason: /not plain data/, edit: putEntry(message({ at: NaN })) },
		{ name: 'entry time a day in the future', code: 'rejected_update', reason: /more than 5 minutes in the future/, edit: putEntry(message({ at: NOW + 86_400_000 })) },
		{ name: 'message text over 64 KiB', code: 'rejected_update', reason: /text must be a string of at most 65536/, edit: putEntry(message({ body: { type: 'text', text: 'x'.repeat(MAX_ENTRY_TEXT_CHARS + 1) } })) },
		{ name: 'comment text over 64 KiB', code: 'rejected_update', reason: /at most 65536/, edit: putEntry(commentBy(me, { text: 'y'.repeat(MAX_ENTRY_TEXT_CHARS + 1) })) },
		{ name: 'entry value over the value cap', code: 'rejected_update', reason: /larger than 98304 characters/, edit: putEntry(message({ extra: 'z'.repeat(100 * 1024) })) },
		{ name: 'message without a body', code: 'rejected_update', reason: /body must be an object/, edit: putEntry(message({ body: undefined })) },
		{ name: 'message direction sideways', code: 'rejected_update', reason: /direction must be "out"/, edit: putEntry(message({ direction: 'sideways' })) },
		{ name: 'comment mentions not a list', code: 'rejected_update', reason: /mentions must be a list/, edit: putEntry(commentBy(me, { mentions: 'u-tom' })) },
		{ name: 'entry is a string', code: 'rejected_update', reason: /must be an object/, edit: put(R.thread, 'str', 'hello') },
		{ name: 'entry holds binary data', code: 'rejected_update', reason: /not plain data/, edit: putEntry(message({ blob: new Uint8Array([1, 2, 3]) })) },
		{ name: 'entry as a nested Y.Map', code: 'rejected_update', reason: /must be a plain value|nested/, edit: (x) => x.map(R.thread).set('ymap', new Y.Map()) },
		{ name: 'list items in the thread root', code: 'rejected_update', reason: /thread holds keyed values only/, bytes: (s) => rawReplica(s, (d) => d.getArray(R.thread).push([message()])) },
		// --- delivery statuses belong to the channels ------------------------------------------
		{ name: 'mark a sent message as read', code: 'rejected_update', reason: /delivery status of .* may not be overwritten/, edit: put(R.delivery, outgoing.id, { status: 'read', at: NOW }) },
		{ name: 'remove a delivery status', code: 'rejected_update', reason: /may not be removed/, edit: (x) => x.map(R.delivery).delete(outgoing.id) },
		{ name: 'queue an old message again', code: 'rejected_update', reason: /may not be overwritten|only mark an outgoing message it adds/, edit: put(R.delivery, outgoing.id, { status: 'queued', at: NOW }) },
		{ name: 'queue a message without a status', code: 'rejected_update', reason: /only mark an outgoing message it adds/, edit: put(R.delivery, incoming.id, { status: 'queued', at: NOW }) },
		{ name: 'mark my new message as sent', code: 'rejected_update', reason: /only the server's channels write delivery statuses/, edit: (x) => { const m = message(); x.c.transact(() => { x.c.thread.append(m); x.map(R.delivery).set(m.id, { status: 'sent', at: NOW }); }); } },
		// --- profile, assignment, state ---------------------------------------------------------
		{ name: 'first name is a number', code: 'rejected_update', reason: /profile field firstName must be a string/, edit: put(R.profile, 'firstName', 42) },
		{ name: 'first name of 500 characters', code: 'rejected_update', reason: /at most 100 characters/, edit: put(R.profile, 'firstName', 'a'.repeat(500)) },
		{ name: 'tags are numbers', code: 'rejected_update', reason: /profile field tags must be a list/, edit: put(R.profile, 'tags', [1, 2]) },
		{ name: 'blocked is a string', code: 'rejected_update', reason: /blocked must be true or false/, edit: put(R.profile, 'blocked', 'yes') },
		{ name: 'custom field holds an object', code: 'rejected_update', reason: /custom: .* must be text/, edit: put(R.profile, 'custom', { plan: { tier: 1 } }) },
		{ name: 'channels is a string', code: 'rejected_update', reason: /channels must be a list/, edit: put(R.profile, 'channels', 'ch-webchat') },
		{ name: 'unknown profile field', code: 'rejected_update', reason: /unknown profile field password/, edit: put(R.profile, 'password', 'hunter2') },
		{ name: 'remove a profile field', code: 'rejected_update', reason: /profile email may not be removed/, edit: (x) => x.map(R.profile).delete('email') },
		{ name: 'clear the profile map', code: 'rejected_update', reason: /may not be removed/, edit: (x) => x.map(R.profile).clear() },
		{ name: 'profile field as a nested Y.Text', code: 'rejected_update', reason: /must be a plain value|nested/, edit: (x) => x.map(R.profile).set('firstName', new Y.Text('Ann')) },
		// --- references name entities of the directory (domain/references.ts, as POST /api/contacts) ---
		{ name: 'assign to a user id that names nobody', code: 'rejected_update', reason: /assignment userId u-nobody names no active user/, edit: (x) => x.c.assignment.set({ userId: 'u-nobody' as UserId }) },
		{ name: 'assign to a team id used as a user id', code: 'rejected_update', reason: /assignment userId t-support names no active user/, edit: (x) => x.c.assignment.set({ userId: 't-support' as UserId }) },
		{ name: 'assign to a team id that names no team', code: 'rejected_update', reason: /assignment teamId t-nowhere names no team/, edit: (x) => x.c.assignment.set({ teamId: 't-nowhere' as TeamId }) },
		{ name: 'assign to a user id used as a team id', code: 'rejected_update', reason: /assignment teamId u-tom names no team/, edit: (x) => x.c.assignment.set({ teamId: TOM_ID as unknown as TeamId }) },
		{ name: 'assign with the domain action to nobody', code: 'rejected_update', reason: /names no active user|no user of the workspace/, edit: (x) => x.c.applyAction(actions.assign(x.c.assignment.get(), { userId: 'u-ghost' as UserId }, 'user'), me, NOW, () => `e-${++seq}`) },
		{ name: 'an assigned event naming nobody', code: 'rejected_update', reason: /names u-ghost, which is no user/, edit: putEntry(eventOf({ type: 'assigned', data: { userId: 'u-ghost', teamId: null } })) },
		{ name: 'an assigned event naming no team', code: 'rejected_update', reason: /names t-ghost, which is no team/, edit: putEntry(eventOf({ type: 'assigned', data: { userId: null, teamId: 't-ghost' } })) },
		{ name: 'a comment mentioning nobody', code: 'rejected_update', reason: /mentions u-ghost, who is no user/, edit: putEntry(commentBy(me, { mentions: [TOM_ID, 'u-ghost'] })) },
		{ name: 'a message on a channel that does not exist', code: 'rejected_update', reason: /channel ch-ghost does not exist/, edit: putEntry(message({ channelId: 'ch-ghost' })) },
		{ name: 'assignee is a number', code: 'rejected_update', reason: /assignment userId must be an id or null/, edit: put(R.assignment, 'userId', 7) },
		{ name: 'unknown assignment field', code: 'rejected_update', reason: /unknown assignment field botId/, edit: put(R.assignment, 'botId', 'b1') },
		{ name: 'remove the assignee field', code: 'rejected_update', reason: /assignment userId may not be removed/, edit: (x) => x.map(R.assignment).delete('userId') },
		{ name: 'status archived', code: 'rejected_update', reason: /status must be open, closed or snoozed/, edit: put(R.state, 'status', 'archived') },
		{ name: 'since is a string', code: 'rejected_update', reason: /state since must be a time/, edit: put(R.state, 'since', 'now') },
		{ name: 'unknown state field', code: 'rejected_update', reason: /unknown state field history/, edit: put(R.state, 'history', []) },
		{ name: 'remove the status', code: 'rejected_update', reason: /state status may not be removed/, edit: (x) => x.map(R.state).delete('status') },
		// --- read marks -----------------------------------------------------------------------
		{ name: "write another user's read mark", code: 'rejected_update', reason: new RegExp(`read mark of u-tom is not yours`), edit: put(R.reads, TOM_ID, NOW) },
		{ name: "move another reader's existing mark", code: 'rejected_update', reason: /is not yours/, edit: put(R.reads, otherReader, NOW) },
		{ name: "remove another user's read mark", code: 'rejected_update', reason: /is not yours/, edit: (x) => x.map(R.reads).delete(otherReader) },
		{ name: 'my read mark is a string', code: 'rejected_update', reason: /your read mark must be a time/, edit: put(R.reads, ANA.id, 'now') },
		{ name: 'my read mark a year ahead', code: 'rejected_update', reason: /more than 5 minutes in the future/, edit: put(R.reads, ANA.id, NOW + 365 * 86_400_000) },
		// --- drafts ---------------------------------------------------------------------------
		{ name: 'remove the reply draft', code: 'rejected_update', reason: /draft reply may not be removed/, edit: (x) => x.map(R.drafts).delete('reply') },
		{ name: 'replace the reply draft', code: 'rejected_update', reason: /draft reply may not be replaced/, edit: (x) => x.map(R.drafts).set('reply', new Y.Text('mine')) },
		{ name: 'new draft as a Y.Map', code: 'rejected_update', reason: /draft x must be a Y.Text/, edit: (x) => x.map(R.drafts).set('x', new Y.Map()) },
		{ name: 'new draft as a plain string', code: 'rejected_update', reason: /must be a Y.Text/, edit: put(R.drafts, 'y', 'text') },
		{ name: 'draft over 64 KiB', code: 'rejected_update', reason: /draft reply would be longer than 65536/, edit: (x) => x.c.drafts.edit('reply', (t) => t.insert(0, 'w'.repeat(70_000))) },
		{ name: 'shared type embedded in a draft', code: 'rejected_update', reason: /holds plain text only|nested/, edit: (x) => x.c.drafts.edit('reply', (t) => t.insertEmbed(0, new Y.Map())) },
		{ name: 'object embedded in a draft', code: 'rejected_update', reason: /holds plain text only/, edit: (x) => x.c.drafts.edit('reply', (t) => t.insertEmbed(0, { image: 'x' })) },
		{ name: `more than ${MAX_DRAFTS} drafts`, code: 'rejected_update', reason: /at most 32 drafts/, edit: (x) => x.c.transact(() => { for (let i = 0; i < MAX_DRAFTS; i++) x.c.drafts.text(`k${i}`); }) },
		// --- root types -----------------------------------------------------------------------
		{ name: 'unknown root type', code: 'rejected_update', reason: /unknown root type "evil"/, edit: (x) => x.doc.getMap('evil').set('k', 1) },
		{ name: 'a directory root inside a contact', code: 'rejected_update', reason: /unknown root type "users"/, edit: (x) => x.doc.getMap('users').set(ANA.id, { role: 'owner' }) },
		{ name: 'unknown root text', code: 'rejected_update', reason: /unknown root type "notes"/, edit: (x) => x.doc.getText('notes').insert(0, 'hi') },
		// --- blocked contact (S7.6) -------------------------------------------------------------
		{ name: 'message a blocked contact', code: 'rejected_update', reason: /the contact is blocked/, setup: (s) => contactDoc(s).profile.patch({ blocked: true }), edit: (x) => x.c.thread.append(message()) },
		// --- bytes ------------------------------------------------------------------------------
		{ name: 'update over 256 KiB', code: 'too_large', reason: /at most 262144/, edit: (x) => x.c.transact(() => { for (let i = 0; i < 5; i++) x.c.thread.append(message({ body: { type: 'text', text: 'q'.repeat(60_000) } })); }) },
		{ name: 'random bytes', code: 'bad_update', reason: /not a Yjs update|could not be read|server does not have/, bytes: () => Uint8Array.from({ length: 64 }, (_, i) => (i * 97 + 13) & 255) },
		{ name: 'truncated update', code: 'bad_update', reason: /not a Yjs update/, bytes: (s) => { const u = capture(replicaOf(s), (d) => contactDoc(d).thread.append(message())); return u.slice(0, u.length - 20); } },
		{ name: 'update after a missing one (gap)', code: 'bad_update', pending: true, reason: /needs changes of client \d+ the server does not have/, bytes: (s) => { const r = replicaOf(s); capture(r, (d) => contactDoc(d).reads.markRead(ANA.id, NOW - 5)); return capture(r, (d) => contactDoc(d).reads.markRead(ANA.id, NOW)); } },
		{ name: 'delete of items nobody has', code: 'bad_update', pending: true, reason: /deletes items of client 12345/, bytes: () => deleteOnly(12345, 0, 3) }
		];
}

/** A replica that has not ensured the roots (so it may re-type them, as an attacker could). */
function rawReplica(server: Y.Doc, edit: (d: Y.Doc) => void): Uint8Array {
	const d = new Y.Doc();
	Y.applyUpdate(d, Y.encodeStateAsUpdate(server));
	return capture(d, edit);
}

/** A V1 update with no structs and one delete range. */
function deleteOnly(client: number, clock: number, len: number): Uint8Array {
	return new Uint8Array([0, 1, ...varUint(client), 1, ...varUint(clock), ...varUint(len)]);
}
function varUint(n: number): number[] {
	const out: number[] = [];
	while (n > 127) {
		out.push((n & 127) | 128);
		n = Math.floor(n / 128);
	}
	out.push(n);
	return out;
}


/**
 * Edits a user may make through the app's typed wrappers and the domain's actions (SPEC S5.4,
 * S6.2, S7.1-S7.6, S8.1, S9.4), aimed at `contact`, written as Ana at NOW: each must be
 * accepted. `then` checks the server's document once the update is applied.
 */
export function allowedEdits(): AllowedEdit[] {
	const me = { type: 'user' as const, id: ANA.id };
	let seq = 0;
	const newId = () => `ok-${++seq}`;

	function message(text = 'Merci, je regarde ça.'): MessageEntry {
		return { id: newId() as EntryId, kind: 'message', direction: 'out', channelId: 'ch-webchat' as ChannelId, body: { type: 'text', text }, at: NOW, author: me };
	}

	function act(c: ContactDoc, result: actions.ActionResult | actions.ActionError): void {
		if (actions.isActionError(result)) throw new Error(result.message);
		c.applyAction(result, me, NOW, newId);
	}

	return [
		{ name: 'append my outgoing message', edit: (c) => c.thread.append(message()), then: (c) => expect(c.thread.ordered().at(-1)?.author).toEqual(me) },
		{
			name: 'send a reply: message, auto-assign and read mark in one transaction (S7.2)',
			setup: (s) => contactDoc(s).assignment.set({ userId: null }),
			edit: (c) =>
				c.transact(() => {
					c.thread.append(message());
					act(c, actions.autoAssignOnReply(c.assignment.get(), ANA.id));
					c.reads.markRead(ANA.id, NOW);
				}),
			then: (c) => expect(c.assignment.get().userId).toBe(ANA.id)
		},
		{ name: 'my comment with mentions (S6.2)', edit: (c) => c.thread.append({ id: newId() as EntryId, kind: 'comment', text: '@Tom can you check?', mentions: [TOM_ID], at: NOW, author: me }) },
		{
			name: 'my outgoing message marked queued (S5.4)',
			edit: (c) => c.transact(() => { const m = message(); c.thread.append(m); c.delivery.set(m.id, { status: 'queued', at: NOW }); })
		},
		{ name: 'close (S7.3)', setup: (s) => contactDoc(s).state.patch({ status: 'open' }), edit: (c) => act(c, actions.close(c.state.get(), NOW)), then: (c) => expect(c.state.get().status).toBe('closed') },
		{ name: 'reopen', setup: (s) => contactDoc(s).state.patch({ status: 'closed' }), edit: (c) => act(c, actions.reopen(c.state.get(), NOW)), then: (c) => expect(c.state.get().status).toBe('open') },
		{ name: 'snooze (S7.4)', edit: (c) => act(c, actions.snooze(c.state.get(), false, NOW + 3_600_000, NOW)), then: (c) => expect(c.state.get().snoozeUntil).toBe(NOW + 3_600_000) },
		{
			name: 'wake up manually (S7.4)',
			setup: (s) => contactDoc(s).state.patch({ status: 'snoozed', snoozeUntil: NOW + 10, statusBeforeSnooze: 'open', sinceBeforeSnooze: NOW - 5 }),
			edit: (c) => act(c, actions.wake(c.state.get(), NOW, 'user')),
			then: (c) => expect(c.state.get().status).toBe('open')
		},
		{ name: 'assign to myself', edit: (c) => act(c, actions.assign(c.assignment.get(), { userId: ANA.id }, 'user')), then: (c) => expect(c.assignment.get().userId).toBe(ANA.id) },
		{ name: 'assign to a teammate and a team', edit: (c) => act(c, actions.assign(c.assignment.get(), { userId: TOM_ID, teamId: 't-support' as TeamId }, 'user')) },
		{ name: 'unassign', setup: (s) => contactDoc(s).assignment.set({ userId: TOM_ID }), edit: (c) => act(c, actions.unassign(c.assignment.get())) },
		{ name: 'block (S7.6)', edit: (c) => act(c, actions.block(c.state.get(), NOW)), then: (c) => expect(c.profile.get().blocked).toBe(true) },
		{
			name: 'unblock and send in one update (S7.6)',
			setup: (s) => contactDoc(s).profile.patch({ blocked: true }),
			edit: (c) => c.transact(() => { act(c, actions.unblock(c.state.get(), NOW)); c.thread.append(message()); })
		},
		{
			name: 'edit the profile (S8.1)',
			edit: (c) => c.profile.patch({ firstName: 'Élodie', lastName: 'Martin', email: 'elodie@example.fr', phone: '+33612345678', country: 'FR', language: 'fr', tags: ['vip', 'b2b'], custom: { plan: 'pro', seats: 12, trial: false, renewal: null } }),
			then: (c) => expect(c.profile.get().tags).toEqual(['vip', 'b2b'])
		},
		{ name: 'set a profile field twice in one transaction', edit: (c) => c.transact(() => { c.profile.patch({ firstName: 'A' }); c.profile.patch({ firstName: 'B' }); }), then: (c) => expect(c.profile.get().firstName).toBe('B') },
		{ name: 'my read mark', edit: (c) => c.reads.markRead(ANA.id, NOW), then: (c) => expect(c.reads.get(ANA.id)).toBe(NOW) },
		{ name: 'type in the reply draft (S9.4)', edit: (c) => c.drafts.edit('reply', (t) => t.insert(0, 'Bonjour Madame, ')), then: (c) => expect(c.drafts.read('reply')).toBe('Bonjour Madame, ') },
		{
			name: 'type, erase and format in a draft',
			setup: (s) => contactDoc(s).drafts.edit('reply', (t) => t.insert(0, 'Hello there')),
			edit: (c) => c.drafts.edit('reply', (t) => { t.delete(0, 6); t.insert(0, 'Hi '); t.format(0, 2, { bold: true }); }),
			then: (c) => expect(c.drafts.read('reply')).toBe('Hi there')
		},
		{ name: 'clear a draft after sending', setup: (s) => contactDoc(s).drafts.edit('comment', (t) => t.insert(0, 'note')), edit: (c) => c.drafts.edit('comment', (t) => t.delete(0, t.length)) },
		{ name: 'type in my own draft (S9.4)', edit: (c) => c.drafts.edit(draftKey('reply', ANA.id), (t) => t.insert(0, 'Je prends celle-ci')), then: (c) => expect(c.drafts.read(draftKey('reply', ANA.id))).toBe('Je prends celle-ci') },
		{
			name: "join another user's draft and type in it (Write together, S9.4)",
			setup: (s) => contactDoc(s).drafts.edit(draftKey('reply', TOM_ID), (t) => t.insert(0, 'Hello')),
			edit: (c) => c.transact(() => { c.drafts.text(joinKey(draftKey('reply', TOM_ID), ANA.id)); c.drafts.edit(draftKey('reply', TOM_ID), (t) => t.insert(5, ' there')); }),
			then: (c) => expect(c.drafts.read(draftKey('reply', TOM_ID))).toBe('Hello there')
		},
		{
			name: 'type in a draft I joined before',
			setup: (s) => { const c = contactDoc(s); c.drafts.edit(draftKey('reply', TOM_ID), (t) => t.insert(0, 'Hello')); c.drafts.text(joinKey(draftKey('reply', TOM_ID), ANA.id)); },
			edit: (c) => c.drafts.edit(draftKey('reply', TOM_ID), (t) => t.delete(0, 5)),
			then: (c) => expect(c.drafts.read(draftKey('reply', TOM_ID))).toBe('')
		},
		{ name: 'a new composer draft', edit: (c) => c.drafts.edit('email', (t) => t.insert(0, 'Subject')), then: (c) => expect(c.drafts.keys()).toContain('email') },
		{
			name: 'many allowed changes in one update',
			edit: (c) =>
				c.transact(() => {
					c.thread.append(message());
					c.thread.append({ id: newId() as EntryId, kind: 'comment', text: 'done', mentions: [], at: NOW, author: me });
					act(c, actions.close(c.state.get(), NOW));
					c.profile.patch({ tags: ['closed-won'] });
					c.reads.markRead(ANA.id, NOW);
					c.drafts.edit('reply', (t) => t.insert(0, 'x'));
				})
		}
	];
}

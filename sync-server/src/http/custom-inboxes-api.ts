/**
 * Custom inbox commands (`/api/custom-inboxes`, SPEC S1.5, S4.4). See docs/architecture.md
 * "Custom inboxes" for why definitions live here and not in a document.
 *
 * - GET lists the definitions shared with the caller (`sharedWith`), each with the caller's own
 *   `hidden` choice: a definition never reaches a user it is not shared with, and who hid what
 *   is told to nobody else;
 * - POST creates one (any member); PATCH and DELETE are the creator's alone (another member it
 *   is shared with gets 403; one it is not shared with gets 404: its existence is not told);
 * - POST `/:id/hidden` {hidden} hides or shows it in the caller's own sidebar.
 * Every change bumps the revision in the directory document, so every connected client fetches
 * its list again at once. Writes in this process are serialised; the whole set is one meta row.
 */
import { writeCustomInboxesRev } from '../../../src/lib/doc';
import { checkCustomInboxInput, canEdit, sharedWith, MAX_CUSTOM_INBOXES, type CustomInbox, type CustomInboxView } from '../../../src/lib/domain/custom-inboxes';
import { DIR_DOC_ID, newId } from '../../../src/lib/domain/ids';
import type { User, UserId } from '../../../src/lib/domain/types';
import { errorReply, reply, type Reply } from './respond';
import { objectBody, type ApiDeps, type Route, type RouteContext } from './routes';

const META_KEY = 'customInboxes';

interface Stored {
	rev: number;
	inboxes: CustomInbox[];
	/** Inbox id -> users who hid it. */
	hidden: Record<string, UserId[]>;
}

const EMPTY: Stored = { rev: 0, inboxes: [], hidden: {} };

async function load(deps: ApiDeps): Promise<Stored> {
	const raw = await deps.store.getMeta(META_KEY);
	if (!raw) return structuredClone(EMPTY);
	try {
		const v = JSON.parse(raw) as Partial<Stored>;
		return { rev: typeof v.rev === 'number' ? v.rev : 0, inboxes: Array.isArray(v.inboxes) ? v.inboxes : [], hidden: v.hidden && typeof v.hidden === 'object' ? v.hidden : {} };
	} catch {
		return structuredClone(EMPTY);
	}
}

/** One write at a time in this process: read, change, store, bump the directory's revision. */
const chains = new WeakMap<ApiDeps, Promise<unknown>>();
function write<T>(deps: ApiDeps, fn: (s: Stored) => { result: T; changed: boolean }): Promise<T> {
	const run = (chains.get(deps) ?? Promise.resolve()).then(async () => {
		const s = await load(deps);
		const { result, changed } = fn(s);
		if (changed) {
			s.rev++;
			await deps.store.setMeta(META_KEY, JSON.stringify(s));
			await deps.rooms.applyServerChange(DIR_DOC_ID, (ydoc) => writeCustomInboxesRev(ydoc, s.rev));
		}
		return result;
	});
	chains.set(deps, run.catch(() => undefined));
	return run;
}

function view(i: CustomInbox, s: Stored, me: User): CustomInboxView {
	return { ...i, hidden: (s.hidden[i.id] ?? []).includes(me.id) };
}

async function list({ deps, me }: RouteContext): Promise<Reply> {
	const s = await load(deps);
	return reply(200, { rev: s.rev, inboxes: s.inboxes.filter((i) => sharedWith(i, me)).map((i) => view(i, s, me)) });
}

async function create(ctx: RouteContext): Promise<Reply> {
	const { deps, me } = ctx;
	const body = await objectBody(ctx.req);
	if (!body.ok) return body.reply;
	const checked = checkCustomInboxInput(body.value, deps.visibility.directory);
	if (!checked.ok) return errorReply(400, 'invalid_input', checked.message);
	const now = deps.clock();
	const inbox: CustomInbox = { id: newId(), ...checked.value, createdBy: me.id, createdAt: now, updatedAt: now };
	const ok = await write(deps, (s) => {
		if (s.inboxes.length >= MAX_CUSTOM_INBOXES) return { result: false, changed: false };
		s.inboxes.push(inbox);
		return { result: true, changed: true };
	});
	if (!ok) return errorReply(409, 'too_many', `A workspace has at most ${MAX_CUSTOM_INBOXES} custom inboxes.`);
	return reply(201, { inbox: { ...inbox, hidden: false }, warnings: checked.warnings });
}

type Found = { ok: true; inbox: CustomInbox } | { ok: false; reply: Reply };

/** The inbox the caller names, or the refusal: 404 when it does not exist for them, 403 when they may see but not edit it. */
function findFor(s: Stored, id: string, me: User, edit: boolean): Found {
	const inbox = s.inboxes.find((i) => i.id === id);
	if (!inbox || !sharedWith(inbox, me)) return { ok: false, reply: errorReply(404, 'not_found', 'No such custom inbox.') };
	if (edit && !canEdit(inbox, me)) return { ok: false, reply: errorReply(403, 'forbidden', 'Only the creator edits or deletes a custom inbox.') };
	return { ok: true, inbox };
}

async function update(ctx: RouteContext): Promise<Reply> {
	const { deps, me } = ctx;
	const body = await objectBody(ctx.req);
	if (!body.ok) return body.reply;
	const id = ctx.params[0]!;
	return write(deps, (s) => {
		const found = findFor(s, id, me, true);
		if (!found.ok) return { result: found.reply, changed: false };
		const checked = checkCustomInboxInput(body.value, deps.visibility.directory, found.inbox);
		if (!checked.ok) return { result: errorReply(400, 'invalid_input', checked.message), changed: false };
		const next: CustomInbox = { ...found.inbox, ...checked.value, updatedAt: deps.clock() };
		s.inboxes = s.inboxes.map((i) => (i.id === id ? next : i));
		return { result: reply(200, { inbox: view(next, s, me), warnings: checked.warnings }), changed: true };
	});
}

async function remove(ctx: RouteContext): Promise<Reply> {
	const { deps, me } = ctx;
	const id = ctx.params[0]!;
	return write(deps, (s) => {
		const found = findFor(s, id, me, true);
		if (!found.ok) return { result: found.reply, changed: false };
		s.inboxes = s.inboxes.filter((i) => i.id !== id);
		delete s.hidden[id];
		return { result: reply(204), changed: true };
	});
}

async function hide(ctx: RouteContext): Promise<Reply> {
	const { deps, me } = ctx;
	const body = await objectBody(ctx.req);
	if (!body.ok) return body.reply;
	if (typeof body.value.hidden !== 'boolean') return errorReply(400, 'invalid_input', 'hidden must be true or false.');
	const hidden = body.value.hidden;
	const id = ctx.params[0]!;
	return write(deps, (s) => {
		const found = findFor(s, id, me, false);
		if (!found.ok) return { result: found.reply, changed: false };
		const others = (s.hidden[id] ?? []).filter((u) => u !== me.id);
		s.hidden[id] = hidden ? [...others, me.id] : others;
		return { result: reply(200, { inbox: view(found.inbox, s, me) }), changed: true };
	});
}

const ID = '([A-Za-z0-9_-]{1,64})';

export const customInboxRoutes: Route[] = [
	{ method: 'GET', path: /^\/api\/custom-inboxes$/, access: 'member', handle: list },
	{ method: 'POST', path: /^\/api\/custom-inboxes$/, access: 'member', handle: create },
	{ method: 'PATCH', path: new RegExp(`^/api/custom-inboxes/${ID}$`), access: 'member', handle: update },
	{ method: 'DELETE', path: new RegExp(`^/api/custom-inboxes/${ID}$`), access: 'member', handle: remove },
	{ method: 'POST', path: new RegExp(`^/api/custom-inboxes/${ID}/hidden$`), access: 'member', handle: hide }
];

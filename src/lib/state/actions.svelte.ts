/**
 * Conversation actions (SPEC S7): each reads the contact's current state from its document,
 * asks the domain for the transition (`close`, `snooze`, `assign`...), and applies the result
 * with the doc layer's `applyAction` in one local transaction authored by the session user.
 * They resolve once the change is stored locally, never waiting for the network. Creating a
 * contact is the exception: the server creates it (S3.1), so it needs the network.
 */
import { contactDoc } from '../doc';
import * as actions from '../domain/actions';
import { validateNewContact } from '../domain/contact-input';
import { newId } from '../domain/ids';
import type { Assignment, ContactId, Directory, Profile, User } from '../domain/types';
import type { Replica } from '../sync/replica';
import type { ActionOutcome, ActionsApi, NewContactInput } from './api';

export interface ActionsDeps {
	replica(): Replica | null;
	user(): User | null;
	dir(): Directory | null;
	now(): number;
	/** POST /api/contacts with the session's token. */
	createContact(body: Record<string, unknown>): Promise<{ ok: true; id: ContactId } | { ok: false; error: string }>;
}

type Transition = (c: ReturnType<typeof contactDoc>, now: number) => actions.ActionResult | actions.ActionError;

export class ActionsState implements ActionsApi {
	readonly #deps: ActionsDeps;
	/** Last action error (for a toast). */
	lastError = $state<string | null>(null);

	constructor(deps: ActionsDeps) {
		this.#deps = deps;
	}

	close(id: ContactId): Promise<ActionOutcome> {
		return this.#run(id, (c, now) => actions.close(c.state.get(), now));
	}

	reopen(id: ContactId): Promise<ActionOutcome> {
		return this.#run(id, (c, now) => actions.reopen(c.state.get(), now));
	}

	snooze(id: ContactId, until: number): Promise<ActionOutcome> {
		return this.#run(id, (c, now) => actions.snooze(c.state.get(), c.profile.get().blocked, until, now));
	}

	wake(id: ContactId): Promise<ActionOutcome> {
		return this.#run(id, (c, now) => actions.wake(c.state.get(), now, 'user'));
	}

	assign(id: ContactId, to: Partial<Assignment>): Promise<ActionOutcome> {
		return this.#run(id, (c) => actions.assign(c.assignment.get(), to, 'user'));
	}

	unassign(id: ContactId): Promise<ActionOutcome> {
		return this.#run(id, (c) => actions.unassign(c.assignment.get()));
	}

	block(id: ContactId): Promise<ActionOutcome> {
		return this.#run(id, (c, now) => actions.block(c.state.get(), now));
	}

	unblock(id: ContactId): Promise<ActionOutcome> {
		return this.#run(id, (c, now) => actions.unblock(c.state.get(), now));
	}

	async updateProfile(id: ContactId, patch: Partial<Profile>): Promise<ActionOutcome> {
		const replica = this.#deps.replica();
		if (!replica) return { ok: false, error: 'Not signed in.' };
		await replica.edit(id, (doc) => contactDoc(doc).profile.patch(patch));
		return { ok: true };
	}

	async createContact(input: NewContactInput): Promise<{ ok: true; id: ContactId } | { ok: false; errors: Record<string, string> }> {
		const dir = this.#deps.dir();
		if (!dir) return { ok: false, errors: { form: 'The workspace is not loaded yet.' } };
		const v = validateNewContact(input, dir);
		if (!v.ok) return { ok: false, errors: v.errors as Record<string, string> };
		const body: Record<string, unknown> = { firstName: v.value.firstName };
		if (v.value.lastName) body.lastName = v.value.lastName;
		if (v.value.phone) body.phone = v.value.phone;
		if (v.value.email) body.email = v.value.email;
		if (v.value.teamId) body.teamId = v.value.teamId;
		if (v.value.assigneeId) body.assigneeId = v.value.assigneeId;
		const r = await this.#deps.createContact(body);
		return r.ok ? r : { ok: false, errors: { form: r.error } };
	}

	async #run(id: ContactId, transition: Transition): Promise<ActionOutcome> {
		const replica = this.#deps.replica();
		const user = this.#deps.user();
		if (!replica || !user) return { ok: false, error: 'Not signed in.' };
		const now = this.#deps.now();
		const outcome = await replica.edit(id, (doc): ActionOutcome => {
			const c = contactDoc(doc);
			const result = transition(c, now);
			if (actions.isActionError(result)) return { ok: false, error: result.message };
			if (result.events.length === 0 && !result.state && !result.assignment && result.blocked === undefined) return { ok: true };
			c.applyAction(result, { type: 'user', id: user.id }, now, newId);
			return { ok: true };
		});
		this.lastError = outcome.ok ? null : outcome.error;
		return outcome;
	}
}

import type { ActionOutcome, ActionsApi } from '../state/api';
import type { Assignment, ContactId } from '../domain/types';

/** What a quick action on a conversation asks for (SPEC S4.7); the route maps it to `actions`. */
export type RowAction =
	| { type: 'close' }
	| { type: 'reopen' }
	| { type: 'snooze'; until: number }
	| { type: 'wake' }
	| { type: 'assign'; to: Partial<Assignment> }
	| { type: 'unassign' };

/** A row action, or block/unblock from the console header (S7.1-S7.6). */
export type ContactAction = RowAction | { type: 'block' } | { type: 'unblock' };

/** Runs one contact action through `ActionsApi`: the one place both the list and the console use. */
export function runContactAction(actions: ActionsApi, id: ContactId, a: ContactAction): Promise<ActionOutcome> {
	switch (a.type) {
		case 'close':
			return actions.close(id);
		case 'reopen':
			return actions.reopen(id);
		case 'snooze':
			return actions.snooze(id, a.until);
		case 'wake':
			return actions.wake(id);
		case 'assign':
			return actions.assign(id, a.to);
		case 'unassign':
			return actions.unassign(id);
		case 'block':
			return actions.block(id);
		case 'unblock':
			return actions.unblock(id);
	}
}

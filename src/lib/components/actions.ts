import type { Assignment } from '../domain/types';

/** What a quick action on a conversation asks for (SPEC S4.7); the route maps it to `actions`. */
export type RowAction =
	| { type: 'close' }
	| { type: 'reopen' }
	| { type: 'snooze'; until: number }
	| { type: 'wake' }
	| { type: 'assign'; to: Partial<Assignment> }
	| { type: 'unassign' };

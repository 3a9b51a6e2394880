/**
 * The audit trail of settings changes (issue 20): who did what to which record, and when.
 * Every directory and settings command appends one event after its change is written; owners
 * read them through `GET /api/directory/audit`. Details never hold secrets or passwords.
 */
import { newId } from '../../../src/lib/domain/ids';
import type { UserId } from '../../../src/lib/domain/types';
import type { ApiDeps } from './routes';

export async function audit(deps: Pick<ApiDeps, 'store' | 'clock' | 'log'>, actorId: UserId | null, action: string, targetId: string | null, detail: Record<string, unknown> = {}): Promise<void> {
	try {
		await deps.store.appendAudit({ id: newId(), at: deps.clock(), actorId, action, targetId, detail: JSON.stringify(detail) });
	} catch (err) {
		// The change is made; a lost audit line is logged, not turned into a failed command.
		deps.log(`audit ${action} ${targetId ?? ''}: ${String(err)}`);
	}
}

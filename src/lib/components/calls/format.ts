/** Display helpers of the calls UI. Pure. */
import type { CallActivityKind, CallDirection } from '../../domain/calls';
import type { IconName } from '../icons/paths';

/** 75 -> "1:15", 3725 -> "1:02:05". */
export function formatDuration(sec: number): string {
	const s = Math.max(0, Math.floor(sec));
	const h = Math.floor(s / 3600);
	const m = Math.floor((s % 3600) / 60);
	const ss = String(s % 60).padStart(2, '0');
	return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${ss}` : `${m}:${ss}`;
}

export function kindIcon(kind: CallActivityKind, direction: CallDirection = 'in'): IconName {
	if (kind === 'missed' || kind === 'failed') return 'phoneMissed';
	if (kind === 'permission_accepted' || kind === 'permission_declined') return kind === 'permission_accepted' ? 'mic' : 'micOff';
	if (kind === 'outgoing' || (kind !== 'incoming' && direction === 'out')) return 'phoneOut';
	return 'phoneIn';
}

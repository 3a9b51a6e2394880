/**
 * The remote-cursor overlay's layout, pure: the draft's text cut at every peer's caret and
 * selection edge, each piece tagged with the selection covering it and the carets before it.
 */
import type { RemoteCursor } from '../../state/api';

export interface Segment {
	text: string;
	/** Peer whose selection covers this piece (the first one when several overlap). */
	selectedBy: RemoteCursor | null;
	/** Carets standing right before this piece. */
	carets: RemoteCursor[];
}

export function cursorSegments(value: string, cursors: readonly RemoteCursor[]): Segment[] {
	const clamp = (n: number) => Math.max(0, Math.min(n, value.length));
	const cuts = new Set<number>([0, value.length]);
	for (const c of cursors) {
		cuts.add(clamp(c.anchor));
		cuts.add(clamp(c.head));
	}
	const points = [...cuts].sort((a, b) => a - b);
	const out: Segment[] = [];
	for (let i = 0; i < points.length; i++) {
		const from = points[i]!;
		const to = points[i + 1] ?? from;
		const carets = cursors.filter((c) => clamp(c.head) === from);
		const selectedBy = cursors.find((c) => Math.min(clamp(c.anchor), clamp(c.head)) <= from && to <= Math.max(clamp(c.anchor), clamp(c.head)) && from < to) ?? null;
		if (to === from && carets.length === 0) continue;
		out.push({ text: value.slice(from, to), selectedBy, carets });
	}
	return out;
}

/**
 * A gate for background work that must not compete with the person using the app (indexing
 * every thread for search after a first sync: loading thousands of documents allocates hundreds
 * of megabytes, and the collections it triggers land in scroll frames). `next()` resolves in
 * the browser's next idle period that starts at least `quietMs` after the last scroll, wheel,
 * touch, key or pointer press, with the time that period offers; the work runs that long and
 * asks again. While the person scrolls, the work waits; it resumes once they stop.
 *
 * Without `requestIdleCallback` or window events (Node tests, old browsers) it degrades to a
 * macrotask yield and a fixed slice.
 */

const INPUT_EVENTS = ['scroll', 'wheel', 'touchmove', 'keydown', 'pointerdown'] as const;

export interface IdleGateOptions {
	/** Quiet time after the last input before work resumes. */
	quietMs?: number;
	/** Longest slice, and the slice when the browser gives no deadline. */
	sliceMs?: number;
	/** Longest wait for an idle period before work runs anyway (if the page is never idle). */
	maxWaitMs?: number;
	/** Where inputs are heard; defaults to the window when there is one. */
	target?: Pick<EventTarget, 'addEventListener' | 'removeEventListener'> | null;
	now?: () => number;
}

export class IdleGate {
	readonly #quietMs: number;
	readonly #sliceMs: number;
	readonly #maxWaitMs: number;
	readonly #now: () => number;
	readonly #target: Pick<EventTarget, 'addEventListener' | 'removeEventListener'> | null;
	#lastInput = -Infinity;
	readonly #onInput = (): void => {
		this.#lastInput = this.#now();
	};

	constructor(opts: IdleGateOptions = {}) {
		this.#quietMs = opts.quietMs ?? 400;
		this.#sliceMs = opts.sliceMs ?? 8;
		this.#maxWaitMs = opts.maxWaitMs ?? 2_000;
		this.#now = opts.now ?? (() => performance.now());
		const win = typeof window !== 'undefined' ? window : null;
		this.#target = opts.target === undefined ? win : opts.target;
		for (const type of INPUT_EVENTS) this.#target?.addEventListener(type, this.#onInput, { capture: true, passive: true });
	}

	/** Resolves when background work may run, with how many milliseconds it may take. */
	async next(): Promise<number> {
		for (;;) {
			const budget = await this.#idle();
			const quietFor = this.#now() - this.#lastInput;
			if (quietFor >= this.#quietMs) return budget;
			await new Promise<void>((resolve) => setTimeout(resolve, this.#quietMs - quietFor));
		}
	}

	/** True while the person is using the page (an input less than `quietMs` ago). */
	busy(): boolean {
		return this.#now() - this.#lastInput < this.#quietMs;
	}

	dispose(): void {
		for (const type of INPUT_EVENTS) this.#target?.removeEventListener(type, this.#onInput, { capture: true });
	}

	#idle(): Promise<number> {
		if (typeof requestIdleCallback !== 'function') {
			return new Promise((resolve) => setTimeout(() => resolve(this.#sliceMs), 0));
		}
		return new Promise((resolve) =>
			requestIdleCallback(
				(deadline) => resolve(deadline.didTimeout ? this.#sliceMs / 2 : Math.max(1, Math.min(this.#sliceMs, deadline.timeRemaining()))),
				{ timeout: this.#maxWaitMs }
			)
		);
	}
}

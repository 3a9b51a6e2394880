/**
 * Keeps Tab and Shift+Tab inside a modal dialog (WAI-ARIA dialog pattern): a native modal
 * `<dialog>` makes the page behind it inert, but Tab past its last control still leaves it for
 * the browser's own UI, and a keyboard user is lost. Used as `<dialog use:trapFocus>`; the
 * dialog gives focus back to what had it when it closes (see `restoreFocus`).
 */
const FOCUSABLE = 'a[href], button:not([disabled]), input:not([disabled]):not([type="hidden"]), select:not([disabled]), textarea:not([disabled]), [tabindex]:not([tabindex="-1"]), [contenteditable="true"]';

function focusables(root: HTMLElement): HTMLElement[] {
	return [...root.querySelectorAll<HTMLElement>(FOCUSABLE)].filter((el) => el.getClientRects().length > 0);
}

export function trapFocus(node: HTMLElement): { destroy(): void } {
	// Focus given back on close: Chromium restores it for `showModal`, other engines may not.
	const previous = document.activeElement instanceof HTMLElement ? document.activeElement : null;
	const onkeydown = (e: KeyboardEvent) => {
		if (e.key !== 'Tab') return;
		const list = focusables(node);
		if (list.length === 0) {
			e.preventDefault();
			return;
		}
		const first = list[0]!;
		const last = list[list.length - 1]!;
		const active = document.activeElement;
		if (e.shiftKey && (active === first || !node.contains(active))) {
			e.preventDefault();
			last.focus();
		} else if (!e.shiftKey && (active === last || !node.contains(active))) {
			e.preventDefault();
			first.focus();
		}
	};
	node.addEventListener('keydown', onkeydown);
	return {
		destroy() {
			node.removeEventListener('keydown', onkeydown);
			const active = document.activeElement;
			if (previous?.isConnected && (!active || active === document.body || node.contains(active))) previous.focus({ preventScroll: true });
		}
	};
}

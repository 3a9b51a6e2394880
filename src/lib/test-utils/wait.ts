/**
 * The one way tests (vitest, the storage contract in the browser, the benches) wait for a
 * condition: poll it every few milliseconds until it holds, and fail with `what` past a generous
 * deadline. Never a fixed sleep.
 */
export async function waitFor(cond: () => boolean | Promise<boolean>, timeoutMs = 10_000, what = 'condition'): Promise<void> {
	const deadline = Date.now() + timeoutMs;
	while (!(await cond())) {
		if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
		await new Promise((r) => setTimeout(r, 5));
	}
}

/**
 * Messages of one area of the app: AI assist: summaries, prompts, translation (issue 24). Each area keeps its own keys, prefixed
 * with its name, so areas grow without touching one another; `en.ts` and `fr.ts` spread them in.
 */
export const en = {} as const satisfies Record<string, string>;

export const fr: Record<keyof typeof en, string> = {};

import { redirect } from '@sveltejs/kit';
import type { PageLoad } from './$types';

/** `/settings` opens the first section everyone sees. */
export const load: PageLoad = () => {
	redirect(307, '/settings/profile');
};

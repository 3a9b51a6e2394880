/**
 * Which directory entities a contact may name (SPEC S1.3, S3.1, S6.2). One rule for every
 * writer: `POST /api/contacts` checks a new contact's team and assignee with it, and the sync
 * server checks every client write of a contact document with it (assignment, the `assigned`
 * event, comment mentions, an outgoing message's channel). A reference to nothing (a user id
 * that names no user, a team id used as a user id, a deleted team) would make the contact
 * vanish from every view, since visibility (S1.3) is computed from these ids.
 */
import type { Channel, ChannelId, Directory, Team, TeamId, User, UserId } from './types';

/** A user a contact may be assigned to, or a comment may mention: a member who is active. */
export function activeUser(dir: Directory, id: unknown): User | undefined {
	return typeof id === 'string' ? dir.users.find((u) => u.id === (id as UserId) && u.active) : undefined;
}

/** A team of the workspace. */
export function knownTeam(dir: Directory, id: unknown): Team | undefined {
	return typeof id === 'string' ? dir.teams.find((t) => t.id === (id as TeamId)) : undefined;
}

/** A channel of the workspace. */
export function knownChannel(dir: Directory, id: unknown): Channel | undefined {
	return typeof id === 'string' ? dir.channels.find((c) => c.id === (id as ChannelId)) : undefined;
}

/**
 * Dovecot (IMAP) for the email channel's tests: Debian's `dovecot-imapd` package (installed with
 * apt-get when missing), started in the foreground on loopback on a free port with its own
 * configuration in a temporary directory, stopped by its PID afterwards. Any user name logs in
 * with the password `parley-imap` and gets its own empty maildir, so each test takes a fresh
 * mailbox by choosing a new user. Exports PARLEY_IMAP_URL (imap://127.0.0.1:<port>).
 */
import { execFileSync, spawn } from 'node:child_process';
import { chmodSync, chownSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { freePort, waitFor } from './services-util.mjs';

const BIN = '/usr/sbin/dovecot';
export const IMAP_PASSWORD = 'parley-imap';

function idOf(name) {
	try {
		return Number(execFileSync('id', ['-u', name]).toString().trim());
	} catch {
		return null;
	}
}

const greets = (port) =>
	new Promise((resolve) => {
		const s = connect(port, '127.0.0.1');
		s.once('data', (d) => {
			s.destroy();
			resolve(d.toString().startsWith('* OK'));
		});
		s.once('error', () => resolve(false));
	});

/** Starts one Dovecot on `port` (a free one when omitted). */
export async function startDovecot(port) {
	const dir = mkdtempSync(join(tmpdir(), 'parley-dovecot-'));
	const p = port ?? (await freePort());
	const root = userInfo().uid === 0;
	// Dovecot never gives mail access to uid 0: as root, mail is kept as the `dovecot` user.
	const mailUser = root ? 'dovecot' : userInfo().username;
	const uid = root ? (idOf('dovecot') ?? 65534) : userInfo().uid;
	const gid = root ? Number(execFileSync('id', ['-g', 'dovecot']).toString().trim()) : userInfo().gid;
	const mail = join(dir, 'mail');
	mkdirSync(mail, { recursive: true });
	if (root) {
		// The mail processes run as `dovecot`: they need to pass through the (0700) temp folder.
		chmodSync(dir, 0o711);
		chownSync(mail, uid, gid);
	}
	const conf = join(dir, 'dovecot.conf');
	writeFileSync(
		conf,
		`base_dir = ${dir}/run
state_dir = ${dir}/state
log_path = ${dir}/dovecot.log
instance_name = parley-${p}
protocols = imap
listen = 127.0.0.1
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login
first_valid_uid = 1
mail_location = maildir:${mail}/%u
${root ? `default_internal_user = dovecot\ndefault_login_user = dovenull\n` : `default_internal_user = ${mailUser}\ndefault_login_user = ${mailUser}\n`}
passdb {
	driver = static
	args = password=${IMAP_PASSWORD}
}
userdb {
	driver = static
	args = uid=${uid} gid=${gid} home=${mail}/%u
}
service imap-login {
	inet_listener imap {
		address = 127.0.0.1
		port = ${p}
	}
	inet_listener imaps {
		port = 0
	}
}
service anvil {
	chroot =
}
service imap-login {
	chroot =
}
`
	);
	const child = spawn(BIN, ['-F', '-c', conf], { stdio: ['ignore', 'pipe', 'pipe'] });
	let out = '';
	child.stdout.on('data', (d) => (out = (out + d).slice(-4000)));
	child.stderr.on('data', (d) => (out = (out + d).slice(-4000)));
	await waitFor(async () => {
		if (child.exitCode !== null) throw new Error(`dovecot exited: ${out}`);
		return greets(p);
	}, 30_000, 'dovecot to start');
	return {
		port: p,
		url: `imap://127.0.0.1:${p}`,
		async stop() {
			if (child.exitCode === null) {
				const exited = new Promise((r) => child.once('exit', r));
				child.kill('SIGTERM');
				await Promise.race([exited, new Promise((r) => setTimeout(r, 10_000))]);
				if (child.exitCode === null) child.kill('SIGKILL');
			}
			rmSync(dir, { recursive: true, force: true });
		}
	};
}

export async function start() {
	if (!existsSync(BIN)) {
		console.error('[services] installing dovecot-imapd from Debian packages');
		execFileSync('apt-get', ['install', '-y', '-q', 'dovecot-imapd'], { stdio: 'inherit', env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
	}
	const d = await startDovecot();
	return { env: { PARLEY_IMAP_URL: d.url }, stop: d.stop };
}

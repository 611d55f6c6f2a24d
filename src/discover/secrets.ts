/**
 * Well-known files that hold credentials. Discovery skips them, with a reason, unless the
 * file is named on the command line: an index is readable by anyone who can read the
 * folder, and passages are sent to the embedding model and quoted in answers.
 */

/** Names of secret files, wherever they are (case-insensitive). */
const SECRET_NAME =
  /^(\.env(\..+)?|\.npmrc|\.netrc|_netrc|\.pypirc|\.pgpass|\.git-credentials|\.htpasswd|\.dockercfg|id_(rsa|dsa|ecdsa|ed25519)(\..*)?|.+\.(pem|key|p12|pfx|jks|keystore|kdbx|ppk|gpg))$/i;

/** Folders whose every file is a secret or close to one. */
const SECRET_FOLDER = /^(\.ssh|\.gnupg|\.aws|\.azure|\.kube|\.docker)$/i;

/** Why `filePath` (any separators) looks like a secret file, or undefined when it does not. */
export function secretReason(filePath: string): string | undefined {
  const parts = filePath.split(/[\\/]/).filter((p) => p !== '');
  const name = parts[parts.length - 1] ?? '';
  if (SECRET_NAME.test(name) && !/\.pub$/i.test(name)) return 'possible secret (name the file to index it)';
  if (parts.slice(0, -1).some((p) => SECRET_FOLDER.test(p))) return 'possible secret (name the file to index it)';
  return undefined;
}

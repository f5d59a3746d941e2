import { createHash, timingSafeEqual } from 'node:crypto';

export interface Credentials {
  user: string;
  password: string;
}

/** Hashing first gives both sides one length, so the comparison's time says nothing about the secret. */
function digest(user: string, password: string): Buffer {
  return createHash('sha256').update(user).update('\0').update(password).digest();
}

/** The user and password of an `Authorization: Basic …` header, when it is one. */
export function parseBasicAuth(header: string | undefined): Credentials | undefined {
  const match = /^Basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(header ?? '');
  if (!match) return undefined;
  const decoded = Buffer.from(match[1]!, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0) return undefined;
  return { user: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
}

/** True when the header carries exactly these credentials; compared in constant time. */
export function basicAuthMatches(header: string | undefined, expected: Credentials): boolean {
  const given = parseBasicAuth(header);
  const expectedDigest = digest(expected.user, expected.password);
  // A missing header is compared too, so a refusal takes the same path either way.
  const givenDigest = given ? digest(given.user, given.password) : Buffer.alloc(expectedDigest.length);
  return timingSafeEqual(givenDigest, expectedDigest) && given !== undefined;
}

/**
 * Password hashes made by the systems that write them, for tests of `users import`: Django,
 * passlib and bcrypt through Debian's Python (`/usr/bin/python3`, packages python3-django,
 * python3-passlib, python3-bcrypt, python3-argon2: .ci/run installs them), and better-auth's own
 * `hashPassword` (npm). Keycloak cannot run here, so its two credential forms are written as
 * Keycloak writes them (JSON around the hash and salt, base64) from Python's hashlib and
 * argon2-cffi with Keycloak's default parameters.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

export interface ForeignHash {
  /** What made it, e.g. `django pbkdf2_sha256`. */
  source: string;
  /** The scheme `users import` reports for it. */
  scheme: string;
  password: string;
  /** The import line's fields: `passwordHash`, or Keycloak's `credentials`. */
  fields: { passwordHash: string } | { credentials: unknown[] };
}

const PYTHON = '/usr/bin/python3';

const SCRIPT = `
import base64, hashlib, json, os, sys
import bcrypt
from django.conf import settings
settings.configure()
from django.contrib.auth.hashers import make_password
from passlib.hash import argon2, pbkdf2_sha1, pbkdf2_sha256, pbkdf2_sha512
from argon2.low_level import Type, hash_secret_raw

passwords = json.loads(sys.argv[1])
b64 = lambda raw: base64.b64encode(raw).decode()

def keycloak(secret, salt, data):
    return {"credentials": [
        {"type": "otp", "secretData": "{}", "credentialData": "{}"},
        {"type": "password", "createdDate": 1700000000000,
         "secretData": json.dumps({"value": b64(secret), "salt": b64(salt), "additionalParameters": {}}),
         "credentialData": json.dumps(data)}]}

def keycloak_pbkdf2(password):
    salt = os.urandom(16)
    secret = hashlib.pbkdf2_hmac("sha256", password.encode(), salt, 27500, 64)
    return keycloak(secret, salt, {"hashIterations": 27500, "algorithm": "pbkdf2-sha256", "additionalParameters": {}})

def keycloak_argon2(password):
    salt = os.urandom(16)
    secret = hash_secret_raw(password.encode(), salt, time_cost=5, memory_cost=7168, parallelism=1, hash_len=32, type=Type.ID)
    params = {"hashLength": ["32"], "memory": ["7168"], "type": ["id"], "version": ["1.3"], "parallelism": ["1"]}
    return keycloak(secret, salt, {"hashIterations": 5, "algorithm": "argon2", "additionalParameters": params})

makers = [
    ("django pbkdf2_sha256", "django-pbkdf2", lambda p: {"passwordHash": make_password(p, hasher="pbkdf2_sha256")}),
    ("django pbkdf2_sha1", "django-pbkdf2", lambda p: {"passwordHash": make_password(p, hasher="pbkdf2_sha1")}),
    ("bcrypt $2b$", "bcrypt", lambda p: {"passwordHash": bcrypt.hashpw(p.encode(), bcrypt.gensalt(10)).decode()}),
    ("bcrypt $2a$", "bcrypt", lambda p: {"passwordHash": bcrypt.hashpw(p.encode(), bcrypt.gensalt(10, prefix=b"2a")).decode()}),
    ("passlib pbkdf2_sha256", "pbkdf2", lambda p: {"passwordHash": pbkdf2_sha256.hash(p)}),
    ("passlib pbkdf2_sha512", "pbkdf2", lambda p: {"passwordHash": pbkdf2_sha512.hash(p)}),
    ("passlib pbkdf2_sha1", "pbkdf2", lambda p: {"passwordHash": pbkdf2_sha1.hash(p)}),
    ("passlib argon2 (16-byte tag)", "argon2id", lambda p: {"passwordHash": argon2.hash(p)}),
    ("keycloak pbkdf2-sha256", "pbkdf2", keycloak_pbkdf2),
    ("keycloak argon2", "argon2id", keycloak_argon2),
]
out = []
for i, (source, scheme, make) in enumerate(makers):
    password = passwords[i % len(passwords)]
    out.append({"source": source, "scheme": scheme, "password": password, "fields": make(password)})
print(json.dumps(out))
`;

/**
 * One hash of each kind, each of one of `passwords` (taken in turn). A password with characters
 * outside ASCII shows that every scheme reads it as its system did (UTF-8; NFKC for better-auth).
 */
export async function foreignHashes(passwords: readonly string[]): Promise<ForeignHash[]> {
  const { stdout } = await promisify(execFile)(PYTHON, ['-c', SCRIPT, JSON.stringify(passwords)], {
    timeout: 60_000,
  });
  const made = JSON.parse(stdout) as ForeignHash[];
  const { hashPassword } = await import('better-auth/crypto');
  const password = passwords[made.length % passwords.length]!;
  made.push({
    source: 'better-auth hashPassword',
    scheme: 'better-auth-scrypt',
    password,
    fields: { passwordHash: await hashPassword(password) },
  });
  return made;
}

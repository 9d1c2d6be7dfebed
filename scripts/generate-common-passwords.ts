/**
 * Writes packages/core/src/password/common-passwords.txt: passwords of 12+ characters that
 * guessing tools try first, built from well-known patterns (common roots with the digits, years
 * and symbols people append, doubled words, keyboard walks, runs and sequences). Nothing is
 * downloaded. Run: node scripts/generate-common-passwords.ts
 */
import { writeFileSync } from 'node:fs';

const MIN_LENGTH = 12;

const ROOTS = `password passw0rd p@ssw0rd p@ssword pa55word passwd mypassword newpassword yourpassword
  changeme changeit letmein welcome welcome1 admin administrator root toor superuser guest
  default login access secret private security secure trustno1 trustme iloveyou loveyou
  ilovemyself whatever nothing unknown test testing tester demo sample temp temporary
  qwerty qwertyuiop asdfgh asdfghjkl zxcvbn zxcvbnm qazwsx zaq12wsx 1q2w3e4r 1qaz2wsx abc123
  monkey dragon shadow master superman batman spiderman ironman starwars pokemon pikachu
  football baseball basketball soccer hockey tennis golf cricket rugby
  sunshine princess butterfly flower cookie chocolate cheese banana orange pepper ginger
  purple yellow silver golden diamond rainbow freedom forever family friends blessed
  jesus angel heaven faith michael jennifer jordan hunter ranger buster tigger charlie
  jessica ashley daniel thomas robert matthew andrew joshua nicole amanda melissa
  summer winter spring autumn monday friday january august september october november december
  holiday vacation birthday beautiful sweetheart babygirl lovely loveme passion
  liverpool chelsea arsenal manchester barcelona realmadrid juventus
  newyork london paris berlin america canada australia england germany france mexico brazil
  computer internet google facebook linkedin twitter microsoft apple iphone android samsung
  mustang harley matrix killer phoenix thunder lightning whiskey guitar music
  server database oracle mysql postgres company office school student teacher
  gatehouse passphrase opensesame getmein letmeinnow`
  .split(/\s+/)
  .filter(Boolean);

const SUFFIXES = [
  '',
  '1',
  '2',
  '7',
  '12',
  '21',
  '22',
  '69',
  '77',
  '88',
  '99',
  '00',
  '01',
  '007',
  '11',
  '13',
  '123',
  '321',
  '1234',
  '4321',
  '12345',
  '54321',
  '123456',
  '1234567',
  '12345678',
  '123456789',
  '!',
  '!!',
  '1!',
  '12!',
  '123!',
  '1234!',
  '!@#',
  '@123',
  '#1',
  '.',
  '?',
  '*',
  '123$',
  ...Array.from({ length: 41 }, (_, index) => String(1990 + index)),
  ...Array.from({ length: 41 }, (_, index) => `${1990 + index}!`),
];

const WALKS = `qwertyuiop qwertyuiopasdfghjkl qwertyuiop[] asdfghjkl asdfghjkl; zxcvbnm zxcvbnm,./
  1qaz2wsx3edc 1qaz2wsx3edc4rfv 1qaz2wsx3edc4rfv5tgb zaq1xsw2cde3 zaq1xsw2cde3vfr4 !qaz@wsx#edc
  !qaz2wsx#edc4rfv qazwsxedcrfv qazwsxedcrfvtgb 1q2w3e4r5t6y 1q2w3e4r5t6y7u8i q1w2e3r4t5y6
  q1w2e3r4t5y6u7i8 qwertzuiop azertyuiop poiuytrewq lkjhgfdsa mnbvcxz qweasdzxc qweasdzxcqwe
  1234qwerasdf 1234qwerasdfzxcv qwer1234 asdf1234 zxcv1234 qwertyasdfgh qwertyasdfghzxcvbn
  qwerty123456 qwerty12345 qwerty1234 asdfgh123456 zxcvbn123456 123qweasdzxc 123456qwerty`
  .split(/\s+/)
  .filter(Boolean);

const entries = new Set<string>();
const add = (value: string) => {
  if (value.length >= MIN_LENGTH && value.length <= 128) entries.add(value.toLowerCase());
};

for (const root of ROOTS) {
  for (const suffix of SUFFIXES) add(root + suffix);
  add(root + root);
  add(`${root}${root}1`);
  add(`${root}${root}123`);
  add(`ilove${root}`);
  add(`ilove${root}123`);
  add(`my${root}123`);
  add(`the${root}123`);
}
for (const walk of WALKS) for (const suffix of SUFFIXES.slice(0, 30)) add(walk + suffix);

const DIGITS = '12345678901234567890';
for (let length = MIN_LENGTH; length <= 20; length++) {
  add(DIGITS.slice(0, length));
  add([...DIGITS.slice(0, length)].reverse().join(''));
  add('abcdefghijklmnopqrstuvwxyz'.slice(0, length + 6));
  for (const character of 'abcdefghijklmnopqrstuvwxyz0123456789!') add(character.repeat(length));
}
for (const unit of [
  '12',
  '123',
  '1234',
  '12345',
  '123456',
  'abc',
  'abc123',
  'qwe',
  'asd',
  '69',
  '007',
  'xo',
  'ab',
]) {
  for (let times = 2; times <= 10; times++) add(unit.repeat(times));
}

const sorted = [...entries].sort();
const target = new URL('../packages/core/src/password/common-passwords.txt', import.meta.url);
writeFileSync(target, `${sorted.join('\n')}\n`);
process.stdout.write(`${sorted.length} passwords written\n`);

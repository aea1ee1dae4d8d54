// What Apollo Client's persisted-queries link sends as `sha256Hash`: the SHA-256 of graphql-js
// `print(document)`. Reads a JSON array of document texts on stdin, writes their hashes.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { parse, print } from 'graphql';

const texts = JSON.parse(readFileSync(0, 'utf8'));
const sha256 = (text) => createHash('sha256').update(text, 'utf8').digest('hex');
console.log(JSON.stringify(texts.map((text) => sha256(print(parse(text))))));

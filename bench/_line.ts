import fs from 'node:fs';
import { proseLine } from '../tests/support/adversarial-inputs.ts';
const line = proseLine(Math.ceil(20 * 1024 * 1024 / 8));
fs.writeFileSync('/tmp/one-line.txt', line.slice(0, 20 * 1024 * 1024));
console.log(fs.statSync('/tmp/one-line.txt').size);

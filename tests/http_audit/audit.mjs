// Runs the graphql-http reference audit against a live server; exits 1 on any error or warning.
import { auditServer } from 'graphql-http';
const url = process.argv[2];
const results = await auditServer({ url });
let errors = 0, warnings = 0;
for (const r of results) {
  if (r.status === 'ok') continue;
  if (r.status === 'error') errors++; else warnings++;
  console.log(r.status.toUpperCase(), r.name, '-', r.reason);
}
console.log(`${results.length} audits, ${errors} errors, ${warnings} warnings`);
process.exit(errors || warnings ? 1 : 0);

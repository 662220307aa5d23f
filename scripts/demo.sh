#!/usr/bin/env bash
# The main job end to end on a throwaway PKI: install dependencies, build, make a CA with server
# and client certificates, then validate a good and a broken configuration, and Kubernetes
# manifests (a knative app and the Tigera operator) in the GitHub annotation format; then serve
# metrics with mutual TLS on loopback and scrape them.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh all
cmake --preset default >/dev/null
cmake --build --preset default --target promtls
bin=$PWD/build/src/cli/promtls

pki=$(mktemp -d /tmp/promtls-demo.XXXXXX)
serve_pid=
cleanup() {
  if [ -n "$serve_pid" ]; then kill "$serve_pid" 2>/dev/null || true; wait "$serve_pid" 2>/dev/null || true; fi
  rm -rf "$pki"
}
trap cleanup EXIT
cd "$pki"
q() { "$@" >/dev/null 2>&1; }
q openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 3650 \
  -subj "/CN=promtls demo CA" -keyout ca.key -out ca.crt \
  -addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign,cRLSign
for who in server client; do
  eku=$([ $who = server ] && echo serverAuth || echo clientAuth)
  q openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj "/CN=promtls-$who" \
    -keyout $who.key -out $who.csr
  q openssl x509 -req -in $who.csr -CA ca.crt -CAkey ca.key -CAcreateserial -days 90 -out $who.crt \
    -extfile <(printf 'subjectAltName=DNS:localhost,IP:127.0.0.1\nextendedKeyUsage=%s\n' $eku)
done
chmod 600 ./*.key

cat > good.env <<ENV
METRICS_PROMETHEUS_PORT=9443
METRICS_PROMETHEUS_TLS_CERT=$pki/server.crt
METRICS_PROMETHEUS_TLS_KEY=$pki/server.key
METRICS_PROMETHEUS_TLS_CLIENT_AUTH=require
METRICS_PROMETHEUS_TLS_CLIENT_CA_FILE=$pki/ca.crt
METRICS_PROMETHEUS_TLS_MIN_VERSION=1.3
ENV

step() { printf '\n\033[1m$ %s\033[0m\n' "$*"; }
step promtls validate --env-file good.env
"$bin" validate --no-env --env-file good.env

step promtls validate --env-file good.env --set METRICS_PROMETHEUS_TLS_CLIENT_AUTH=Require \
  --set METRICS_PROMETHEUS_TLS_KEY=client.key --set METRICS_PROMETHEUS_TLS_MAX_VERSION=1.2 \
  --set METRICS_PROMETHEUS_TLS_CERTFILE=server.crt
set +e
"$bin" validate --no-env --env-file good.env --set METRICS_PROMETHEUS_TLS_CLIENT_AUTH=Require \
  --set METRICS_PROMETHEUS_TLS_KEY="$pki/client.key" --set METRICS_PROMETHEUS_TLS_MAX_VERSION=1.2 \
  --set METRICS_PROMETHEUS_TLS_CERTFILE=server.crt
rc=$?
set -e
echo "(exit status $rc: the broken configuration is refused)"
[ $rc -eq 1 ]

step promtls validate --env-file good.env --set METRICS_PROMETHEUS_TLS_CLIENT_CA_FILE=/missing/ca.crt -o json
set +e
"$bin" validate --no-env --env-file good.env \
  --set METRICS_PROMETHEUS_TLS_CLIENT_CA_FILE=/missing/ca.crt -o json | head -12
set -e

cat > deploy.yaml <<'YAML'
apiVersion: apps/v1
kind: Deployment
metadata: {name: app, namespace: mon}
spec:
  template:
    spec:
      containers:
      - name: app
        env:
        - {name: METRICS_PROMETHEUS_TLS_CERT, value: /tls/tls.crt}
        - name: METRICS_PROMETHEUS_TLS_KEY
          valueFrom: {secretKeyRef: {name: app-tls, key: tls.key}}
        - {name: METRICS_PROMETHEUS_TLS_CLIENT_AUTH, value: require}
        volumeMounts: [{name: tls, mountPath: /tls}]
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: tigera-operator, namespace: tigera-operator}
spec:
  template:
    spec:
      containers:
      - name: tigera-operator
        env:
        - {name: METRICS_ENABLED, value: "true"}
        - {name: METRICS_SCHEME, value: https}
        - {name: TLS_MIN_VERSION, value: "1.3"}
        volumeMounts:
        - {name: tls, mountPath: /etc/tigera-operator-tls}
        - {name: ca, mountPath: /etc/tigera-ca-private}
YAML
step promtls validate --manifest deploy.yaml --profile auto -o github
set +e
"$bin" validate --manifest deploy.yaml --profile auto -o github
rc=$?
set -e
echo "(exit status $rc: the knative container needs a client CA file)"
[ $rc -eq 1 ]

step promtls serve --env-file good.env --listen 127.0.0.1:0 --watch "$pki" '&'
"$bin" serve --no-env --env-file good.env --listen 127.0.0.1:0 --watch "$pki" 2>serve.log &
serve_pid=$!
for _ in $(seq 50); do grep -q 'listener=main' serve.log && break; sleep 0.1; done
port=$(sed -n 's/.*address=127\.0\.0\.1:\([0-9]*\) listener=main.*/\1/p' serve.log)
sleep 0.5
cat serve.log
step curl --cacert ca.crt --cert client.crt --key client.key https://localhost:$port/metrics
curl -sS --cacert ca.crt --cert client.crt --key client.key --resolve "localhost:$port:127.0.0.1" \
  "https://localhost:$port/metrics" | grep -E '^(x509_cert_not_after|promtls_tls_handshakes_total|promtls_serving)'
step curl --cacert ca.crt https://localhost:$port/metrics "(no client certificate)"
set +e
curl -sS --cacert ca.crt --resolve "localhost:$port:127.0.0.1" "https://localhost:$port/metrics" 2>&1 | head -2
set -e
step promtls selftest --env-file good.env --connect localhost:$port --ca ca.crt \
  --cert client.crt --key client.key
"$bin" selftest --no-env --env-file good.env --connect "localhost:$port" --ca ca.crt \
  --cert client.crt --key client.key
kill -TERM "$serve_pid"; wait "$serve_pid"; serve_pid=
echo "(serve drained and exited 0)"

step promtls selftest --env-file good.env --local --servername localhost --ca ca.crt \
  --cert client.crt --key client.key "(serve in-process on an ephemeral port)"
"$bin" selftest --no-env --env-file good.env --local --servername localhost --ca ca.crt \
  --cert client.crt --key client.key 2>/dev/null | tail -1

step promtls inspect server.crt client.crt ca.crt --at 2030-01-01T00:00:00Z
set +e
"$bin" inspect server.crt client.crt ca.crt --at 2030-01-01T00:00:00Z
rc=$?
set -e
echo "(exit status $rc: in 2030 the 90-day certificates have long expired)"
[ $rc -eq 1 ]

step promtls inspect ca.crt -o prometheus
"$bin" inspect ca.crt -o prometheus | head -3

step promtls rules --format prometheus '>' rules.yml '&&' promtool check rules rules.yml
"$bin" rules --format prometheus > rules.yml
promtool check rules rules.yml

echo
echo "demo finished"

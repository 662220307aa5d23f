#!/usr/bin/env bash
# Median wall time of `promtls validate --manifest` over a 1,000-document stream (as `helm
# template` prints it: Deployments, StatefulSets, CronJobs and the ConfigMaps their envFrom
# reads, knative and Tigera variables), against parsing the same stream with PyYAML's libyaml
# loader (python3-yaml), which reads it without checking anything. Targets: well under 1 s for
# 1,000 documents (issue 3); for 10,000, at most 0.5x CSafeLoader's time and 64 MiB peak RSS
# (issue 17). Needs a built tree (cmake --preset default), hyperfine and GNU time.
# PROMTLS_BEFORE_BIN=path adds another promtls binary (say, one built from an older commit) to
# the same run, for before-and-after numbers.
# FORMAT=list gives the same objects as one List the way `kubectl get -o yaml` prints it,
# FORMAT=json the way `kubectl get -o json` does (then Python's json.load is a second peer):
# validate reads a List over 1 MiB an item at a time.
# Usage: [FORMAT=stream|list|json] bash bench/validate_manifests.sh [runs] [documents]
#        (defaults 30 and 1000)
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-30}
docs=${2:-1000}
bash scripts/install-deps.sh all
cmake --build --preset default --target promtls >/dev/null
bin=$PWD/build/src/cli/promtls
work=$(mktemp -d /tmp/promtls-bench-manifests.XXXXXX)
trap 'rm -rf "$work"' EXIT

# Four documents per group: a ConfigMap, a knative Deployment reading it, a Tigera operator
# StatefulSet, and a CronJob with an init container.
python3 - "$docs" > "$work/stream.yaml" <<'PY'
import sys
n = int(sys.argv[1])
out = []
for i in range(n):
    g, k = divmod(i, 4)
    if k == 0:
        out.append(f"""apiVersion: v1
kind: ConfigMap
metadata:
  name: metrics-{g}
  namespace: ns-{g % 7}
data:
  METRICS_PROMETHEUS_TLS_MIN_VERSION: "1.3"
  METRICS_PROMETHEUS_TLS_CURVE_PREFERENCES: X25519
""")
    elif k == 1:
        out.append(f"""apiVersion: apps/v1
kind: Deployment
metadata:
  name: app-{g}
  namespace: ns-{g % 7}
spec:
  replicas: 2
  template:
    metadata:
      labels: {{app: app-{g}}}
    spec:
      containers:
      - name: app
        image: example.com/app:1.{g}
        envFrom:
        - configMapRef: {{name: metrics-{g}}}
        env:
        - name: METRICS_PROMETHEUS_PORT
          value: "9090"
        - name: METRICS_PROMETHEUS_TLS_CERT
          value: /tls/tls.crt
        - name: METRICS_PROMETHEUS_TLS_KEY
          value: /tls/tls.key
        - name: METRICS_PROMETHEUS_TLS_CLIENT_AUTH
          value: require
        - name: METRICS_PROMETHEUS_TLS_CLIENT_CA_FILE
          valueFrom:
            configMapKeyRef: {{name: ca-path, key: path}}
        volumeMounts:
        - {{name: tls, mountPath: /tls, readOnly: true}}
        - {{name: ca, mountPath: /ca, readOnly: true}}
      volumes:
      - {{name: tls, secret: {{secretName: app-{g}-tls}}}}
      - {{name: ca, configMap: {{name: ca}}}}
""")
    elif k == 2:
        out.append(f"""apiVersion: apps/v1
kind: StatefulSet
metadata:
  name: tigera-operator-{g}
  namespace: tigera-operator
spec:
  template:
    spec:
      containers:
      - name: tigera-operator
        env:
        - {{name: METRICS_ENABLED, value: "true"}}
        - {{name: METRICS_SCHEME, value: https}}
        - {{name: METRICS_CLIENT_AUTH, value: RequireAndVerifyClientCert}}
        - {{name: TLS_MIN_VERSION, value: "1.3"}}
        - name: OPERATOR_NAMESPACE
          valueFrom:
            fieldRef: {{fieldPath: metadata.namespace}}
        volumeMounts:
        - {{name: tls, mountPath: /etc/tigera-operator-tls}}
        - {{name: ca, mountPath: /etc/tigera-ca-private}}
""")
    else:
        out.append(f"""apiVersion: batch/v1
kind: CronJob
metadata:
  name: job-{g}
spec:
  schedule: "*/5 * * * *"
  jobTemplate:
    spec:
      template:
        spec:
          initContainers:
          - name: wait
            image: busybox
          containers:
          - name: job
            image: example.com/job:1
            env:
            - {{name: METRICS_PROMETHEUS_HOST, value: "0.0.0.0"}}
""")
print("---\n".join(out), end="")
PY

format=${FORMAT:-stream}
case "$format" in
  stream) ;;
  list | json)
    python3 - "$format" "$work/stream.yaml" > "$work/list" <<'PY'
import json, sys, yaml
items = list(yaml.load_all(open(sys.argv[2]), Loader=yaml.CSafeLoader))
doc = {"apiVersion": "v1", "items": items, "kind": "List", "metadata": {"resourceVersion": ""}}
if sys.argv[1] == "json":
    print(json.dumps(doc, indent=4))
else:
    print(yaml.dump(doc, Dumper=yaml.CSafeDumper, default_flow_style=False, sort_keys=False), end="")
PY
    mv "$work/list" "$work/stream.yaml"
    ;;
  *) echo "FORMAT must be stream, list or json" >&2; exit 2 ;;
esac

# The stream must be valid (exit 0): a benchmark of an early exit would measure nothing.
"$bin" validate --manifest "$work/stream.yaml" --profile auto >/dev/null
targets=$("$bin" validate --manifest "$work/stream.yaml" --profile auto -o json |
  python3 -c 'import json,sys; print(json.load(sys.stdin)["summary"]["targets"])')
echo "input ($format): $docs objects, $(wc -c <"$work/stream.yaml") bytes, $targets containers"

pyyaml="/usr/bin/python3 -c 'import sys,yaml; list(yaml.load_all(open(sys.argv[1]), Loader=yaml.CSafeLoader))' $work/stream.yaml"
json_peer=()
if [ "$format" = json ]; then
  json_peer=(-n "Python json.load, parse only"
             "/usr/bin/python3 -c 'import sys,json; json.load(open(sys.argv[1]))' $work/stream.yaml")
fi
before=()
if [ -n "${PROMTLS_BEFORE_BIN:-}" ]; then
  before=(-n "before: promtls validate --manifest (text)"
          "$PROMTLS_BEFORE_BIN validate --manifest $work/stream.yaml --profile auto")
fi
hyperfine -N --warmup 3 --runs "$runs" --export-json "$work/results.json" \
  -n "promtls validate --manifest (text)" \
  "$bin validate --manifest $work/stream.yaml --profile auto" \
  -n "promtls validate --manifest -o json" \
  "$bin validate --manifest $work/stream.yaml --profile auto -o json" \
  -n "promtls validate --manifest -o sarif" \
  "$bin validate --manifest $work/stream.yaml --profile auto -o sarif" \
  "${before[@]}" \
  "${json_peer[@]}" \
  -n "PyYAML CSafeLoader, parse only" "$pyyaml" \
  >/dev/null

# Peak RSS (GNU time's maximum resident set size), the median of 3 runs each, in the same run
# as the times.
peak() {
  for _ in 1 2 3; do
    /usr/bin/time -f %M "$@" 2>&1 >/dev/null | tail -1
  done | sort -n | sed -n 2p
}
echo "peak RSS KiB: promtls text $(peak "$bin" validate --manifest "$work/stream.yaml" --profile auto)"
echo "peak RSS KiB: promtls -o json $(peak "$bin" validate --manifest "$work/stream.yaml" --profile auto -o json)"
if [ -n "${PROMTLS_BEFORE_BIN:-}" ]; then
  echo "peak RSS KiB: before text $(peak "$PROMTLS_BEFORE_BIN" validate --manifest "$work/stream.yaml" --profile auto)"
  echo "peak RSS KiB: before -o json $(peak "$PROMTLS_BEFORE_BIN" validate --manifest "$work/stream.yaml" --profile auto -o json)"
fi
if [ "$format" = json ]; then
  echo "peak RSS KiB: Python json.load $(peak /usr/bin/python3 -c 'import sys,json; json.load(open(sys.argv[1]))' "$work/stream.yaml")"
fi
echo "peak RSS KiB: PyYAML CSafeLoader $(peak /usr/bin/python3 -c 'import sys,yaml; list(yaml.load_all(open(sys.argv[1]), Loader=yaml.CSafeLoader))' "$work/stream.yaml")"

python3 - "$work/results.json" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))["results"]
base = r[0]["median"]
peer = r[-1]["median"]
print("| command | median ms | mean ms | min ms | max ms | ratio to promtls | ratio to PyYAML |")
print("|---|---|---|---|---|---|---|")
for x in r:
    print("| %s | %.1f | %.1f | %.1f | %.1f | %.2f | %.2f |" % (x["command"], x["median"] * 1000,
          x["mean"] * 1000, x["min"] * 1000, x["max"] * 1000, x["median"] / base,
          x["median"] / peer))
PY

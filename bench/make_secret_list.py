#!/usr/bin/env python3
"""Writes what `kubectl get secrets -A -o json` prints for a large cluster (issue 17).

make_secret_list.py OUT [--tls N] [--helm N] [--helm-bytes B]
Defaults: 5,000 kubernetes.io/tls Secrets (tls.crt, tls.key, ca.crt) and 15,000
helm.sh/release.v1 Secrets with a 100 KB release value each, about 1.5 GB. The
certificates are made with the openssl command (one CA, 50 leaves, reused round robin);
the layout is kubectl's: 4-space indent, keys sorted, "kind": "List" after "items".
"""
import argparse
import base64
import gzip
import json
import os
import random
import subprocess
import tempfile


def openssl(*args, cwd):
    subprocess.run(["openssl", *args], cwd=cwd, check=True, capture_output=True)


def make_pki(leaves):
    with tempfile.TemporaryDirectory() as d:
        openssl("req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256",
                "-nodes", "-keyout", "ca.key", "-out", "ca.crt", "-subj", "/CN=bench-ca",
                "-days", "3650", cwd=d)
        ca = open(os.path.join(d, "ca.crt"), "rb").read()
        out = []
        for i in range(leaves):
            openssl("req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
                    "-keyout", "l.key", "-out", "l.csr", "-subj", f"/CN=svc-{i}.example",
                    cwd=d)
            openssl("x509", "-req", "-in", "l.csr", "-CA", "ca.crt", "-CAkey", "ca.key",
                    "-set_serial", str(1000 + i), "-days", "825", "-out", "l.crt", cwd=d)
            out.append((open(os.path.join(d, "l.crt"), "rb").read(),
                        open(os.path.join(d, "l.key"), "rb").read()))
        return ca, out


def b64(data):
    return base64.b64encode(data).decode()


def main():
    p = argparse.ArgumentParser()
    p.add_argument("out")
    p.add_argument("--tls", type=int, default=5000)
    p.add_argument("--helm", type=int, default=15000)
    p.add_argument("--helm-bytes", type=int, default=100_000)
    a = p.parse_args()
    rng = random.Random(17)
    ca, leaves = make_pki(50)
    # Helm stores base64(gzip(release JSON)) and the API server base64s it once more.
    raw = gzip.compress(json.dumps({"name": "r", "manifest": "x"}).encode())
    inner = b64(raw + rng.randbytes(a.helm_bytes * 9 // 16))
    release = b64(inner.encode())[: a.helm_bytes]
    # Interleave: one tls Secret every (total / tls) items.
    total = a.tls + a.helm
    tls_at = set(round(k * total / a.tls) for k in range(a.tls)) if a.tls else set()
    with open(a.out, "w") as f:
        f.write('{\n    "apiVersion": "v1",\n    "items": [\n')
        for i in range(total):
            ns = f"ns-{i % 200}"
            if i in tls_at:
                crt, key = leaves[i % len(leaves)]
                item = {
                    "apiVersion": "v1",
                    "data": {"ca.crt": b64(ca), "tls.crt": b64(crt), "tls.key": b64(key)},
                    "kind": "Secret",
                    "metadata": {
                        "annotations": {"cert-manager.io/certificate-name": f"cert-{i}"},
                        "creationTimestamp": "2026-01-01T00:00:00Z",
                        "name": f"tls-{i}", "namespace": ns,
                        "resourceVersion": str(100000 + i),
                        "uid": f"00000000-0000-4000-8000-{i:012d}"},
                    "type": "kubernetes.io/tls",
                }
            else:
                item = {
                    "apiVersion": "v1",
                    "data": {"release": release},
                    "kind": "Secret",
                    "metadata": {
                        "creationTimestamp": "2026-01-01T00:00:00Z",
                        "labels": {"modifiedAt": "1767225600", "name": f"app-{i}",
                                   "owner": "helm", "status": "deployed", "version": "1"},
                        "name": f"sh.helm.release.v1.app-{i}.v1", "namespace": ns,
                        "resourceVersion": str(100000 + i),
                        "uid": f"00000000-0000-4000-8000-{i:012d}"},
                    "type": "helm.sh/release.v1",
                }
            text = json.dumps(item, indent=4, sort_keys=True)
            f.write("        " + text.replace("\n", "\n        "))
            f.write(",\n" if i + 1 < total else "\n")
        f.write('    ],\n    "kind": "List",\n    "metadata": {\n        "resourceVersion": ""\n    }\n}\n')


if __name__ == "__main__":
    main()

# Shared by the serve benchmarks (bench/serve.sh, bench/serve_hostile.sh, bench/serve_watch.sh);
# source it, do not run it. Each function is described above it.

# bench_work PREFIX: a new work directory in $work (/tmp/PREFIX-XXXXXX) and an empty $pids for
# the servers the benchmark starts; at exit each of them is killed and waited for, and $work is
# removed unless KEEP_WORK is set.
bench_work() {
  work=$(mktemp -d "/tmp/$1-XXXXXX")
  pids=()
  trap bench_cleanup EXIT
}
bench_cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
  [ -n "${KEEP_WORK:-}" ] || rm -rf "$work"
}

# A free TCP port on 127.0.0.1 (the OS picks it).
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

# Waits up to WAIT_PORT_S seconds (default 10) for 127.0.0.1:PORT to accept a connection; fails
# otherwise.
wait_port() { for _ in $(seq $((${WAIT_PORT_S:-10} * 10))); do (exec 3<>/dev/tcp/127.0.0.1/"$1") 2>/dev/null && return 0; sleep 0.1; done; echo "port $1 never opened" >&2; return 1; }

# nginx_preamble WORK WORKER_CONNECTIONS: the start of an nginx.conf that keeps every file under
# WORK (pid, error log, temp paths), one worker, no access log; it ends inside `http {`, so the
# caller writes its server blocks and the closing brace.
nginx_preamble() {
  cat <<CONF
worker_processes 1;
pid $1/nginx.pid;
error_log $1/nginx-error.log;
events { worker_connections $2; }
http {
  access_log off;
  client_body_temp_path $1/nginx-tmp/body;
  proxy_temp_path $1/nginx-tmp/proxy;
  fastcgi_temp_path $1/nginx-tmp/fastcgi;
  uwsgi_temp_path $1/nginx-tmp/uwsgi;
  scgi_temp_path $1/nginx-tmp/scgi;
CONF
}

# nginx_metrics_conf WORK PORT CERT KEY CA [LOCATION_EXTRA]: a whole nginx.conf (nginx_preamble,
# 1024 connections) with one mutual-TLS server on 127.0.0.1:PORT (ssl_verify_client on against
# CA, TLS 1.2 and 1.3, no session tickets, unlimited keep-alive requests) that serves
# WORK/www/metrics as the exposition at /metrics; LOCATION_EXTRA goes into that location
# (bench/serve_watch.sh: "gzip_static on;").
nginx_metrics_conf() {
  nginx_preamble "$1" 1024
  cat <<CONF
  keepalive_requests 1000000;
  server {
    listen 127.0.0.1:$2 ssl;
    ssl_certificate $3;
    ssl_certificate_key $4;
    ssl_client_certificate $5;
    ssl_verify_client on;
    ssl_protocols TLSv1.2 TLSv1.3;
    ssl_session_tickets off;
    location = /metrics { root $1/www; default_type "text/plain; version=0.0.4";${6:+ $6} }
  }
}
CONF
}

# start_nginx WORK PORT: runs nginx in the foreground of a background job with WORK/nginx.conf,
# appends its pid to the caller's `pids` array, sets nginx_pid and waits for PORT to open.
start_nginx() {
  mkdir -p "$1/nginx-tmp"
  /usr/sbin/nginx -p "$1" -c "$1/nginx.conf" -g 'daemon off;' 2>>"$1/nginx-error.log" &
  nginx_pid=$!; pids+=("$nginx_pid")
  wait_port "$2"
}

# make_mtls_pki: in the current directory, an ECDSA P-256 CA (ca.crt, ca.key), a server
# certificate for localhost and 127.0.0.1 (server.crt, server.key, serverAuth) and a client
# certificate (client.crt, client.key, clientAuth), valid 30 days; keys mode 0600.
make_mtls_pki() {
  local ec="-newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes"
  # shellcheck disable=SC2086
  openssl req -x509 $ec -keyout ca.key -out ca.crt -subj /CN=bench-ca -days 30 2>/dev/null
  # shellcheck disable=SC2086
  openssl req $ec -keyout server.key -out server.csr -subj /CN=localhost 2>/dev/null
  printf 'subjectAltName=DNS:localhost,IP:127.0.0.1\nextendedKeyUsage=serverAuth\n' >server.ext
  openssl x509 -req -in server.csr -CA ca.crt -CAkey ca.key -CAcreateserial -days 30 \
    -extfile server.ext -out server.crt 2>/dev/null
  # shellcheck disable=SC2086
  openssl req $ec -keyout client.key -out client.csr -subj /CN=bench-client 2>/dev/null
  printf 'extendedKeyUsage=clientAuth\n' >client.ext
  openssl x509 -req -in client.csr -CA ca.crt -CAkey ca.key -CAcreateserial -days 30 \
    -extfile client.ext -out client.crt 2>/dev/null
  chmod 600 ./*.key
}

# ticks PID: CPU clock ticks (utime+stime) of PID and its direct children; hz is ticks a second.
ticks() {
  local total=0 p
  for p in $1 $(pgrep -P "$1" || true); do
    total=$((total + $(awk '{sub(/.*\) /, ""); print $12 + $13}' "/proc/$p/stat")))
  done
  echo "$total"
}
hz=$(getconf CLK_TCK)

# Shared by the serve benchmarks (bench/serve.sh, bench/serve_hostile.sh); source it, do not run
# it. Each function is described above it.

# A free TCP port on 127.0.0.1 (the OS picks it).
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

# Waits up to 10 s for 127.0.0.1:PORT to accept a connection; fails otherwise.
wait_port() { for _ in $(seq 100); do (exec 3<>/dev/tcp/127.0.0.1/"$1") 2>/dev/null && return 0; sleep 0.1; done; echo "port $1 never opened" >&2; return 1; }

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

# start_nginx WORK PORT: runs nginx in the foreground of a background job with WORK/nginx.conf,
# appends its pid to the caller's `pids` array, sets nginx_pid and waits for PORT to open.
start_nginx() {
  mkdir -p "$1/nginx-tmp"
  /usr/sbin/nginx -p "$1" -c "$1/nginx.conf" -g 'daemon off;' 2>>"$1/nginx-error.log" &
  nginx_pid=$!; pids+=("$nginx_pid")
  wait_port "$2"
}

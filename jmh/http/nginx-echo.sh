#!/usr/bin/env bash
# The nginx peer of echo-server for jmh/http-bench.sh (server "nginx-tls"): nginx with the echo
# module (Debian: nginx and libnginx-mod-http-echo), one worker, no master process, in the
# foreground, HTTPS only, with the same echo semantics as the other servers: a POST gets its body
# back (echo_read_request_body + echo_request_body: chunked, nginx's echo module knows no length
# up front), anything else gets "Hello, World!" (return 200, with Content-Length). TLS 1.3 with
# TLS_AES_128_GCM_SHA256 only, no session tickets and no session cache (no resumption), as
# http-bench.sh pins the JDK servers. Runs as the calling user, config and logs in a temp dir
# under TMPDIR, which stays when nginx ends (http-bench.sh points TMPDIR into its own temp dir).
#
#   jmh/http/nginx-echo.sh --tls-cert F --tls-key K [--host 127.0.0.1] [--port P]
#
# Port 0 (the default) picks a free port first (nginx cannot report the one the kernel chose;
# there is a small window in which another process could take it). Prints "listening on
# HOST:PORT" once nginx accepts connections; this script's process becomes nginx (exec), so
# signals and /proc/PID/stat are nginx's own. NGINX=nginx, NGINX_ECHO_MODULE=path of the module.
set -euo pipefail

HOST=127.0.0.1
PORT=0
CERT=
KEY=
while (($#)); do
    case "$1" in
        --host) HOST=$2; shift 2 ;;
        --port) PORT=$2; shift 2 ;;
        --tls-cert) CERT=$(readlink -f "$2"); shift 2 ;;
        --tls-key) KEY=$(readlink -f "$2"); shift 2 ;;
        *) echo "nginx-echo.sh: unknown option '$1'" >&2; exit 2 ;;
    esac
done
[[ -n "$CERT" && -n "$KEY" ]] || { echo "nginx-echo.sh: needs --tls-cert F --tls-key K" >&2; exit 2; }
NGINX=${NGINX:-nginx}
MODULE=${NGINX_ECHO_MODULE:-/usr/lib/nginx/modules/ngx_http_echo_module.so}
[[ -f "$MODULE" ]] || { echo "nginx-echo.sh: no echo module at $MODULE: apt-get install libnginx-mod-http-echo" >&2; exit 2; }
if [[ "$PORT" == 0 ]]; then
    PORT=$(python3 -c 'import socket, sys
s = socket.socket(); s.bind((sys.argv[1], 0)); print(s.getsockname()[1])' "$HOST")
fi

DIR=$(mktemp -d "${TMPDIR:-/tmp}/nginx-echo.XXXXXX")
cat > "$DIR/nginx.conf" <<CONF
load_module $MODULE;
daemon off;
master_process off;
worker_processes 1;
pid $DIR/nginx.pid;
error_log $DIR/error.log warn;
events { worker_connections 4096; }
http {
    access_log off;
    default_type text/plain;
    client_body_temp_path $DIR/body;
    proxy_temp_path $DIR/proxy;
    fastcgi_temp_path $DIR/fastcgi;
    uwsgi_temp_path $DIR/uwsgi;
    scgi_temp_path $DIR/scgi;
    # the whole 4 KiB body in memory, never in a temp file
    client_body_buffer_size 64k;
    client_max_body_size 1m;
    keepalive_requests 100000000;
    keepalive_timeout 300s;
    server {
        listen $HOST:$PORT ssl;
        ssl_certificate $CERT;
        ssl_certificate_key $KEY;
        ssl_protocols TLSv1.3;
        ssl_conf_command Ciphersuites TLS_AES_128_GCM_SHA256;
        ssl_session_tickets off;
        ssl_session_cache off;
        location / {
            if (\$request_method = POST) {
                rewrite ^ /echo last;
            }
            return 200 "Hello, World!";
        }
        location = /echo {
            echo_read_request_body;
            echo_request_body;
        }
    }
}
CONF
# Says "listening" once nginx accepts, from the background: the foreground becomes nginx.
(
    for _ in $(seq 100); do
        if (exec 3<> "/dev/tcp/$HOST/$PORT") 2> /dev/null; then
            echo "listening on $HOST:$PORT"
            exit 0
        fi
        sleep 0.1
    done
    echo "nginx-echo.sh: nginx did not listen on $HOST:$PORT; see $DIR/error.log" >&2
) &
exec "$NGINX" -p "$DIR" -c "$DIR/nginx.conf" -e "$DIR/error.log"

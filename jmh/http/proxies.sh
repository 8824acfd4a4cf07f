# Sourced by jmh/proxy-bench.sh and jmh/proxy-memory.sh: how each reverse proxy (and the nginx
# instances) is started, and which process holds its memory. The caller sets ROOT, DIR (a private
# temp dir, removed on exit), JAVA, JAVA_OPTS, NODE, NGINX, JMH_JAR, EXAMPLES_JAR and PUSHBACK_PROXY_CMD,
# declares the associative arrays PID (process to stop), ADDR (HOST:PORT) and MEMPID (process whose
# memory is measured: nginx's worker, not its master), and calls stop_all from its EXIT trap.
#
# Proxies: ours (the launcher's proxy command), nginx (proxy_buffering off), nginx-buffered
# (proxy_buffering on, nginx's defaults: 8 buffers of a page, the rest spooled to proxy_temp up to
# 1 GiB), netty (dev.pushback.jmh.http.NettyProxy, a TCP relay), node (jmh/http/node-proxy.js).
# Servers started this way also: echo (the launcher's echo-server --workers 1), direct (no proxy:
# ADDR[direct] is the upstream's), files (an nginx serving DIR/www: the sparse files of
# proxy-memory.sh).

# has_our_proxy: whether the launcher knows the proxy command
has_our_proxy() {
    # shellcheck disable=SC2086
    if [[ "$PUSHBACK_PROXY_CMD" == *" proxy"* ]]; then
        ${PUSHBACK_PROXY_CMD%% proxy*} proxy --help > /dev/null 2>&1
    else
        $PUSHBACK_PROXY_CMD --help > /dev/null 2>&1
    fi
}

# free_port: a port nothing listens on now (nginx cannot bind port 0 and say which it got; the
# port may be taken between this and nginx's bind, so start_nginx retries)
free_port() {
    "${PYTHON:-python3}" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
}

# nginx_conf NAME PORT: writes DIR/NAME/nginx.conf for the instance NAME
nginx_conf() {
    local name=$1 port=$2 d="$DIR/$1" location
    mkdir -p "$d/logs"
    case "$name" in
        files)
            location="root $d/www; sendfile on;" ;;
        nginx | nginx-buffered)
            local buffering=off
            [[ "$name" == nginx-buffered ]] && buffering=on
            location="proxy_pass http://u; proxy_http_version 1.1; proxy_set_header Connection \"\"; proxy_buffering $buffering;" ;;
        *) echo "unknown nginx instance '$name'" >&2; exit 2 ;;
    esac
    # as root, nginx's workers would switch to "nobody", who cannot read DIR: keep the current user
    local user=""
    [[ $(id -u) == 0 ]] && user="user $(id -un) $(id -gn);"
    cat > "$d/nginx.conf" << EOF
daemon off;
$user
master_process on;
worker_processes 1;
pid $d/nginx.pid;
error_log $d/error.log;
events { worker_connections 4096; }
http {
    access_log off;
    keepalive_requests 1000000;
    client_body_temp_path $d/client_body_temp;
    proxy_temp_path $d/proxy_temp;
    fastcgi_temp_path $d/fastcgi_temp;
    uwsgi_temp_path $d/uwsgi_temp;
    scgi_temp_path $d/scgi_temp;
    upstream u { server ${UPSTREAM:-127.0.0.1:9}; keepalive 64; }
    server {
        listen 127.0.0.1:$port;
        location / { $location }
    }
}
EOF
}

# start_nginx NAME [PIN]: an nginx instance on a free port, run as the current user inside DIR/NAME
start_nginx() {
    local name=$1 pin=${2:-} d="$DIR/$1" port
    for _ in 1 2 3 4 5; do
        port=$(free_port)
        nginx_conf "$name" "$port"
        : > "$d/error.log"
        # shellcheck disable=SC2086
        ${pin:+taskset -c $pin} "$NGINX" -p "$d" -c "$d/nginx.conf" -e "$d/error.log" > "$d/stdout.log" 2>&1 &
        PID[$name]=$!
        for _ in $(seq 100); do
            kill -0 "${PID[$name]}" 2> /dev/null || break
            local worker
            worker=$(pgrep -P "${PID[$name]}" | head -1 || true)
            if [[ -n "$worker" ]] && (exec 3<> "/dev/tcp/127.0.0.1/$port") 2> /dev/null; then
                ADDR[$name]=127.0.0.1:$port
                MEMPID[$name]=$worker
                return 0
            fi
            sleep 0.1
        done
        wait "${PID[$name]}" 2> /dev/null || true
        unset "PID[$name]"
        grep -q 'Address already in use' "$d/error.log" || break
    done
    echo "$name did not start:" >&2
    cat "$d/error.log" "$d/stdout.log" >&2
    exit 1
}

# command_of NAME: how a proxy or server other than nginx is started ("--host 127.0.0.1 --port 0"
# is appended); proxies get "--upstream http://$UPSTREAM"
command_of() {
    case "$1" in
        echo) echo "$JAVA $JAVA_OPTS -jar $EXAMPLES_JAR echo-server --workers 1" ;;
        ours) echo "$PUSHBACK_PROXY_CMD --upstream http://$UPSTREAM" ;;
        netty) echo "$JAVA $JAVA_OPTS -cp $JMH_JAR dev.pushback.jmh.http.NettyProxy --upstream http://$UPSTREAM" ;;
        node) echo "$NODE $ROOT/jmh/http/node-proxy.js --upstream http://$UPSTREAM" ;;
        *) echo "unknown proxy '$1'" >&2; exit 2 ;;
    esac
}

# start NAME [PIN]: starts a proxy or server (pinned to CPU PIN if given) and waits for its
# address: "listening on HOST:PORT" on stdout, or nginx's port accepting
start() {
    local name=$1 pin=${2:-} log="$DIR/$1.log"
    case "$name" in
        nginx | nginx-buffered | files) start_nginx "$name" "$pin"; return ;;
        direct) ADDR[direct]=$UPSTREAM; return ;;
    esac
    : > "$log"
    # shellcheck disable=SC2086
    ${pin:+taskset -c $pin} $(command_of "$name") --host 127.0.0.1 --port 0 > "$log" 2>&1 &
    PID[$name]=$!
    MEMPID[$name]=$!
    for _ in $(seq 200); do
        ADDR[$name]=$(sed -n 's/^listening on \([^ ]*:[0-9]*\)$/\1/p' "$log" || true)
        [[ -n "${ADDR[$name]}" ]] && return 0
        kill -0 "${PID[$name]}" 2> /dev/null || break
        sleep 0.1
    done
    echo "$name did not start:" >&2
    cat "$log" >&2
    exit 1
}

# alive NAME: whether what start NAME started still runs
alive() {
    [[ -z "${PID[$1]:-}" ]] || kill -0 "${PID[$1]}" 2> /dev/null
}

# stop NAME: TERM, up to 5 s, then KILL; nginx's master takes its worker with it on TERM, and on
# KILL its children are killed first, while they are still known to be its children
stop() {
    local p=${PID[$1]:-} child
    [[ -n "$p" ]] || return 0
    kill -TERM "$p" 2> /dev/null || true
    for _ in $(seq 50); do kill -0 "$p" 2> /dev/null || break; sleep 0.1; done
    if kill -0 "$p" 2> /dev/null; then
        for child in $(pgrep -P "$p" || true); do kill -KILL "$child" 2> /dev/null || true; done
        kill -KILL "$p" 2> /dev/null || true
    fi
    wait "$p" 2> /dev/null || true
    unset "PID[$1]"
}

stop_all() {
    local s
    for s in "${!PID[@]}"; do
        kill -TERM "${PID[$s]}" 2> /dev/null || true
    done
    for s in "${!PID[@]}"; do
        stop "$s"
    done
}

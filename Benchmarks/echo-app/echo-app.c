/*
 * echo-app: a small Marina example app in C (libc only), used by Benchmarks/run.sh.
 *
 * The app contract:
 *   GET  /health       200 {"status":"ok"}
 *   GET  /manifest     200 the contents of marina.app.json (read once at startup)
 *   POST /tool/echo    200 {"echo": <request body>}   (an empty body echoes null)
 *   POST /event/<x>    200 {"ok":true}
 *   anything else      404 {"error":{"code":"not_found","message":"..."}}
 *
 * It listens on the Unix socket $MARINA_SOCKET when that is set (as Marina's SDKs do; ECHO_LISTEN=port
 * keeps it on TCP, behind the sandbox's relay), else on 127.0.0.1:$PORT (default 8080), with one
 * epoll loop on one thread (ECHO_THREADS=N runs N loops: on N SO_REUSEPORT listeners for TCP, on the
 * one listener for a Unix socket), non-blocking sockets,
 * HTTP/1.1 keep-alive and pipelining, Content-Length request bodies (chunked bodies are refused
 * with 411), and any number of concurrent connections up to the descriptor limit.
 *
 *   build: gcc -O2 -Wall -o echo-app echo-app.c -lpthread
 *   run:   PORT=8080 ./echo-app [path/to/marina.app.json]
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/un.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#define MAX_HEADER (64 * 1024)          /* request line + headers */
#define MAX_BODY (16 * 1024 * 1024)     /* request body */
#define READ_CHUNK (16 * 1024)

static char *manifest;
static size_t manifest_len;
static int port = 8080;

struct buf {
    char *data;
    size_t len, cap;
};

struct conn {
    int fd;
    struct buf in;      /* bytes read, not yet consumed */
    struct buf out;     /* bytes to write */
    size_t out_off;     /* how much of out is written */
    int close_after;    /* close once out is flushed */
    int want_out;       /* EPOLLOUT registered */
};

static int buf_reserve(struct buf *b, size_t extra) {
    if (b->len + extra <= b->cap) return 0;
    size_t cap = b->cap ? b->cap : 4096;
    while (cap < b->len + extra) cap *= 2;
    char *p = realloc(b->data, cap);
    if (!p) return -1;
    b->data = p;
    b->cap = cap;
    return 0;
}

static int buf_append(struct buf *b, const void *p, size_t n) {
    if (buf_reserve(b, n) < 0) return -1;
    memcpy(b->data + b->len, p, n);
    b->len += n;
    return 0;
}

static void conn_free(struct conn *c) {
    close(c->fd);
    free(c->in.data);
    free(c->out.data);
    free(c);
}

static void respond(struct conn *c, int status, const char *content_type, const char *prefix, size_t prefix_len,
                    const char *body, size_t body_len, const char *suffix, size_t suffix_len) {
    const char *reason = status == 200 ? "OK" : status == 400 ? "Bad Request" : status == 404 ? "Not Found"
                       : status == 411 ? "Length Required" : status == 413 ? "Payload Too Large"
                       : status == 431 ? "Request Header Fields Too Large" : "Error";
    char head[256];
    int n = snprintf(head, sizeof head, "HTTP/1.1 %d %s\r\nContent-Type: %s\r\nContent-Length: %zu\r\n%s\r\n", status, reason,
                     content_type, prefix_len + body_len + suffix_len, c->close_after ? "Connection: close\r\n" : "");
    if (buf_append(&c->out, head, (size_t)n) < 0 || buf_append(&c->out, prefix, prefix_len) < 0 ||
        buf_append(&c->out, body, body_len) < 0 || buf_append(&c->out, suffix, suffix_len) < 0)
        c->close_after = 1;
}

static void respond_json(struct conn *c, int status, const char *json) {
    respond(c, status, "application/json", json, strlen(json), "", 0, "", 0);
}

static void not_found(struct conn *c, const char *method, size_t mlen, const char *path, size_t plen) {
    char msg[512];
    /* Keep the message printable and free of characters that would need JSON escaping. */
    char clean[256];
    size_t k = 0;
    for (size_t i = 0; i < plen && k < sizeof clean - 1; i++) clean[k++] = (path[i] >= 0x20 && path[i] < 0x7f && path[i] != '"' && path[i] != '\\') ? path[i] : '?';
    clean[k] = 0;
    snprintf(msg, sizeof msg, "{\"error\":{\"code\":\"not_found\",\"message\":\"no route %.*s %s\"}}", (int)(mlen > 16 ? 16 : mlen), method, clean);
    respond_json(c, 404, msg);
}

static int token_eq(const char *p, size_t n, const char *lit) {
    return n == strlen(lit) && memcmp(p, lit, n) == 0;
}

/* Value of header `name` (case-insensitive) in [headers, end), trimmed; NULL when absent. */
static const char *header(const char *headers, const char *end, const char *name, size_t *vlen) {
    size_t nlen = strlen(name);
    const char *line = headers;
    while (line < end) {
        const char *eol = memmem(line, (size_t)(end - line), "\r\n", 2);
        if (!eol) eol = end;
        if ((size_t)(eol - line) > nlen && line[nlen] == ':' && strncasecmp(line, name, nlen) == 0) {
            const char *v = line + nlen + 1;
            while (v < eol && (*v == ' ' || *v == '\t')) v++;
            const char *ve = eol;
            while (ve > v && (ve[-1] == ' ' || ve[-1] == '\t')) ve--;
            *vlen = (size_t)(ve - v);
            return v;
        }
        line = eol + 2;
    }
    return NULL;
}

/* Parses and answers every complete request in c->in. Returns -1 to drop the connection. */
static int process(struct conn *c) {
    size_t off = 0;
    while (!c->close_after) {
        char *start = c->in.data + off;
        size_t avail = c->in.len - off;
        char *hend = avail >= 4 ? memmem(start, avail, "\r\n\r\n", 4) : NULL;
        if (!hend) {
            if (avail > MAX_HEADER) {
                c->close_after = 1;
                respond_json(c, 431, "{\"error\":{\"code\":\"headers_too_large\",\"message\":\"the request head is over 64 KB\"}}");
            }
            break;
        }
        /* Request line: METHOD SP TARGET SP VERSION CRLF */
        char *eol = memmem(start, (size_t)(hend - start) + 2, "\r\n", 2);
        char *sp1 = memchr(start, ' ', (size_t)(eol - start));
        char *sp2 = sp1 ? memchr(sp1 + 1, ' ', (size_t)(eol - sp1 - 1)) : NULL;
        if (!sp1 || !sp2) {
            c->close_after = 1;
            respond_json(c, 400, "{\"error\":{\"code\":\"bad_request\",\"message\":\"malformed request line\"}}");
            break;
        }
        const char *method = start, *path = sp1 + 1, *version = sp2 + 1;
        size_t mlen = (size_t)(sp1 - start), plen = (size_t)(sp2 - path), vlen = (size_t)(eol - version);
        const char *headers = eol + 2, *headers_end = hend + 2;
        int http10 = token_eq(version, vlen, "HTTP/1.0");

        size_t hl;
        const char *h;
        if ((h = header(headers, headers_end, "Transfer-Encoding", &hl)) && !(hl == 8 && strncasecmp(h, "identity", 8) == 0)) {
            c->close_after = 1;
            respond_json(c, 411, "{\"error\":{\"code\":\"length_required\",\"message\":\"send the body with Content-Length\"}}");
            break;
        }
        size_t body_len = 0;
        if ((h = header(headers, headers_end, "Content-Length", &hl))) {
            char tmp[24];
            if (hl == 0 || hl >= sizeof tmp) goto bad_length;
            memcpy(tmp, h, hl);
            tmp[hl] = 0;
            char *endp;
            unsigned long long v = strtoull(tmp, &endp, 10);
            if (*endp || tmp[0] == '-') goto bad_length;
            if (v > MAX_BODY) {
                c->close_after = 1;
                respond_json(c, 413, "{\"error\":{\"code\":\"body_too_large\",\"message\":\"the body is over 16 MB\"}}");
                break;
            }
            body_len = (size_t)v;
        }
        size_t head_len = (size_t)(hend + 4 - start);
        if (avail < head_len + body_len) break;  /* wait for the rest of the body */
        const char *body = hend + 4;

        if ((h = header(headers, headers_end, "Connection", &hl))) {
            if (memmem(h, hl, "close", 5) || memmem(h, hl, "Close", 5)) c->close_after = 1;
            else if (http10 && (memmem(h, hl, "keep-alive", 10) || memmem(h, hl, "Keep-Alive", 10))) http10 = 0;
        }
        if (http10) c->close_after = 1;

        /* Route (the query string, if any, is ignored). */
        const char *q = memchr(path, '?', plen);
        size_t rlen = q ? (size_t)(q - path) : plen;
        if (token_eq(method, mlen, "GET") && token_eq(path, rlen, "/health")) {
            respond_json(c, 200, "{\"status\":\"ok\"}");
        } else if (token_eq(method, mlen, "GET") && token_eq(path, rlen, "/manifest")) {
            respond(c, 200, "application/json", manifest, manifest_len, "", 0, "", 0);
        } else if (token_eq(method, mlen, "POST") && token_eq(path, rlen, "/tool/echo")) {
            const char *b = body, *be = body + body_len;
            while (b < be && (*b == ' ' || *b == '\t' || *b == '\r' || *b == '\n')) b++;
            while (be > b && (be[-1] == ' ' || be[-1] == '\t' || be[-1] == '\r' || be[-1] == '\n')) be--;
            if (b == be) respond(c, 200, "application/json", "{\"echo\":", 8, "null", 4, "}", 1);
            else respond(c, 200, "application/json", "{\"echo\":", 8, b, (size_t)(be - b), "}", 1);
        } else if (token_eq(method, mlen, "POST") && rlen > 7 && memcmp(path, "/event/", 7) == 0) {
            respond_json(c, 200, "{\"ok\":true}");
        } else {
            not_found(c, method, mlen, path, rlen);
        }
        off += head_len + body_len;
        continue;
    bad_length:
        c->close_after = 1;
        respond_json(c, 400, "{\"error\":{\"code\":\"bad_request\",\"message\":\"invalid Content-Length\"}}");
        break;
    }
    if (off) {
        memmove(c->in.data, c->in.data + off, c->in.len - off);
        c->in.len -= off;
    }
    return 0;
}

/* Writes what is pending. Returns 1 when all is written, 0 when the socket is full, -1 on error. */
static int flush_out(struct conn *c) {
    while (c->out_off < c->out.len) {
        ssize_t n = send(c->fd, c->out.data + c->out_off, c->out.len - c->out_off, MSG_NOSIGNAL);
        if (n < 0) {
            if (errno == EINTR) continue;
            if (errno == EAGAIN || errno == EWOULDBLOCK) return 0;
            return -1;
        }
        c->out_off += (size_t)n;
    }
    c->out.len = c->out_off = 0;
    if (c->out.cap > 1 << 20) {  /* give back the memory of a huge answer */
        free(c->out.data);
        c->out.data = NULL;
        c->out.cap = 0;
    }
    return 1;
}

static void set_events(int ep, struct conn *c, int want_out) {
    if (c->want_out == want_out) return;
    /* While output is pending, stop reading: a client that pipelines without reading waits. */
    struct epoll_event ev = {.events = want_out ? EPOLLOUT : (EPOLLIN | EPOLLRDHUP), .data.ptr = c};
    epoll_ctl(ep, EPOLL_CTL_MOD, c->fd, &ev);
    c->want_out = want_out;
}

/* Handles readiness of one connection. Returns -1 when it should be closed. */
static int on_ready(int ep, struct conn *c, uint32_t events) {
    if (events & (EPOLLERR | EPOLLHUP)) return -1;
    if (events & EPOLLOUT) {
        int r = flush_out(c);
        if (r < 0) return -1;
        if (r == 0) return 0;
        if (c->close_after) return -1;
        set_events(ep, c, 0);
    }
    if (events & (EPOLLIN | EPOLLRDHUP)) {
        int eof = 0;
        for (;;) {
            if (c->out.len > 4 << 20) break;  /* answer and flush first */
            if (buf_reserve(&c->in, READ_CHUNK) < 0) return -1;
            ssize_t n = recv(c->fd, c->in.data + c->in.len, c->in.cap - c->in.len, 0);
            if (n > 0) {
                c->in.len += (size_t)n;
                if ((size_t)n < READ_CHUNK) break;  /* most likely drained; level-triggered epoll tells us if not */
                continue;
            }
            if (n == 0) { eof = 1; break; }
            if (errno == EINTR) continue;
            if (errno == EAGAIN || errno == EWOULDBLOCK) break;
            return -1;
        }
        if (process(c) < 0) return -1;
        int r = flush_out(c);
        if (r < 0) return -1;
        if (r == 0) { set_events(ep, c, 1); return 0; }
        if (c->close_after || eof) return -1;
    }
    return 0;
}

static int make_unix_listener(const char *path) {
    struct sockaddr_un addr = {.sun_family = AF_UNIX};
    if (strlen(path) >= sizeof addr.sun_path) { fprintf(stderr, "echo-app: socket path too long: %s\n", path); exit(2); }
    strcpy(addr.sun_path, path);
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0) { perror("socket"); exit(1); }
    unlink(path);
    if (bind(fd, (struct sockaddr *)&addr, sizeof addr) < 0) { perror("bind"); exit(1); }
    if (listen(fd, 1024) < 0) { perror("listen"); exit(1); }
    return fd;
}

static int make_listener(int reuseport) {
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0) { perror("socket"); exit(1); }
    int one = 1;
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    if (reuseport) setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof one);
    struct sockaddr_in addr = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (bind(fd, (struct sockaddr *)&addr, sizeof addr) < 0) { perror("bind"); exit(1); }
    if (listen(fd, 1024) < 0) { perror("listen"); exit(1); }
    return fd;
}

static void *loop(void *arg) {
    int listener = (int)(long)arg;
    int ep = epoll_create1(EPOLL_CLOEXEC);
    if (ep < 0) { perror("epoll_create1"); exit(1); }
    struct epoll_event ev = {.events = EPOLLIN, .data.ptr = NULL};
    epoll_ctl(ep, EPOLL_CTL_ADD, listener, &ev);
    struct epoll_event events[256];
    for (;;) {
        int n = epoll_wait(ep, events, 256, -1);
        if (n < 0) {
            if (errno == EINTR) continue;
            perror("epoll_wait");
            exit(1);
        }
        for (int i = 0; i < n; i++) {
            struct conn *c = events[i].data.ptr;
            if (!c) {
                for (;;) {
                    int fd = accept4(listener, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
                    if (fd < 0) {
                        if (errno == EINTR || errno == ECONNABORTED) continue;
                        if (errno == EMFILE || errno == ENFILE) perror("accept4");
                        break;
                    }
                    int one = 1;
                    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
                    struct conn *nc = calloc(1, sizeof *nc);
                    if (!nc) { close(fd); continue; }
                    nc->fd = fd;
                    struct epoll_event cev = {.events = EPOLLIN | EPOLLRDHUP, .data.ptr = nc};
                    if (epoll_ctl(ep, EPOLL_CTL_ADD, fd, &cev) < 0) { conn_free(nc); continue; }
                }
                continue;
            }
            if (on_ready(ep, c, events[i].events) < 0) {
                epoll_ctl(ep, EPOLL_CTL_DEL, c->fd, NULL);
                conn_free(c);
            }
        }
    }
    return NULL;
}

static void load_manifest(const char *path) {
    FILE *f = fopen(path, "rb");
    if (!f) { fprintf(stderr, "echo-app: cannot open %s: %s\n", path, strerror(errno)); exit(1); }
    struct buf b = {0};
    char chunk[8192];
    size_t n;
    while ((n = fread(chunk, 1, sizeof chunk, f)) > 0)
        if (buf_append(&b, chunk, n) < 0) { fprintf(stderr, "echo-app: out of memory\n"); exit(1); }
    fclose(f);
    manifest = b.data ? b.data : "";
    manifest_len = b.len;
}

int main(int argc, char **argv) {
    signal(SIGPIPE, SIG_IGN);
    const char *p = getenv("PORT");
    if (p && *p) port = atoi(p);
    if (port <= 0 || port > 65535) { fprintf(stderr, "echo-app: invalid PORT %s\n", p); return 2; }
    load_manifest(argc > 1 ? argv[1] : "marina.app.json");
    int threads = 1;
    const char *t = getenv("ECHO_THREADS");
    if (t && atoi(t) > 1) threads = atoi(t) > 64 ? 64 : atoi(t);
    const char *sock = getenv("MARINA_SOCKET");
    const char *mode = getenv("ECHO_LISTEN");
    if (sock && *sock && !(mode && strcmp(mode, "port") == 0)) {
        int fd = make_unix_listener(sock);
        fprintf(stderr, "echo-app: listening on %s (%d loop%s)\n", sock, threads, threads == 1 ? "" : "s");
        for (int i = 1; i < threads; i++) {
            pthread_t th;
            pthread_create(&th, NULL, loop, (void *)(long)fd);
        }
        loop((void *)(long)fd);
        return 0;
    }
    fprintf(stderr, "echo-app: listening on 127.0.0.1:%d (%d loop%s)\n", port, threads, threads == 1 ? "" : "s");
    for (int i = 1; i < threads; i++) {
        pthread_t th;
        pthread_create(&th, NULL, loop, (void *)(long)make_listener(1));
    }
    loop((void *)(long)make_listener(threads > 1));
    return 0;
}

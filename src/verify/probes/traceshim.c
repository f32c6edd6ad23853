/*
 * Naming what a module tried to do to the outside world (LD_PRELOAD into every probe process).
 * The sandbox already contains writes and connections; this only records them, so the report can
 * say "wrote /root/x" or "connected to 127.0.0.1:8080" instead of a silent pass. Recording is off
 * until the probe calls pep489_trace_enable(fd) right before it imports the module, so Python's
 * own start-up is never reported. Each event is one line written to that fd.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

static int trace_fd = -1;
/* Colon-separated path prefixes: those the sandbox hides (a read of one is named), and those under
 * them it shows after all (the interpreter's prefix under /root/.pyenv). */
static const char *hidden_paths, *visible_paths;

__attribute__((visibility("default"))) void pep489_trace_enable(int fd) {
    trace_fd = fd;
    hidden_paths = getenv("PEP489_HIDDEN");
    visible_paths = getenv("PEP489_VISIBLE");
}

/* Is `path` one of the prefixes in `list`, or under one? */
static int under(const char *path, const char *list) {
    const char *p = list;
    while (p && *p) {
        const char *end = strchr(p, ':');
        size_t n = end ? (size_t)(end - p) : strlen(p);
        if (n > 0 && strncmp(path, p, n) == 0 && (path[n] == '\0' || path[n] == '/')) return 1;
        p = end ? end + 1 : NULL;
    }
    return 0;
}

static int hidden(const char *path) {
    return trace_fd >= 0 && path && path[0] == '/' && under(path, hidden_paths) && !under(path, visible_paths);
}

static void note(const char *fmt, ...) {
    char line[1200];
    va_list va;
    int saved = errno, n;
    if (trace_fd < 0) return;
    va_start(va, fmt);
    n = vsnprintf(line, sizeof line - 1, fmt, va);
    va_end(va);
    if (n < 0) return;
    if (n > (int)sizeof line - 2) n = sizeof line - 2;
    line[n++] = '\n';
    if (write(trace_fd, line, n) < 0) { /* nothing to do */ }
    errno = saved;
}

static int writes(int flags) { return (flags & (O_WRONLY | O_RDWR | O_CREAT | O_TRUNC | O_APPEND)) != 0; }

#define REAL(ret, name, params) \
    static ret (*real_##name) params; \
    if (!real_##name) real_##name = (ret (*) params)dlsym(RTLD_NEXT, #name)

#define OPEN_LIKE(name)                                                     \
    int name(const char *path, int flags, ...) {                            \
        mode_t mode = 0;                                                    \
        REAL(int, name, (const char *, int, ...));                          \
        if (flags & (O_CREAT | O_TMPFILE)) {                                \
            va_list va;                                                     \
            va_start(va, flags);                                            \
            mode = va_arg(va, mode_t);                                      \
            va_end(va);                                                     \
        }                                                                   \
        if (writes(flags)) note("write %s", path);                          \
        else if (hidden(path)) note("read %s", path);                       \
        return real_##name(path, flags, mode);                              \
    }
OPEN_LIKE(open)
OPEN_LIKE(open64)

#define OPENAT_LIKE(name)                                                   \
    int name(int dirfd, const char *path, int flags, ...) {                 \
        mode_t mode = 0;                                                    \
        REAL(int, name, (int, const char *, int, ...));                     \
        if (flags & (O_CREAT | O_TMPFILE)) {                                \
            va_list va;                                                     \
            va_start(va, flags);                                            \
            mode = va_arg(va, mode_t);                                      \
            va_end(va);                                                     \
        }                                                                   \
        if (writes(flags)) note("write %s", path);                          \
        else if (hidden(path)) note("read %s", path);                       \
        return real_##name(dirfd, path, flags, mode);                       \
    }
OPENAT_LIKE(openat)
OPENAT_LIKE(openat64)

#define CREAT_LIKE(name)                                                    \
    int name(const char *path, mode_t mode) {                               \
        REAL(int, name, (const char *, mode_t));                            \
        note("write %s", path);                                             \
        return real_##name(path, mode);                                     \
    }
CREAT_LIKE(creat)
CREAT_LIKE(creat64)

#define FOPEN_LIKE(name)                                                    \
    FILE *name(const char *path, const char *mode) {                        \
        REAL(FILE *, name, (const char *, const char *));                   \
        if (strpbrk(mode, "wa+")) note("write %s", path);                   \
        else if (hidden(path)) note("read %s", path);                       \
        return real_##name(path, mode);                                     \
    }
FOPEN_LIKE(fopen)
FOPEN_LIKE(fopen64)

DIR *opendir(const char *path) {
    REAL(DIR *, opendir, (const char *));
    if (hidden(path)) note("read %s (list)", path);
    return real_opendir(path);
}

int mkdir(const char *path, mode_t mode) {
    REAL(int, mkdir, (const char *, mode_t));
    note("write %s (mkdir)", path);
    return real_mkdir(path, mode);
}

int unlink(const char *path) {
    REAL(int, unlink, (const char *));
    note("write %s (unlink)", path);
    return real_unlink(path);
}

int rename(const char *from, const char *to) {
    REAL(int, rename, (const char *, const char *));
    note("write %s (rename from %s)", to, from);
    return real_rename(from, to);
}

static void describe(const struct sockaddr *sa, char *out, size_t size) {
    char host[INET6_ADDRSTRLEN] = "?";
    if (sa && sa->sa_family == AF_INET) {
        const struct sockaddr_in *in = (const struct sockaddr_in *)sa;
        inet_ntop(AF_INET, &in->sin_addr, host, sizeof host);
        snprintf(out, size, "%s:%d", host, ntohs(in->sin_port));
    } else if (sa && sa->sa_family == AF_INET6) {
        const struct sockaddr_in6 *in6 = (const struct sockaddr_in6 *)sa;
        inet_ntop(AF_INET6, &in6->sin6_addr, host, sizeof host);
        snprintf(out, size, "[%s]:%d", host, ntohs(in6->sin6_port));
    } else if (sa && sa->sa_family == AF_UNIX) {
        snprintf(out, size, "unix:%s", ((const struct sockaddr_un *)sa)->sun_path);
    } else {
        snprintf(out, size, "family %d", sa ? sa->sa_family : -1);
    }
}

int socket(int domain, int type, int protocol) {
    REAL(int, socket, (int, int, int));
    if (domain == AF_INET || domain == AF_INET6) note("socket %s", domain == AF_INET ? "AF_INET" : "AF_INET6");
    return real_socket(domain, type, protocol);
}

int connect(int fd, const struct sockaddr *sa, socklen_t len) {
    char where[200];
    REAL(int, connect, (int, const struct sockaddr *, socklen_t));
    describe(sa, where, sizeof where);
    note("connect %s", where);
    return real_connect(fd, sa, len);
}

int bind(int fd, const struct sockaddr *sa, socklen_t len) {
    char where[200];
    REAL(int, bind, (int, const struct sockaddr *, socklen_t));
    describe(sa, where, sizeof where);
    note("bind %s", where);
    return real_bind(fd, sa, len);
}

ssize_t sendto(int fd, const void *buf, size_t n, int flags, const struct sockaddr *sa, socklen_t len) {
    char where[200];
    REAL(ssize_t, sendto, (int, const void *, size_t, int, const struct sockaddr *, socklen_t));
    if (sa) {
        describe(sa, where, sizeof where);
        note("sendto %s", where);
    }
    return real_sendto(fd, buf, n, flags, sa, len);
}

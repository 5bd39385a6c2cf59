// The sendmail(8) front end: a small compiled program that hands a plain
// submission to the running daemon over its front-end socket, so a one-shot
// `sendmail -i rcpt < msg` does not pay for starting Node. It parses nothing
// but the shape of argv: the daemon parses, checks, fixes the header and
// commits, with the same code as the Node implementation (bin/sendmail-node),
// and answers with the exit code and the stderr text.
//
// Anything else (another mode, -C, -v, an unknown flag, mailq/newaliases by
// argv[0]), no daemon, or no answer in time: exec the Node implementation,
// which writes maildrop/. The client commits nothing itself: the daemon stores
// a message only after the client's 'C' frame; before sending it the client
// may still fall back (nothing was stored), after it the client never does
// (a lost answer is exit 75, said on stderr). Protocol: mailroom-frontend(5).
//
// Unprivileged; reads no configuration file. The socket is
// $MAILROOM_SENDMAIL_SOCKET, else MAILROOM_FRONTEND_SOCKET (set at build time);
// MAILROOM_CONFIG without $MAILROOM_SENDMAIL_SOCKET means the Node path.
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#ifndef MAILROOM_FRONTEND_SOCKET
#define MAILROOM_FRONTEND_SOCKET "/run/mailroom/sendmail.sock"
#endif
#define PROTOCOL_VERSION "1"
#define CHUNK 65536
#define MAX_REPLY 4096
// How long the daemon may take: to say "go" after the arguments (else the
// Node path), to take each chunk, to check the message, and to commit it.
#define HELLO_MS 3000
#define DATA_MS 30000
#define CHECK_MS 60000
#define COMMIT_MS 300000

static char **g_argv;
static int g_sock = -1;
static int g_copy = -1;     // what was read of stdin, for the Node path
static int g_consumed = 0;  // stdin was read from

// ---- the Node implementation ----

static void exec_node(const char *name) {
  // <root>/native/sendmail/build/mailroom-sendmail runs <root>/bin/<name>.
  char exe[PATH_MAX], path[PATH_MAX + 32];
  ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
  if (n <= 0) {
    fprintf(stderr, "sendmail: cannot find the mailroom installation (/proc/self/exe): %s\n", strerror(errno));
    exit(69);
  }
  exe[n] = '\0';
  for (int up = 0; up < 4; up++) {
    char *slash = strrchr(exe, '/');
    if (slash != NULL) *slash = '\0';
  }
  snprintf(path, sizeof path, "%s/bin/%s", exe, strcmp(name, "sendmail") == 0 ? "sendmail-node" : name);
  if (g_sock >= 0) close(g_sock);
  if (g_consumed) {
    // The daemon has read part of stdin: give Node the copy, then the rest.
    char buf[CHUNK];
    for (;;) {
      ssize_t r = read(0, buf, sizeof buf);
      if (r == 0) break;
      if (r < 0 && errno == EINTR) continue;
      if (r < 0) break;
      for (ssize_t off = 0; off < r;) {
        ssize_t w = write(g_copy, buf + off, (size_t)(r - off));
        if (w < 0 && errno == EINTR) continue;
        if (w < 0) {
          fprintf(stderr, "sendmail: cannot keep a copy of the message: %s; try again later\n", strerror(errno));
          exit(75);
        }
        off += w;
      }
    }
    if (lseek(g_copy, 0, SEEK_SET) != 0 || dup2(g_copy, 0) != 0) {
      fprintf(stderr, "sendmail: cannot replay the message: %s; try again later\n", strerror(errno));
      exit(75);
    }
    close(g_copy);
  }
  g_argv[0] = path;
  execv(path, g_argv);
  fprintf(stderr, "sendmail: cannot run %s: %s\n", path, strerror(errno));
  exit(69);
}

// ---- argv: is this a plain submission? ----

// Mirrors only the shape of src/submit/sendmail/flags.ts (options first, values
// attached or separate); the daemon parses for real and may still say "Node".
static int plain_submission(int argc, char **argv) {
  for (int i = 1; i < argc; i++) {
    const char *a = argv[i];
    if (strcmp(a, "--") == 0) return 1;
    if (a[0] != '-' || a[1] == '\0') return 1;
    char f = a[1];
    const char *rest = a + 2;
    switch (f) {
      case 'f': case 'r': case 'F': case 'N': case 'R': case 'V': case 'B':
      case 'L': case 'X': case 'h': case 'O': case 'p': case 'A': case 'e':
        if (*rest == '\0') i++;  // the value is the next argument
        break;
      case 't': case 'i': case 'n': case 'U': case 'G': case 'm':
        break;
      case 'o':
        if (*rest == '\0') i++;
        break;
      case 'b':
        if (strcmp(rest, "m") != 0) return 0;
        break;
      default:  // -C, -v, -q, -I, -bs/-bp/-bi/-bv, unknown flags
        return 0;
    }
  }
  return 1;
}

// ---- frames: a type byte, a 32-bit big-endian length, the payload ----

static long now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec * 1000L + ts.tv_nsec / 1000000L;
}

typedef struct {
  char type;
  uint32_t len;
  char text[MAX_REPLY + 1];
} reply;

static char inbuf[MAX_REPLY + 5];
static size_t inlen;

/** 1: a frame in r; 0: the daemon closed or broke the protocol; -1: timeout. */
static int read_reply(reply *r, int timeout_ms) {
  long until = now_ms() + timeout_ms;
  for (;;) {
    if (inlen >= 5) {
      uint32_t len = ((uint32_t)(unsigned char)inbuf[1] << 24) | ((uint32_t)(unsigned char)inbuf[2] << 16) |
                     ((uint32_t)(unsigned char)inbuf[3] << 8) | (uint32_t)(unsigned char)inbuf[4];
      if (len > MAX_REPLY) return 0;
      if (inlen >= 5 + len) {
        r->type = inbuf[0];
        r->len = len;
        memcpy(r->text, inbuf + 5, len);
        r->text[len] = '\0';
        memmove(inbuf, inbuf + 5 + len, inlen - 5 - len);
        inlen -= 5 + len;
        return 1;
      }
    }
    long left = until - now_ms();
    if (left <= 0) return -1;
    struct pollfd p = {g_sock, POLLIN, 0};
    int k = poll(&p, 1, (int)left);
    if (k < 0 && errno == EINTR) continue;
    if (k < 0) return 0;
    if (k == 0) return -1;
    ssize_t n = recv(g_sock, inbuf + inlen, sizeof inbuf - inlen, 0);
    if (n < 0 && (errno == EINTR || errno == EAGAIN)) continue;
    if (n <= 0) return 0;
    inlen += (size_t)n;
  }
}

/**
 * Sends all of buf. 1: sent; 0: the connection broke; -1: timeout; 2: the
 * daemon answered meanwhile (a refusal while the message was still coming):
 * the answer is in *r.
 */
static int send_all(const char *buf, size_t len, int timeout_ms, reply *r) {
  long until = now_ms() + timeout_ms;
  while (len > 0) {
    long left = until - now_ms();
    if (left <= 0) return -1;
    struct pollfd p = {g_sock, POLLOUT | POLLIN, 0};
    int k = poll(&p, 1, (int)left);
    if (k < 0 && errno == EINTR) continue;
    if (k < 0) return 0;
    if (k == 0) return -1;
    if (p.revents & POLLIN) return read_reply(r, timeout_ms) == 1 ? 2 : 0;
    if (p.revents & (POLLERR | POLLHUP)) return 0;
    ssize_t n = send(g_sock, buf, len, MSG_NOSIGNAL | MSG_DONTWAIT);
    if (n < 0 && (errno == EINTR || errno == EAGAIN)) continue;
    if (n < 0) return 0;
    buf += n;
    len -= (size_t)n;
  }
  return 1;
}

static size_t put_frame(char *out, char type, const char *payload, uint32_t len) {
  out[0] = type;
  out[1] = (char)(len >> 24);
  out[2] = (char)(len >> 16);
  out[3] = (char)(len >> 8);
  out[4] = (char)len;
  if (payload != NULL && len) memcpy(out + 5, payload, len);  // NULL: already in place
  return 5 + len;
}

/** A verdict: its stderr text, then its exit code. Other frames: the Node path. */
static void finish(const reply *r) {
  if (r->type == 'V') {
    char *sp = strchr(r->text, ' ');
    int code = atoi(r->text);
    if (sp && sp[1]) fputs(sp + 1, stderr);
    exit(code);
  }
  exec_node("sendmail");
}

static void lost_after_commit(const char *why) {
  fprintf(stderr, "sendmail: the mail daemon %s after it took the message: it may or may not be queued ('mailroom queue list' tells); try again later\n", why);
  exit(75);
}

int main(int argc, char **argv) {
  g_argv = argv;
  const char *base = strrchr(argv[0], '/');
  base = base ? base + 1 : argv[0];
  if (strcmp(base, "mailq") == 0 || strcmp(base, "newaliases") == 0) exec_node(base);
  if (!plain_submission(argc, argv)) exec_node("sendmail");

  const char *path = getenv("MAILROOM_SENDMAIL_SOCKET");
  const char *config = getenv("MAILROOM_CONFIG");
  if (path == NULL || *path == '\0') {
    if (config != NULL && *config != '\0') exec_node("sendmail");
    path = MAILROOM_FRONTEND_SOCKET;
  }
  struct sockaddr_un sa = {.sun_family = AF_UNIX};
  if (strlen(path) >= sizeof sa.sun_path) exec_node("sendmail");
  strcpy(sa.sun_path, path);
  g_sock = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
  // A Unix socket connects at once or fails (no daemon: ENOENT, ECONNREFUSED;
  // a full backlog: EAGAIN): every failure is the Node path.
  if (g_sock < 0 || connect(g_sock, (struct sockaddr *)&sa, sizeof sa) != 0) exec_node("sendmail");

  // Hello, the arguments, MAILROOM_CONFIG, then "start": one write.
  size_t size = 5 + 1 + 5 + (config ? 5 + strlen("MAILROOM_CONFIG=") + strlen(config) : 0);
  for (int i = 1; i < argc; i++) size += 5 + strlen(argv[i]);
  char *hello = malloc(size);
  if (hello == NULL) exec_node("sendmail");
  size_t off = put_frame(hello, 'H', PROTOCOL_VERSION, 1);
  for (int i = 1; i < argc; i++) off += put_frame(hello + off, 'A', argv[i], (uint32_t)strlen(argv[i]));
  if (config) {
    char *kv = malloc(strlen(config) + 16);
    if (kv == NULL) exec_node("sendmail");
    int m = sprintf(kv, "MAILROOM_CONFIG=%s", config);
    off += put_frame(hello + off, 'E', kv, (uint32_t)m);
    free(kv);
  }
  off += put_frame(hello + off, 'S', NULL, 0);
  reply r;
  int s = send_all(hello, off, HELLO_MS, &r);
  free(hello);
  if (s == 2) finish(&r);
  if (s != 1 || read_reply(&r, HELLO_MS) != 1) exec_node("sendmail");
  if (r.type != 'G') finish(&r);

  // The message: to the daemon, and a copy for the Node path should the
  // daemon go away before the commit.
  g_copy = memfd_create("sendmail-message", MFD_CLOEXEC);
  if (g_copy < 0) {
    char tmpl[] = "/tmp/mailroom-sendmail-XXXXXX";
    g_copy = mkostemp(tmpl, O_CLOEXEC);
    if (g_copy < 0) exec_node("sendmail");
    unlink(tmpl);
  }
  static char frame[5 + CHUNK];
  for (;;) {
    ssize_t n = read(0, frame + 5, CHUNK);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) exec_node("sendmail");  // Node reads stdin again and says what is wrong
    g_consumed = 1;
    if (n == 0) break;
    for (ssize_t w = 0; w < n;) {
      ssize_t k = write(g_copy, frame + 5 + w, (size_t)(n - w));
      if (k < 0 && errno == EINTR) continue;
      if (k < 0) {
        fprintf(stderr, "sendmail: cannot keep a copy of the message: %s; try again later\n", strerror(errno));
        exit(75);
      }
      w += k;
    }
    put_frame(frame, 'D', NULL, (uint32_t)n);
    s = send_all(frame, 5 + (size_t)n, DATA_MS, &r);
    if (s == 2) finish(&r);
    if (s != 1) exec_node("sendmail");
  }
  put_frame(frame, '.', NULL, 0);
  s = send_all(frame, 5, DATA_MS, &r);
  if (s == 2) finish(&r);
  if (s != 1 || read_reply(&r, CHECK_MS) != 1) exec_node("sendmail");
  if (r.type != 'R') finish(&r);

  // The point of no return: after 'C' the daemon may store the message.
  // Five bytes into an empty socket buffer go in one send or not at all: a
  // failure here means the daemon never got 'C', and the Node path is safe.
  put_frame(frame, 'C', NULL, 0);
  s = send_all(frame, 5, DATA_MS, &r);
  if (s == 2) finish(&r);
  if (s != 1) exec_node("sendmail");
  s = read_reply(&r, COMMIT_MS);
  if (s == 0) lost_after_commit("went away");
  if (s == -1) lost_after_commit("stopped answering");
  if (r.type != 'V') lost_after_commit("answered out of turn");
  finish(&r);
  return 70;
}

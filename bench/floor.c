/*
 * The floor for one rendezvous round trip on Linux: the syscalls the
 * protocol needs (see addon/linux/client.cc and server.cc) and nothing else:
 * no epoll, no server thread, no timeouts, no heap, no JS.
 *
 *   floor WARMUP SAMPLES N [N...]
 *
 * The parent is the server, the forked child the client. The child runs
 * WARMUP + SAMPLES round trips for each N, the Ns taking turns, and prints
 * one line per N:
 *   "fds=N p50_us=X p99_us=Y samples=SAMPLES"
 * The process exits with the child's status.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define MAX_FDS 64
#define MAX_SIZES 8
#define REQUEST_MAGIC 0x3f525045u /* "EPR?" */
#define REPLY_MAGIC 0x21525045u   /* "EPR!" */

/* The addon's wire format: an 8-byte request, a 12 + 4N byte reply. */
struct request {
  uint32_t magic;
  uint16_t version, reserved;
};
struct reply {
  uint32_t magic;
  uint16_t version, reserved;
  uint32_t count;
  uint32_t keys[MAX_FDS];
};
/* A control buffer aligned for cmsghdr, big enough for MAX_FDS fds. */
union control {
  char bytes[CMSG_SPACE(sizeof(int) * MAX_FDS)];
  struct cmsghdr align;
};

static int warmup, samples, sizes[MAX_SIZES], size_count;

static void die(const char* what) {
  perror(what);
  exit(1);
}

static void check(int ok, const char* what) {
  if (!ok) {
    fprintf(stderr, "floor: %s\n", what);
    exit(1);
  }
}

/* An abstract address, unique to this run so runs cannot collide. */
static socklen_t make_address(struct sockaddr_un* address, pid_t server) {
  memset(address, 0, sizeof(*address));
  address->sun_family = AF_UNIX;
  int n = snprintf(address->sun_path + 1, sizeof(address->sun_path) - 1,
                   "epr-floor.%d", (int)server);
  return (socklen_t)(offsetof(struct sockaddr_un, sun_path) + 1 + (size_t)n);
}

static pid_t peer_pid(int socket) {
  struct ucred credentials;
  socklen_t length = sizeof(credentials);
  if (getsockopt(socket, SOL_SOCKET, SO_PEERCRED, &credentials, &length) < 0)
    die("getsockopt");
  return credentials.pid;
}

/* One server turn. The copies are made before accept(), as the addon makes
 * them at registration, outside the child's timed round trip. */
static void serve_one(int listener, pid_t child, int source, int n) {
  int fds[MAX_FDS];
  for (int i = 0; i < n; ++i)
    if ((fds[i] = fcntl(source, F_DUPFD_CLOEXEC, 0)) < 0)
      die("fcntl");
  int connection = accept4(listener, NULL, NULL, SOCK_CLOEXEC);
  if (connection < 0)
    die("accept4");
  check(peer_pid(connection) == child, "request from an unexpected pid");
  struct request request;
  ssize_t got = recv(connection, &request, sizeof(request), 0);
  check(got == sizeof(request) && request.magic == REQUEST_MAGIC,
        "bad request");

  struct reply reply = {REPLY_MAGIC, 1, 0, (uint32_t)n, {0}};
  for (int i = 0; i < n; ++i)
    reply.keys[i] = (uint32_t)i;
  struct iovec iov = {&reply, 12 + 4 * (size_t)n};
  union control control;
  memset(&control, 0, sizeof(control));
  struct msghdr message = {0};
  message.msg_iov = &iov;
  message.msg_iovlen = 1;
  message.msg_control = control.bytes;
  message.msg_controllen = CMSG_SPACE(sizeof(int) * (size_t)n);
  struct cmsghdr* header = CMSG_FIRSTHDR(&message);
  header->cmsg_level = SOL_SOCKET;
  header->cmsg_type = SCM_RIGHTS;
  header->cmsg_len = CMSG_LEN(sizeof(int) * (size_t)n);
  memcpy(CMSG_DATA(header), fds, sizeof(int) * (size_t)n);
  if (sendmsg(connection, &message, MSG_NOSIGNAL) < 0)
    die("sendmsg");
  /* The kernel holds its own references to what it carries. */
  for (int i = 0; i < n; ++i)
    close(fds[i]);
  close(connection);
}

/* One client round trip; returns its duration in ns. The received fds are
 * closed after the clock stops, as the JS child closes them after its timer. */
static int64_t rendezvous_once(const struct sockaddr_un* address,
                               socklen_t length,
                               pid_t parent,
                               int n) {
  struct timespec start, end;
  clock_gettime(CLOCK_MONOTONIC, &start);
  int sock = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
  if (sock < 0)
    die("socket");
  if (connect(sock, (const struct sockaddr*)address, length) < 0)
    die("connect");
  check(peer_pid(sock) == parent, "server is not our parent");
  struct request request = {REQUEST_MAGIC, 1, 0};
  if (send(sock, &request, sizeof(request), MSG_NOSIGNAL) < 0)
    die("send");

  struct reply reply;
  struct iovec iov = {&reply, sizeof(reply)};
  union control control;
  struct msghdr message = {0};
  message.msg_iov = &iov;
  message.msg_iovlen = 1;
  message.msg_control = control.bytes;
  message.msg_controllen = sizeof(control.bytes);
  ssize_t got = recvmsg(sock, &message, MSG_CMSG_CLOEXEC);
  if (got < 0)
    die("recvmsg");
  struct cmsghdr* header = CMSG_FIRSTHDR(&message);
  check(got == (ssize_t)(12 + 4 * (size_t)n) && reply.magic == REPLY_MAGIC &&
            reply.count == (uint32_t)n && !(message.msg_flags & MSG_CTRUNC) &&
            header && header->cmsg_level == SOL_SOCKET &&
            header->cmsg_type == SCM_RIGHTS &&
            header->cmsg_len == CMSG_LEN(sizeof(int) * (size_t)n),
        "bad reply");
  int fds[MAX_FDS];
  memcpy(fds, CMSG_DATA(header), sizeof(int) * (size_t)n);
  close(sock);
  clock_gettime(CLOCK_MONOTONIC, &end);

  for (int i = 0; i < n; ++i)
    close(fds[i]);
  return (int64_t)(end.tv_sec - start.tv_sec) * 1000000000 +
         (end.tv_nsec - start.tv_nsec);
}

static int by_value(const void* a, const void* b) {
  int64_t x = *(const int64_t*)a, y = *(const int64_t*)b;
  return (x > y) - (x < y);
}

/* Nearest rank, the same rule as bench/rendezvous.js. */
static double percentile_us(const int64_t* sorted, int count, int p) {
  int rank = (p * count + 99) / 100;
  return (double)sorted[rank > 0 ? rank - 1 : 0] / 1000.0;
}

static void client(const struct sockaddr_un* address, socklen_t length) {
  pid_t parent = getppid();
  int64_t* times = malloc(sizeof(int64_t) * (size_t)(samples * size_count));
  if (!times)
    die("malloc");
  /* Sizes take turns, so a change in scheduling (which CPU each side wakes
   * on) affects every size alike. */
  for (int i = 0; i < (warmup + samples) * size_count; ++i) {
    int s = i % size_count, round = i / size_count;
    int64_t ns = rendezvous_once(address, length, parent, sizes[s]);
    if (round >= warmup)
      times[s * samples + round - warmup] = ns;
  }
  for (int s = 0; s < size_count; ++s) {
    int64_t* mine = times + s * samples;
    qsort(mine, (size_t)samples, sizeof(int64_t), by_value);
    printf("fds=%d p50_us=%.2f p99_us=%.2f samples=%d\n", sizes[s],
           percentile_us(mine, samples, 50), percentile_us(mine, samples, 99),
           samples);
  }
  free(times);
}

int main(int argc, char** argv) {
  check(argc >= 4 && argc - 3 <= MAX_SIZES,
        "usage: floor WARMUP SAMPLES N [N...]");
  warmup = atoi(argv[1]);
  samples = atoi(argv[2]);
  check(warmup >= 0 && samples > 0, "WARMUP >= 0 and SAMPLES > 0");
  for (int i = 3; i < argc; ++i) {
    sizes[size_count] = atoi(argv[i]);
    check(sizes[size_count] >= 1 && sizes[size_count] <= MAX_FDS,
          "N must be from 1 to 64");
    ++size_count;
  }

  struct sockaddr_un address;
  socklen_t length = make_address(&address, getpid());
  /* Listening before fork() lets the child connect at once, with no race. */
  int listener = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
  if (listener < 0)
    die("socket");
  if (bind(listener, (struct sockaddr*)&address, length) < 0)
    die("bind");
  if (listen(listener, SOMAXCONN) < 0)
    die("listen");
  /* accept() honours SO_RCVTIMEO: a dead child cannot hang the parent. */
  struct timeval timeout = {5, 0};
  if (setsockopt(listener, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof(timeout)) <
      0)
    die("setsockopt");
  /* The same kind of file as the JS bench hands over (/dev/null). */
  int source = open("/dev/null", O_RDONLY | O_CLOEXEC);
  if (source < 0)
    die("open");

  fflush(stdout);
  pid_t child = fork();
  if (child < 0)
    die("fork");
  if (child == 0) {
    close(listener);
    close(source);
    client(&address, length);
    return 0;
  }
  for (int i = 0; i < (warmup + samples) * size_count; ++i)
    serve_one(listener, child, source, sizes[i % size_count]);
  int status;
  if (waitpid(child, &status, 0) < 0)
    die("waitpid");
  return WIFEXITED(status) ? WEXITSTATUS(status) : 1;
}

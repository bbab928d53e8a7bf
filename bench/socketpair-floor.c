/*
 * The floor for a channel round trip on Linux: a 16-byte message to a forked
 * child over a SOCK_SEQPACKET socketpair and the same 16 bytes back, with
 * blocking syscalls and nothing else (no poll loop, no JS).
 *
 *   socketpair-floor WARMUP SAMPLES blocking|epoll [PARENT_CPU CHILD_CPU]
 *
 * With "epoll" each side waits in epoll_wait before it reads, as an event
 * loop does, which puts back the cost of a wake-up through the poller.
 * With CPUs given, the parent and the child are pinned to them.
 * Prints "p50_us=X p99_us=Y samples=SAMPLES".
 */
#define _GNU_SOURCE
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static double now_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec * 1e9 + ts.tv_nsec;
}

static int by_value(const void* a, const void* b) {
  double x = *(const double*)a, y = *(const double*)b;
  return (x > y) - (x < y);
}

/* Nearest rank, as bench/support.js. */
static double percentile(const double* sorted, int n, double p) {
  int rank = (int)((p / 100.0) * n + 0.999999);
  return sorted[(rank < 1 ? 1 : rank) - 1];
}

static int use_epoll;

/* Waits until `fd` is readable the way an event loop would, if asked to. */
static void wait_readable(int fd) {
  static int poller = -1;
  if (!use_epoll)
    return;
  if (poller < 0) {
    poller = epoll_create1(EPOLL_CLOEXEC);
    struct epoll_event event = {.events = EPOLLIN, .data.fd = fd};
    epoll_ctl(poller, EPOLL_CTL_ADD, fd, &event);
  }
  struct epoll_event ready;
  while (epoll_wait(poller, &ready, 1, -1) != 1) {
  }
}

static void pin_to(const char* cpu) {
  cpu_set_t set;
  CPU_ZERO(&set);
  CPU_SET(atoi(cpu), &set);
  if (sched_setaffinity(0, sizeof set, &set) != 0) {
    perror("sched_setaffinity");
    exit(1);
  }
}

int main(int argc, char** argv) {
  if (argc != 4 && argc != 6) {
    fprintf(stderr,
            "usage: socketpair-floor WARMUP SAMPLES blocking|epoll "
            "[PARENT_CPU CHILD_CPU]\n");
    return 2;
  }
  int warmup = atoi(argv[1]), samples = atoi(argv[2]);
  use_epoll = strcmp(argv[3], "epoll") == 0;
  int pinned = argc == 6;
  int fds[2];
  if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, fds) != 0) {
    perror("socketpair");
    return 1;
  }
  char message[16] = "ping ping ping!";
  pid_t child = fork();
  if (child == 0) {
    if (pinned)
      pin_to(argv[5]);
    close(fds[0]);
    ssize_t n;
    for (;;) {
      wait_readable(fds[1]);
      if ((n = recv(fds[1], message, sizeof message, 0)) <= 0)
        break;
      send(fds[1], message, (size_t)n, MSG_NOSIGNAL);
    }
    _exit(0);
  }
  if (pinned)
    pin_to(argv[4]);
  close(fds[1]);
  double* times = malloc(sizeof(double) * (size_t)samples);
  for (int i = 0; i < warmup + samples; ++i) {
    double started = now_ns();
    if (send(fds[0], message, sizeof message, MSG_NOSIGNAL) != sizeof message ||
        (wait_readable(fds[0]), recv(fds[0], message, sizeof message, 0)) !=
            sizeof message) {
      perror("round trip");
      return 1;
    }
    if (i >= warmup)
      times[i - warmup] = now_ns() - started;
  }
  close(fds[0]);
  waitpid(child, NULL, 0);
  qsort(times, (size_t)samples, sizeof(double), by_value);
  printf("p50_us=%.1f p99_us=%.1f samples=%d\n",
         percentile(times, samples, 50) / 1e3,
         percentile(times, samples, 99) / 1e3, samples);
  return 0;
}

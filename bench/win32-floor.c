/*
 * The floor for one rendezvous round trip on Windows: the calls the protocol
 * needs (see addon/win/) and nothing else: no server thread, no overlapped
 * I/O, no timeouts, no JS.
 *
 *   win32-floor WARMUP SAMPLES N [N...]
 *
 * The process is the server; it starts itself again as the client. Once, as
 * the addon does when a launch is bound, it opens the child's process handle.
 * Each round the child connects to the named pipe, checks that the server is
 * its parent, sends a request; the server checks the client's pid, duplicates
 * N handles into the child and replies with their values; the child reads the
 * reply and closes the pipe (the clock stops there), then closes the handles.
 * The child runs WARMUP + SAMPLES rounds for each N, the Ns taking turns, and
 * prints one line per N:
 *   "handles=N p50_us=X p99_us=Y samples=SAMPLES"
 * The process exits with the child's status.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <windows.h>

#define MAX_HANDLES 64
#define MAX_SIZES 8
#define REQUEST_MAGIC 0x3f525045u /* "EPR?" */
#define REPLY_MAGIC 0x21525045u   /* "EPR!" */

struct request {
  uint32_t magic;
  uint16_t version, reserved;
};
struct reply {
  uint32_t magic;
  uint16_t version, reserved;
  uint32_t count;
  uint32_t keys[MAX_HANDLES];
  uint64_t values[MAX_HANDLES];
};

static int warmup, samples, sizes[MAX_SIZES], size_count;

static void die(const char* what) {
  fprintf(stderr, "win32-floor: %s failed: error %lu\n", what, GetLastError());
  exit(1);
}

static void check(int ok, const char* what) {
  if (!ok) {
    fprintf(stderr, "win32-floor: %s\n", what);
    exit(1);
  }
}

static HANDLE new_instance(const char* name, int first) {
  DWORD open_mode =
      PIPE_ACCESS_DUPLEX | (first ? FILE_FLAG_FIRST_PIPE_INSTANCE : 0);
  HANDLE pipe = CreateNamedPipeA(name, open_mode,
                                 PIPE_TYPE_MESSAGE | PIPE_READMODE_MESSAGE |
                                     PIPE_WAIT | PIPE_REJECT_REMOTE_CLIENTS,
                                 PIPE_UNLIMITED_INSTANCES, 4096, 4096, 0, NULL);
  if (pipe == INVALID_HANDLE_VALUE)
    die("CreateNamedPipe");
  return pipe;
}

/* One server turn on a connected instance. */
static void serve_one(HANDLE pipe,
                      HANDLE child,
                      DWORD child_pid,
                      HANDLE source,
                      int n) {
  ULONG client = 0;
  if (!GetNamedPipeClientProcessId(pipe, &client))
    die("GetNamedPipeClientProcessId");
  check(client == child_pid, "request from an unexpected pid");
  struct request request;
  DWORD got = 0;
  if (!ReadFile(pipe, &request, sizeof(request), &got, NULL))
    die("ReadFile");
  check(got == sizeof(request) && request.magic == REQUEST_MAGIC,
        "bad request");
  struct reply reply;
  memset(&reply, 0, sizeof(reply));
  reply.magic = REPLY_MAGIC;
  reply.version = 1;
  reply.count = (uint32_t)n;
  for (int i = 0; i < n; ++i) {
    HANDLE theirs = NULL;
    if (!DuplicateHandle(GetCurrentProcess(), source, child, &theirs, 0, FALSE,
                         DUPLICATE_SAME_ACCESS))
      die("DuplicateHandle");
    reply.keys[i] = (uint32_t)i;
    reply.values[i] = (uint64_t)(uintptr_t)theirs;
  }
  DWORD wrote = 0;
  if (!WriteFile(pipe, &reply, sizeof(reply), &wrote, NULL))
    die("WriteFile");
}

static void server(const char* self, int argc, char** argv) {
  char name[128];
  snprintf(name, sizeof(name), "\\\\.\\pipe\\epr-floor.%lu.%lu",
           GetCurrentProcessId(), GetTickCount());
  HANDLE listening = new_instance(name, 1);
  /* The handle every round duplicates: the null device, as bench/rendezvous.js
   * hands over descriptors of it. */
  HANDLE source =
      CreateFileA("NUL", GENERIC_READ, FILE_SHARE_READ | FILE_SHARE_WRITE, NULL,
                  OPEN_EXISTING, 0, NULL);
  if (source == INVALID_HANDLE_VALUE)
    die("CreateFile(NUL)");

  char command[2048];
  int used = snprintf(command, sizeof(command), "\"%s\" client %s %lu", self,
                      name, GetCurrentProcessId());
  for (int i = 1; i < argc; ++i)
    used += snprintf(command + used, sizeof(command) - (size_t)used, " %s",
                     argv[i]);
  STARTUPINFOA startup;
  PROCESS_INFORMATION process;
  memset(&startup, 0, sizeof(startup));
  startup.cb = sizeof(startup);
  if (!CreateProcessA(NULL, command, NULL, NULL, FALSE, 0, NULL, NULL, &startup,
                      &process))
    die("CreateProcess");
  CloseHandle(process.hThread);
  /* As at bind: the rights the addon's server holds the child's handle with. */
  HANDLE child = OpenProcess(
      PROCESS_DUP_HANDLE | SYNCHRONIZE | PROCESS_QUERY_LIMITED_INFORMATION,
      FALSE, process.dwProcessId);
  if (!child)
    die("OpenProcess");

  int rounds = (warmup + samples) * size_count;
  for (int i = 0; i < rounds; ++i) {
    if (!ConnectNamedPipe(listening, NULL) &&
        GetLastError() != ERROR_PIPE_CONNECTED)
      die("ConnectNamedPipe");
    HANDLE connected = listening;
    /* The next client finds an instance already listening. */
    listening = new_instance(name, 0);
    serve_one(connected, child, process.dwProcessId, source,
              sizes[i % size_count]);
    /* The client reads the reply and closes; then the instance goes. */
    char drain;
    DWORD got;
    ReadFile(connected, &drain, 1, &got, NULL);
    DisconnectNamedPipe(connected);
    CloseHandle(connected);
  }
  WaitForSingleObject(process.hProcess, INFINITE);
  DWORD status = 1;
  GetExitCodeProcess(process.hProcess, &status);
  exit((int)status);
}

static double now_us(void) {
  static LARGE_INTEGER frequency;
  LARGE_INTEGER counter;
  if (!frequency.QuadPart)
    QueryPerformanceFrequency(&frequency);
  QueryPerformanceCounter(&counter);
  return (double)counter.QuadPart * 1e6 / (double)frequency.QuadPart;
}

static double rendezvous_once(const char* name, DWORD parent, int n) {
  double start = now_us();
  HANDLE pipe;
  for (;;) {
    pipe = CreateFileA(name, GENERIC_READ | GENERIC_WRITE, 0, NULL,
                       OPEN_EXISTING, 0, NULL);
    if (pipe != INVALID_HANDLE_VALUE)
      break;
    if (GetLastError() != ERROR_PIPE_BUSY)
      die("CreateFile");
    WaitNamedPipeA(name, 1000);
  }
  DWORD mode = PIPE_READMODE_MESSAGE;
  if (!SetNamedPipeHandleState(pipe, &mode, NULL, NULL))
    die("SetNamedPipeHandleState");
  ULONG server_pid = 0;
  if (!GetNamedPipeServerProcessId(pipe, &server_pid))
    die("GetNamedPipeServerProcessId");
  check(server_pid == parent, "server is not our parent");
  struct request request = {REQUEST_MAGIC, 1, 0};
  DWORD wrote = 0;
  if (!WriteFile(pipe, &request, sizeof(request), &wrote, NULL))
    die("WriteFile");
  struct reply reply;
  DWORD got = 0;
  if (!ReadFile(pipe, &reply, sizeof(reply), &got, NULL))
    die("ReadFile");
  check(got == sizeof(reply) && reply.magic == REPLY_MAGIC &&
            reply.count == (uint32_t)n,
        "bad reply");
  CloseHandle(pipe);
  double end = now_us();
  for (int i = 0; i < n; ++i)
    CloseHandle((HANDLE)(uintptr_t)reply.values[i]);
  return end - start;
}

static int by_value(const void* a, const void* b) {
  double x = *(const double*)a, y = *(const double*)b;
  return (x > y) - (x < y);
}

/* Nearest rank, the same rule as bench/rendezvous.js. */
static double percentile(const double* sorted, int count, int p) {
  int rank = (p * count + 99) / 100;
  return sorted[rank > 0 ? rank - 1 : 0];
}

static void client(const char* name, DWORD parent) {
  double* times = malloc(sizeof(double) * (size_t)(samples * size_count));
  if (!times)
    die("malloc");
  for (int i = 0; i < (warmup + samples) * size_count; ++i) {
    int s = i % size_count, round = i / size_count;
    double us = rendezvous_once(name, parent, sizes[s]);
    if (round >= warmup)
      times[s * samples + round - warmup] = us;
  }
  for (int s = 0; s < size_count; ++s) {
    double* mine = times + s * samples;
    qsort(mine, (size_t)samples, sizeof(double), by_value);
    printf("handles=%d p50_us=%.2f p99_us=%.2f samples=%d\n", sizes[s],
           percentile(mine, samples, 50), percentile(mine, samples, 99),
           samples);
  }
  fflush(stdout);
  free(times);
}

static void read_sizes(int argc, char** argv) {
  check(argc >= 4 && argc - 3 <= MAX_SIZES,
        "usage: win32-floor WARMUP SAMPLES N [N...]");
  warmup = atoi(argv[1]);
  samples = atoi(argv[2]);
  size_count = argc - 3;
  for (int i = 0; i < size_count; ++i) {
    sizes[i] = atoi(argv[3 + i]);
    check(sizes[i] >= 1 && sizes[i] <= MAX_HANDLES, "N must be 1..64");
  }
  check(warmup >= 0 && samples >= 1, "bad WARMUP or SAMPLES");
}

int main(int argc, char** argv) {
  if (argc >= 2 && strcmp(argv[1], "client") == 0) {
    check(argc >= 4, "client NAME PARENT ...");
    const char* name = argv[2];
    DWORD parent = (DWORD)strtoul(argv[3], NULL, 10);
    read_sizes(argc - 3, argv + 3);
    client(name, parent);
    return 0;
  }
  read_sizes(argc, argv);
  char self[MAX_PATH];
  if (!GetModuleFileNameA(NULL, self, sizeof(self)))
    die("GetModuleFileName");
  server(self, argc, argv);
  return 0;
}

// perf/pace: the paced line generator of scripts/bench. Writes RATE lines per second for SECONDS seconds to
// stdout, each line SIZE bytes long (newline included), on an absolute schedule (clock_nanosleep), so a slow
// write delays one line but not the pace. With --rate 0 it writes as fast as the pipe takes them.
//
//   pace --rate 100 --seconds 10 --size 62 | ssetool pipe --stamp
//
// Built by scripts/bench with g++ into build/bench/; not part of the ssetool build.
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <time.h>
#include <unistd.h>

namespace {

struct Options {
  double rate = 100;
  double seconds = 10;
  long size = 62;
  long count = -1;  // lines in all; -1: rate * seconds
};

[[noreturn]] void usage(const char* why) {
  std::fprintf(stderr, "pace: %s\nusage: pace [--rate N] [--seconds S] [--size BYTES] [--count N]\n", why);
  std::exit(2);
}

Options parse(int argc, char** argv) {
  Options o;
  for (int i = 1; i < argc; ++i) {
    std::string flag = argv[i];
    if (i + 1 >= argc) usage(("missing value after " + flag).c_str());
    char* end = nullptr;
    double value = std::strtod(argv[++i], &end);
    if (*end != '\0' || value < 0) usage(("invalid value for " + flag).c_str());
    if (flag == "--rate") o.rate = value;
    else if (flag == "--seconds") o.seconds = value;
    else if (flag == "--size") o.size = static_cast<long>(value);
    else if (flag == "--count") o.count = static_cast<long>(value);
    else usage(("unknown flag " + flag).c_str());
  }
  if (o.size < 8) usage("--size must be at least 8");
  if (o.count < 0) o.count = static_cast<long>(o.rate * o.seconds);
  return o;
}

bool write_all(const char* data, size_t size) {
  while (size > 0) {
    ssize_t n = ::write(STDOUT_FILENO, data, size);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    data += n;
    size -= static_cast<size_t>(n);
  }
  return true;
}

// Line i: "line <i> xxxx...\n", exactly `size` bytes.
void make_line(std::string& line, long i, long size) {
  line = "line " + std::to_string(i) + " ";
  line.resize(static_cast<size_t>(size - 1), 'x');
  line += '\n';
}

void add_nanos(timespec& t, long long nanos) {
  long long total = t.tv_nsec + nanos;
  t.tv_sec += static_cast<time_t>(total / 1000000000);
  t.tv_nsec = static_cast<long>(total % 1000000000);
}

}  // namespace

int main(int argc, char** argv) {
  Options o = parse(argc, argv);
  std::string line, batch;
  if (o.rate == 0) {  // as fast as possible: 64 KiB writes
    for (long i = 1; i <= o.count; ++i) {
      make_line(line, i, o.size);
      batch += line;
      if (batch.size() >= 65536 || i == o.count) {
        if (!write_all(batch.data(), batch.size())) return 1;
        batch.clear();
      }
    }
    return 0;
  }
  timespec next{};
  clock_gettime(CLOCK_MONOTONIC, &next);
  long long interval = static_cast<long long>(1e9 / o.rate);
  for (long i = 1; i <= o.count; ++i) {
    make_line(line, i, o.size);
    if (!write_all(line.data(), line.size())) return 1;
    add_nanos(next, interval);
    while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &next, nullptr) == EINTR) {
    }
  }
  return 0;
}

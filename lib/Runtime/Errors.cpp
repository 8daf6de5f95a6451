//===- Errors.cpp - Error reporting and the watchdog ----------------------===//
//
// Every failure ends the whole job with one line on stderr. A rank that hangs
// in MPI because a peer died or took another path is ended by the watchdog
// thread, which never calls MPI itself (MPI is initialized FUNNELED) and so
// can act while the main thread is stuck inside an MPI call.
//
//===----------------------------------------------------------------------===//

#include "Internal.h"

#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdarg>
#include <cstdio>
#include <cstdlib>
#include <mutex>
#include <thread>

namespace coco::rt {
namespace {

std::atomic<int> knownWorldRank{-1};
/// Set by the first thread that starts ending the job, so that exactly one
/// error line is printed.
std::atomic<bool> dying{false};

/// The runtime call in progress: its site, and its clock (0: none), which
/// packs when it started and what it waits for into one word, so that the
/// watchdog never pairs one scope's start with another scope's limit.
std::atomic<const char *> currentSite{nullptr};
std::atomic<int64_t> callClock{0};

int64_t packClock(int64_t startNs, Waits waits) {
  return startNs * 4 + int64_t(waits);
}
int64_t clockStartNs(int64_t clock) { return clock / 4; }
Waits clockWaits(int64_t clock) { return Waits(clock % 4); }
/// How many COCO_TIMEOUT_S a call may block.
int64_t limitFactor(Waits waits) {
  return waits == Waits::ForPeersToArrive ? 2 : 1;
}

double watchdogTimeoutSeconds = 0;
/// Set while the watchdog's thread runs (watchedCall() reads it from the
/// calling thread).
std::atomic<bool> watchdogRunning{false};
std::mutex watchdogMutex;
std::condition_variable watchdogWakeUp;
bool watchdogStopping = false;

void stopWatchdogThread(std::thread &thread) {
  if (!thread.joinable())
    return;
  {
    std::lock_guard<std::mutex> lock(watchdogMutex);
    watchdogStopping = true;
  }
  watchdogWakeUp.notify_all();
  thread.join();
}

/// The watchdog's thread, stopped when the process exits too: a program
/// that never calls coco_rt_finalize (the caller owns MPI and finalizes it
/// itself, or forgot) would otherwise destroy a joinable std::thread at
/// exit, which calls std::terminate: an abort after a correct run.
struct WatchdogThread {
  std::thread thread;
  ~WatchdogThread() { stopWatchdogThread(thread); }
};
// Constructed after the mutex and condition variable above, so destroyed
// before them.
WatchdogThread watchdog;

int64_t nowNs() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

std::string rankText() {
  int rank = knownWorldRank.load();
  if (rank >= 0)
    return std::to_string(rank);
  // Before MPI_Init the launcher's environment still knows.
  for (const char *variable : {"OMPI_COMM_WORLD_RANK", "PMIX_RANK", "PMI_RANK"})
    if (const char *value = std::getenv(variable))
      return value;
  return "?";
}

/// One write() so that lines of different ranks do not interleave.
void writeErrorLine(const char *site, const std::string &cause) {
  std::string line = "coco runtime error: rank " + rankText() + ": " +
                     (site && *site ? site : "coco runtime") + ": " + cause +
                     "\n";
  const char *data = line.data();
  size_t left = line.size();
  while (left > 0) {
    ssize_t written = ::write(STDERR_FILENO, data, left);
    if (written <= 0)
      break;
    data += written;
    left -= size_t(written);
  }
}

std::string formatStringV(const char *format, va_list args) {
  va_list copy;
  va_copy(copy, args);
  int length = std::vsnprintf(nullptr, 0, format, copy);
  va_end(copy);
  std::string text(size_t(std::max(length, 0)), '\0');
  std::vsnprintf(text.data(), text.size() + 1, format, args);
  return text;
}

void watchdogLoop() {
  const auto period = std::chrono::duration<double>(
      std::clamp(watchdogTimeoutSeconds / 10, 0.01, 1.0));
  const auto timeoutNs = int64_t(watchdogTimeoutSeconds * 1e9);
  std::unique_lock<std::mutex> lock(watchdogMutex);
  while (
      !watchdogWakeUp.wait_for(lock, period, [] { return watchdogStopping; })) {
    int64_t clock = callClock.load();
    Waits waits = clockWaits(clock);
    if (clock == 0 || waits == Waits::Never ||
        nowNs() - clockStartNs(clock) <= timeoutNs * limitFactor(waits))
      continue;
    if (!dying.exchange(true)) {
      char cause[256];
      double limit = watchdogTimeoutSeconds * double(limitFactor(waits));
      if (waits == Waits::AtOp)
        std::snprintf(cause, sizeof cause,
                      "timed out after %g s waiting for other ranks (a peer "
                      "failed or took a different path)",
                      limit);
      else
        std::snprintf(cause, sizeof cause,
                      "timed out after %g s (twice COCO_TIMEOUT_S) waiting "
                      "for other ranks to arrive (a peer failed, took a "
                      "different path, or is still working)",
                      limit);
      writeErrorLine(currentSite.load(), cause);
    }
    // No MPI_Abort from this thread: the launcher tears the job down when a
    // rank exits without finalizing.
    _exit(1);
  }
}

} // namespace

void fatal(const char *site, const std::string &cause) {
  fatal(site, cause, nullptr);
}

void fatal(const char *site, const std::string &cause,
           const std::function<void()> &beforeAbort) {
  if (dying.exchange(true)) {
    // The watchdog is already ending the job.
    for (;;)
      pause();
  }
  std::fflush(stdout);
  writeErrorLine(site ? site : currentSite.load(), cause);
  if (beforeAbort)
    beforeAbort();
  int initialized = 0, finalized = 0;
  MPI_Initialized(&initialized);
  MPI_Finalized(&finalized);
  if (initialized && !finalized)
    MPI_Abort(MPI_COMM_WORLD, 1);
  _exit(1);
}

std::string formatString(const char *format, ...) {
  va_list args;
  va_start(args, format);
  std::string text = formatStringV(format, args);
  va_end(args);
  return text;
}

void fatalf(const char *site, const char *format, ...) {
  va_list args;
  va_start(args, format);
  std::string cause = formatStringV(format, args);
  va_end(args);
  fatal(site, cause);
}

void fatalOnAllRanks(const AxisComm &axis, const char *site,
                     const std::string &cause) {
  // Without the consistency check, ranks may not share the error.
  if (axis.rank == 0 || !consistencyCheckEnabled())
    fatal(site, cause);
  // Rank 0 may not share it after all (another program on it, launched
  // MPMD): then this rank says it, a little later.
  waitForAbort(site, cause, std::chrono::seconds(10));
}

void waitForAbort(const char *site, const std::string &cause,
                  std::chrono::seconds grace) {
  std::this_thread::sleep_for(grace);
  fatal(site, cause.empty()
                  ? "another rank reported an error, but the job did not end"
                  : cause);
}

void checkMpi(int rc, const char *call) {
  if (rc == MPI_SUCCESS)
    return;
  char text[MPI_MAX_ERROR_STRING];
  int length = 0;
  if (MPI_Error_string(rc, text, &length) != MPI_SUCCESS)
    std::snprintf(text, sizeof text, "MPI error code %d", rc);
  fatalf(currentSite.load(), "%s failed: %s", call, text);
}

const char *siteName(const char *site) {
  return site ? site : "<unknown site>";
}

void setWorldRankForErrors(int rank) { knownWorldRank.store(rank); }

void startWatchdog(double timeoutSeconds) {
  if (timeoutSeconds <= 0 || watchdog.thread.joinable())
    return;
  watchdogTimeoutSeconds = timeoutSeconds;
  watchdogStopping = false;
  watchdog.thread = std::thread(watchdogLoop);
  watchdogRunning.store(true);
}

void stopWatchdog() {
  watchdogRunning.store(false);
  stopWatchdogThread(watchdog.thread);
}

std::optional<WatchedCall> watchedCall() {
  int64_t clock = callClock.load();
  Waits waits = clockWaits(clock);
  if (!watchdogRunning.load() || clock == 0 || waits == Waits::Never)
    return std::nullopt;
  return WatchedCall{watchdogTimeoutSeconds * double(limitFactor(waits)),
                     double(nowNs() - clockStartNs(clock)) * 1e-9};
}

CallScope::CallScope(const char *site, Waits waits)
    : outerSite(currentSite.load()), outerClock(callClock.load()) {
  currentSite.store(site);
  callClock.store(packClock(nowNs(), waits));
}

CallScope::~CallScope() {
  // The outermost scope only: a nested call's time is in its caller's.
  if (callTimesEnabled() && !outerSite)
    recordCallTime(currentSite.load(),
                   nowNs() - clockStartNs(callClock.load()));
  callClock.store(outerClock);
  currentSite.store(outerSite);
}

} // namespace coco::rt

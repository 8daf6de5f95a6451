//===- CallTimes.cpp - time spent in each runtime call site ---------------===//
//
// COCO_PROFILE=1: every runtime call (collective, send/recv, matmul, wait,
// the harness's barrier) adds its wall time to its site's total, and
// coco_rt_finalize prints each rank's sites, the longest total first:
//
//   coco profile: rank 0: coco.reduce_scatter at step.mlir:16:11: 24 calls,
//       19.851 ms, 827.1 us per call (longest 1012.4 us)
//
// The time is what the calling rank spent inside the call, waiting for
// the other ranks included; what the compiled loops between two calls take
// is the time between them less these. The totals take in every runtime
// call of the process: MPI's start-up (coco_rt_init), warm-up calls, and in
// the host program's benchmark mode its barrier and max over ranks; sends
// still in flight at the end are waited for under one entry, "sends
// completed at finalize". Where the cost model's prediction and a measured
// step disagree, this says which part (it showed a step's collectives at
// 1.7-2x the time of the same call repeated at once on warm buffers,
// tools/coco-calibrate --cache). Nested calls count once, in the outermost.
// On the GPU runtime the time is the host's (NCCL and cuBLAS calls return
// before the device is done).
//
//===----------------------------------------------------------------------===//

#include "Internal.h"

#include <algorithm>
#include <cstdio>
#include <string>
#include <unordered_map>

namespace coco::rt {
namespace {
struct SiteTime {
  int64_t calls = 0;
  int64_t ns = 0;
  /// The longest call: a first call that made a communicator or touched
  /// its buffers for the first time shows here rather than in the mean.
  int64_t maxNs = 0;
};

bool enabled = false;

/// By the site's text: a site may be a temporary string (the in-process
/// library names its calls), gone by the time the report is printed.
std::unordered_map<std::string, SiteTime> &siteTimes() {
  static auto *times = new std::unordered_map<std::string, SiteTime>();
  return *times;
}

/// The entry of a site pointer seen before, whose text is kept to tell a
/// reused address (a temporary string freed and another made there) from
/// the same site: compiled code's sites are constants, seen on every call,
/// so most calls cost a pointer lookup and a compare, not a string built
/// and hashed.
struct Seen {
  std::string text;
  SiteTime *time;
};
std::unordered_map<const char *, Seen> &seenSites() {
  static auto *seen = new std::unordered_map<const char *, Seen>();
  return *seen;
}
} // namespace

void enableCallTimes(bool on) { enabled = on; }

bool callTimesEnabled() { return enabled; }

void recordCallTime(const char *site, int64_t ns) {
  const char *name = siteName(site);
  auto [it, inserted] = seenSites().try_emplace(name);
  if (inserted || it->second.text != name) {
    // Entries of unordered_map stay where they are as it grows.
    it->second = {name, &siteTimes()[name]};
  }
  SiteTime &time = *it->second.time;
  ++time.calls;
  time.ns += ns;
  time.maxNs = std::max(time.maxNs, ns);
}

void reportCallTimes(int worldRank) {
  if (!enabled)
    return;
  std::vector<std::pair<std::string, SiteTime>> sites(siteTimes().begin(),
                                                      siteTimes().end());
  std::sort(sites.begin(), sites.end(), [](const auto &a, const auto &b) {
    return a.second.ns != b.second.ns ? a.second.ns > b.second.ns
                                      : a.first < b.first;
  });
  int64_t calls = 0, ns = 0;
  for (const auto &[site, time] : sites) {
    calls += time.calls;
    ns += time.ns;
  }
  std::string text = formatString(
      "coco profile: rank %d: %zu sites, %lld calls, %.3f ms in runtime "
      "calls\n",
      worldRank, sites.size(), static_cast<long long>(calls), ns * 1e-6);
  for (const auto &[site, time] : sites)
    text += formatString(
        "coco profile: rank %d: %s: %lld call%s, %.3f ms, %.1f us per call "
        "(longest %.1f us)\n",
        worldRank, site.c_str(), static_cast<long long>(time.calls),
        time.calls == 1 ? "" : "s", time.ns * 1e-6,
        time.ns * 1e-3 / double(time.calls), time.maxNs * 1e-3);
  // One write per rank, so that ranks' lines do not interleave.
  std::fputs(text.c_str(), stderr);
  std::fflush(stderr);
  seenSites().clear();
  siteTimes().clear();
}

} // namespace coco::rt

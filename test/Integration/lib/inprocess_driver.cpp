// A C++ program that loads coco libraries (coco-compile --emit=shared) and
// calls their entries in-process on its own buffers through
// coco/Runtime/CocoLibrary.h. Used by test/Integration/InProcess/cpp-api.mlir.
//
//   driver adam LIB.so STEPS    Adam steps (AR-C, or shard-state's sliced m
//                               and v) vs a plain loop on the summed grads
//   driver results LIB.so       an entry that returns tensors
//   driver errors LIB.so        calls that must be refused, with the reason
//   driver leak LIB.so CALLS    resident memory over many calls
//   driver threads LIB.so CALLS two threads per rank calling one entry
//   driver agree LIB.so         calls the ranks refuse together: scalars
//                               that differ, one rank's own refusal
//   driver reload LIB.so B.so   LIB's copy rebuilt as B at its path
//
// Built with -DDRIVER_OWNS_MPI (and mpicxx), the driver initializes and
// finalizes MPI itself: coco then runs inside that MPI job.

#include "coco/Runtime/CocoLibrary.h"

#ifdef DRIVER_OWNS_MPI
#include <mpi.h>
#endif

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <dirent.h>
#include <fstream>
#include <string>
#include <thread>
#include <unistd.h>
#include <vector>

using coco::inprocess::Arg;
using coco::inprocess::Entry;
using coco::inprocess::Error;
using coco::inprocess::Library;

namespace {

int64_t rank = 0, ranks = 1;

[[noreturn]] void die(const std::string &message) {
  std::fprintf(stderr, "driver: rank %lld: %s\n", (long long)rank,
               message.c_str());
  std::exit(1);
}

/// Deterministic values of rank r's tensor `salt` (the same on every rank).
float value(int64_t r, int64_t salt, int64_t i) {
  uint64_t x = uint64_t(r * 1000003 + salt * 7919 + i) * 0x9E3779B97F4A7C15ull;
  x ^= x >> 29;
  return float(x % 20001) / 10000.0f - 1.0f;
}

/// numpy.array_split's block of n over `parts`: {offset, size}.
std::pair<int64_t, int64_t> block(int64_t n, int64_t parts, int64_t index) {
  int64_t base = n / parts, extra = n % parts;
  return {index * base + std::min(index, extra), base + (index < extra)};
}

bool close(float got, double want) {
  return std::fabs(got - want) <= 1e-5 * std::fabs(want) + 1e-6;
}

int runAdam(const Library &lib, int steps) {
  const Entry &step = lib.entry("adam_step");
  const int64_t n = step.description().args[0].tensor.shape[0];
  std::vector<int64_t> stateShape = step.localShape("m");
  bool sliced = stateShape[0] != n;
  auto [offset, size] =
      sliced ? block(n, ranks, rank) : std::pair{int64_t(0), n};
  if (size != stateShape[0])
    die("localShape(m) is " + std::to_string(stateShape[0]) +
        ", the array_split block is " + std::to_string(size));
  std::vector<float> w(n), g(n), m(size, 0.0f), v(size, 0.0f);
  std::vector<double> rw(n), rm(n, 0.0), rv(n, 0.0);
  for (int64_t i = 0; i < n; ++i)
    rw[i] = w[i] = value(-1, 0, i);
  const double lr = 0.01, b1 = 0.9, b2 = 0.999, eps = 1e-8;
  for (int t = 1; t <= steps; ++t) {
    for (int64_t i = 0; i < n; ++i)
      g[i] = value(rank, t, i);
    step({{"w", Arg(w.data(), {n})},
          {"g", Arg(static_cast<const float *>(g.data()), {n})},
          {"m", Arg(m.data(), stateShape)},
          {"v", Arg(v.data(), stateShape)},
          {"step", t},
          {"lr", lr}});
    // The reference: torch.optim.Adam's update on the summed gradient.
    for (int64_t i = 0; i < n; ++i) {
      double sum = 0;
      for (int64_t r = 0; r < ranks; ++r)
        sum += value(r, t, i);
      rm[i] = b1 * rm[i] + (1 - b1) * sum;
      rv[i] = b2 * rv[i] + (1 - b2) * sum * sum;
      double mhat = rm[i] / (1 - std::pow(b1, t));
      double vhat = rv[i] / (1 - std::pow(b2, t));
      rw[i] -= lr * mhat / (std::sqrt(vhat) + eps);
    }
  }
  for (int64_t i = 0; i < n; ++i)
    if (!close(w[i], rw[i]))
      die("w[" + std::to_string(i) + "] = " + std::to_string(w[i]) +
          ", reference " + std::to_string(rw[i]));
  for (int64_t i = 0; i < size; ++i)
    if (!close(m[i], rm[offset + i]) || !close(v[i], rv[offset + i]))
      die("m or v at " + std::to_string(offset + i) + " differ");
  if (rank == 0)
    std::printf("adam: %d steps on %lld ranks (m, v %s): w, m, v match the "
                "reference\n",
                steps, (long long)ranks, sliced ? "sliced" : "replicated");
  return 0;
}

int runResults(const Library &lib) {
  const Entry &sgd = lib.entry("sgd_norm");
  const int64_t n = 10;
  std::vector<float> w(n), g(n);
  for (int64_t i = 0; i < n; ++i) {
    w[i] = value(-1, 0, i);
    g[i] = value(rank, 1, i);
  }
  std::vector<float> w0 = w;
  auto results = sgd({{"w", Arg(w.data(), {n})}, {"g", Arg(g.data(), {n})}});
  if (results.size() != 2 || results[0].name != "gnorm" ||
      !results[0].shape.empty() || results[1].name != "gsum" ||
      results[1].shape != std::vector<int64_t>{n})
    die("unexpected results");
  double norm = 0;
  for (int64_t i = 0; i < n; ++i) {
    double sum = 0;
    for (int64_t r = 0; r < ranks; ++r)
      sum += value(r, 1, i);
    norm += sum * sum;
    if (!close(results[1].data<float>()[i], sum) ||
        !close(w[i], w0[i] - 0.5 * sum))
      die("gsum or w differ at " + std::to_string(i));
  }
  if (!close(results[0].data<float>()[0], std::sqrt(norm)))
    die("gnorm " + std::to_string(results[0].data<float>()[0]) +
        ", reference " + std::to_string(std::sqrt(norm)));
  if (rank == 0)
    std::printf("results: gnorm and gsum match the reference, w updated in "
                "place\n");
  return 0;
}

/// Each call must be refused (an Error, nothing run); rank 0 prints why.
int runErrors(const Library &lib) {
  const Entry &step = lib.entry("adam_step");
  const int64_t n = 4096;
  const std::vector<int64_t> state = step.localShape("m");
  std::vector<float> w(n), g(n), m(n), v(n);
  std::vector<double> wd(n);
  std::vector<float> before = w;
  auto refused = [&](const char *what,
                     const std::vector<std::pair<std::string, Arg>> &args) {
    try {
      step(args);
    } catch (const Error &error) {
      if (rank == 0)
        std::printf("%s: %s\n", what, error.what());
      return;
    }
    die(std::string(what) + ": the call was not refused");
  };
  refused("short g", {{"w", Arg(w.data(), {n})},
                      {"g", Arg(g.data(), {n - 1})},
                      {"m", Arg(m.data(), state)},
                      {"v", Arg(v.data(), state)}});
  refused("2-D g", {{"w", Arg(w.data(), {n})},
                    {"g", Arg(g.data(), {64, 64})},
                    {"m", Arg(m.data(), state)},
                    {"v", Arg(v.data(), state)}});
  refused("f64 w", {{"w", Arg(wd.data(), {n})},
                    {"g", Arg(g.data(), {n})},
                    {"m", Arg(m.data(), state)},
                    {"v", Arg(v.data(), state)}});
  refused("missing v", {{"w", Arg(w.data(), {n})},
                        {"g", Arg(g.data(), {n})},
                        {"m", Arg(m.data(), state)}});
  refused("unknown name", {{"w", Arg(w.data(), {n})},
                           {"g", Arg(g.data(), {n})},
                           {"m", Arg(m.data(), state)},
                           {"v", Arg(v.data(), state)},
                           {"learning_rate", 0.1}});
  refused("twice", {{"w", Arg(w.data(), {n})},
                    {"g", Arg(g.data(), {n})},
                    {"m", Arg(m.data(), state)},
                    {"v", Arg(v.data(), state)},
                    {"w", Arg(w.data(), {n})}});
  refused("read-only w", {{"w", Arg(static_cast<const float *>(w.data()), {n})},
                          {"g", Arg(g.data(), {n})},
                          {"m", Arg(m.data(), state)},
                          {"v", Arg(v.data(), state)}});
  refused("aliased m, v", {{"w", Arg(w.data(), {n})},
                           {"g", Arg(g.data(), {n})},
                           {"m", Arg(m.data(), state)},
                           {"v", Arg(m.data(), state)}});
  refused("scalar for g", {{"w", Arg(w.data(), {n})},
                           {"g", 1.0},
                           {"m", Arg(m.data(), state)},
                           {"v", Arg(v.data(), state)}});
  refused("tensor for lr", {{"w", Arg(w.data(), {n})},
                            {"g", Arg(g.data(), {n})},
                            {"m", Arg(m.data(), state)},
                            {"v", Arg(v.data(), state)},
                            {"lr", Arg(g.data(), {n})}});
  // 1e39 would become an f32 inf (float(1e39) in the runtime, before).
  refused("f32 lr beyond f32", {{"w", Arg(w.data(), {n})},
                                {"g", Arg(g.data(), {n})},
                                {"m", Arg(m.data(), state)},
                                {"v", Arg(v.data(), state)},
                                {"lr", 1e39}});
  if (state[0] != n)
    refused("whole m", {{"w", Arg(w.data(), {n})},
                        {"g", Arg(g.data(), {n})},
                        {"m", Arg(m.data(), {n})},
                        {"v", Arg(v.data(), state)}});
  try {
    lib.entry("adam");
    die("entry(\"adam\") was not refused");
  } catch (const Error &error) {
    if (rank == 0)
      std::printf("unknown entry: %s\n", error.what());
  }
  try {
    Library other("/nonexistent/libnothing.so");
    die("loading a missing library was not refused");
  } catch (const Error &error) {
    if (rank == 0)
      std::printf("missing library: %s\n", error.what());
  }
  // dlopen("") is the program itself, where the library loaded above
  // answered: its entries ran under another library's name.
  try {
    Library other("");
    die("an empty library path was not refused");
  } catch (const Error &error) {
    if (rank == 0)
      std::printf("empty path: %s\n", error.what());
  }
  if (w != before)
    die("a refused call changed w");
  return 0;
}

long residentKiB() {
  std::ifstream statm("/proc/self/statm");
  long pages = 0, resident = 0;
  statm >> pages >> resident;
  return resident * (sysconf(_SC_PAGESIZE) / 1024);
}

int runLeak(const Library &lib, int calls) {
  const Entry &sum = lib.entry("sum_big");
  const int64_t n = 16384;
  std::vector<float> g(n, 1.0f);
  auto call = [&] {
    auto results = sum({{"g", Arg(g.data(), {n})}});
    if (results.at(0).data<float>()[n - 1] != float(ranks))
      die("sum_big returned a wrong sum");
  };
  for (int i = 0; i < 50; ++i)
    call();
  long before = residentKiB();
  for (int i = 0; i < calls; ++i)
    call();
  long growth = residentKiB() - before;
  // Each call returns a 64 KiB buffer the driver releases: leaking it would
  // grow by 64 KiB per call. A quarter of that is allowed: resident memory
  // also counts what the process maps on its own meanwhile (MPI's
  // shared-memory pools growing under a lagging peer, the kernel merging a
  // heap range into a 2 MiB huge page).
  if (growth > long(calls) * 64 / 4)
    die("resident memory grew by " + std::to_string(growth) + " KiB over " +
        std::to_string(calls) + " calls");
  if (rank == 0)
    std::printf("leak: %d calls, resident memory flat (grew %ld KiB)\n", calls,
                growth);
  return 0;
}

/// Two threads per rank each call @sgd_norm `calls` times on their own w,
/// with the same gradient on every rank: whichever calls the ranks pair,
/// each sum is `ranks` (calls the runtime let through at once interleaved
/// their collectives: wrong sums, MPI_ERR_TRUNCATE, or a deadlock).
int runThreads(const Library &lib, int calls) {
  const Entry &sgd = lib.entry("sgd_norm");
  const int64_t n = 10;
  std::vector<std::string> failures(2);
  auto work = [&](int thread) {
    std::vector<float> w(n, 0.0f), g(n, 1.0f);
    try {
      for (int call = 0; call < calls; ++call) {
        auto results = sgd({{"w", Arg(w.data(), {n})},
                            {"g", Arg(g.data(), {n})},
                            {"lr", 1.0f}});
        if (results.at(1).data<float>()[n - 1] != float(ranks))
          throw Error("call " + std::to_string(call) + " summed " +
                      std::to_string(results.at(1).data<float>()[n - 1]));
      }
      if (w[0] != -float(ranks) * float(calls))
        throw Error("w is " + std::to_string(w[0]));
    } catch (const Error &error) {
      failures[size_t(thread)] = error.what();
    }
  };
  std::thread first(work, 0), second(work, 1);
  first.join();
  second.join();
  for (const std::string &failure : failures)
    if (!failure.empty())
      die("threads: " + failure);
  if (rank == 0)
    std::printf("threads: 2 threads x %d calls on %lld ranks: every sum and "
                "w right\n",
                calls, (long long)ranks);
  return 0;
}

/// Calls every rank refuses, each for another rank's reason; rank 0 prints
/// them.
int runAgree(const Library &lib) {
  const Entry &sgd = lib.entry("sgd_norm");
  const int64_t n = 10;
  std::vector<float> w(n, 0.0f), g(n, 1.0f);
  auto refused = [&](const char *what, auto call) {
    try {
      call();
    } catch (const Error &error) {
      if (rank == 0)
        std::printf("%s: %s\n", what, error.what());
      return;
    }
    die(std::string(what) + ": the call was not refused");
  };
  // w / lr would be +inf on one rank and -inf on another: -0 is not 0.
  refused("-0 on the last rank", [&] {
    sgd({{"w", Arg(w.data(), {n})},
         {"g", Arg(g.data(), {n})},
         {"lr", rank == ranks - 1 ? -0.0 : 0.0}});
  });
  // The last rank's own check fails: it refuses without calling, and the
  // others, inside their calls, hear why.
  refused("the last rank's own refusal", [&] {
    if (rank == ranks - 1)
      sgd.refuse("the caller's own check failed");
    sgd({{"w", Arg(w.data(), {n})}, {"g", Arg(g.data(), {n})}});
  });
  if (w != std::vector<float>(n, 0.0f))
    die("a refused call changed w");
  return 0;
}

float sumBig(const Library &lib) {
  std::vector<float> g(16384, 1.0f);
  return lib.entry("sum_big")({{"g", Arg(g.data(), {16384})}})
      .at(0)
      .data<float>()[0];
}

void copyFile(const std::string &from, const std::string &to) {
  std::ifstream in(from, std::ios::binary);
  std::ofstream out(to, std::ios::binary | std::ios::trunc);
  out << in.rdbuf();
  if (!in || !out.flush())
    die("cannot copy " + from + " to " + to);
}

/// Each rank loads its copy of `original` (@sum_big: the sum), then a
/// rebuild writes `rebuilt` (@sum_big: twice the sum) at that path, as
/// coco-compile does: loading the path again runs the new code (dlopen
/// gave back the old library), the first load keeps the old, and no copy
/// is left beside the file.
int runReload(const std::string &original, const std::string &rebuilt) {
  std::string path = original + ".rank" + std::to_string(rank) + ".so";
  copyFile(original, path);
  Library before(path);
  copyFile(rebuilt, path + ".tmp");
  if (std::rename((path + ".tmp").c_str(), path.c_str()) != 0)
    die("cannot rename the rebuilt library into place");
  Library after(path), again(path);
  float old = sumBig(before), fresh = sumBig(after), third = sumBig(again);
  if (old != float(ranks) || fresh != 2.0f * float(ranks) || third != fresh)
    die("reload: sums " + std::to_string(old) + ", " + std::to_string(fresh) +
        ", " + std::to_string(third));
  std::string directory = path.substr(0, path.rfind('/') + 1);
  std::string name = path.substr(path.rfind('/') + 1);
  int left = 0;
  if (DIR *listing = opendir(directory.empty() ? "." : directory.c_str())) {
    while (dirent *entry = readdir(listing))
      left += std::string(entry->d_name).rfind(name + ".", 0) == 0;
    closedir(listing);
  }
  if (left)
    die("reload: " + std::to_string(left) + " copies left beside " + path);
  std::remove(path.c_str());
  if (rank == 0)
    std::printf("reload: the rebuilt library's code runs, the first load "
                "keeps its own, no copy left\n");
  return 0;
}

} // namespace

int main(int argc, char **argv) {
  if (argc < 3)
    die("usage: driver adam|results|errors|leak|threads|agree|reload LIB.so "
        "[N|B.so]");
#ifdef DRIVER_OWNS_MPI
  MPI_Init(&argc, &argv);
#endif
  std::string mode = argv[1];
  int count = argc > 3 && mode != "reload" ? std::atoi(argv[3]) : 1;
  int status = 0;
  try {
    Library lib(argv[2]);
    rank = lib.worldRank();
    ranks = lib.worldSize();
    if (mode == "adam")
      status = runAdam(lib, count);
    else if (mode == "results")
      status = runResults(lib);
    else if (mode == "errors")
      status = runErrors(lib);
    else if (mode == "leak")
      status = runLeak(lib, count);
    else if (mode == "threads")
      status = runThreads(lib, count);
    else if (mode == "agree")
      status = runAgree(lib);
    else if (mode == "reload" && argc > 3)
      status = runReload(argv[2], argv[3]);
    else
      die("unknown mode " + mode);
    // A caller that owns MPI may leave coco's finalize out: the process
    // must still exit cleanly (the watchdog's thread ended at exit).
    if (!std::getenv("DRIVER_SKIP_LIB_FINALIZE"))
      lib.finalize();
  } catch (const Error &error) {
    die(error.what());
  }
#ifdef DRIVER_OWNS_MPI
  int finalized = 0;
  MPI_Finalized(&finalized);
  if (finalized)
    die("coco finalized MPI, which the driver initialized");
  MPI_Finalize();
  if (rank == 0)
    std::printf("MPI initialized and finalized by the driver\n");
#endif
  return status;
}

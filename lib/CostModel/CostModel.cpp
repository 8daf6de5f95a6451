//===- CostModel.cpp - predicted time of collectives, loops, matmuls ------===//

#include "coco/CostModel/CostModel.h"
#include "coco/Support/WritablePath.h"

#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/raw_ostream.h"

#include <algorithm>
#include <cmath>
#include <functional>
#include <limits>

using namespace mlir::coco::cost;
using llvm::Expected;
using llvm::StringRef;

namespace {
constexpr std::pair<Collective, const char *> kNames[] = {
    {Collective::AllReduce, "all_reduce"},
    {Collective::ReduceScatter, "reduce_scatter"},
    {Collective::AllGather, "all_gather"},
    {Collective::Broadcast, "broadcast"},
    {Collective::Reduce, "reduce"},
    {Collective::AllToAll, "all_to_all"},
    {Collective::Exchange, "exchange"},
    {Collective::SendRecv, "send_recv"},
};

/// MPI and NCCL number ranks with an int (the dialect's kMaxRanks; this
/// file also builds without MLIR, into coco-calibrate-gpu).
constexpr double kMaxRanks = 2147483647;

llvm::Error failure(const llvm::Twine &message) {
  return llvm::createStringError(llvm::inconvertibleErrorCode(),
                                 "machine profile: " + message);
}

/// A required positive number of `object` (or 0 when absent and optional).
Expected<double> number(const llvm::json::Object &object, StringRef key,
                        StringRef where, bool required) {
  const llvm::json::Value *value = object.get(key);
  if (!value) {
    if (required)
      return failure(where + " has no '" + key + "'");
    return 0.0;
  }
  std::optional<double> x = value->getAsNumber();
  if (!x || !std::isfinite(*x) || *x < 0)
    return failure(where + "'s '" + key + "' must be a number >= 0");
  // A subnormal figure divides into infinity.
  if (*x != 0 && !std::isnormal(*x))
    return failure(where + "'s '" + key +
                   "' is too close to 0 to be a "
                   "measurement");
  return *x;
}

/// The deepest nesting of arrays and objects in `json` (outside strings).
/// llvm::json::parse recurses once per level: a file nested deeper than
/// the stack would crash it.
size_t nestingDepth(StringRef json) {
  size_t depth = 0, deepest = 0;
  bool inString = false, escaped = false;
  for (char c : json) {
    if (inString) {
      if (escaped)
        escaped = false;
      else if (c == '\\')
        escaped = true;
      else if (c == '"')
        inString = false;
    } else if (c == '"') {
      inString = true;
    } else if (c == '[' || c == '{') {
      deepest = std::max(deepest, ++depth);
    } else if ((c == ']' || c == '}') && depth > 0) {
      --depth;
    }
  }
  return deepest;
}

/// Deeper than any profile coco-calibrate writes (4 levels), far from the
/// stack's limit.
constexpr size_t kMaxNesting = 64;
} // namespace

StringRef mlir::coco::cost::nameOf(Collective kind) {
  for (auto [k, name] : kNames)
    if (k == kind)
      return name;
  return "?";
}

std::optional<Collective> mlir::coco::cost::collectiveNamed(StringRef name) {
  for (auto [kind, text] : kNames)
    if (name == text)
      return kind;
  return std::nullopt;
}

double Line::at(double bytes) const {
  if (points.size() < 2)
    return latency + bytes * secondsPerByte;
  // The segment around `bytes` (the first or last one beyond the sweep).
  auto [xLast, yLast] = points.back();
  if (bytes > xLast) {
    // Beyond the sweep: on at the steeper of the last segment and the
    // fitted line (a last segment that flattens must not make large
    // messages cheap).
    auto [xPrev, yPrev] = points[points.size() - 2];
    double segment = xLast > xPrev ? (yLast - yPrev) / (xLast - xPrev) : 0;
    return yLast + (bytes - xLast) * std::max({segment, secondsPerByte, 0.0});
  }
  size_t i = 1;
  while (i + 1 < points.size() && points[i].first < bytes)
    ++i;
  auto [x0, y0] = points[i - 1];
  auto [x1, y1] = points[i];
  if (x1 <= x0)
    return y1;
  double y = y0 + (bytes - x0) * (y1 - y0) / (x1 - x0);
  // Below the smallest size: never under the line's latency.
  return std::max(y, bytes < x0 ? std::min(y0, latency) : 0.0);
}

Line Line::fit(std::vector<std::pair<double, double>> points) {
  // Weighted by 1/y^2: the relative error at every size counts alike, so
  // the small sizes fix the latency and the large ones the slope (plain
  // least squares over a 4 KiB..16 MiB sweep lets the largest sizes'
  // absolute noise swamp the latency).
  double w = 0, sx = 0, sy = 0, sxx = 0, sxy = 0;
  for (auto [x, y] : points) {
    double weight = y > 0 ? 1 / (y * y) : 1;
    w += weight;
    sx += weight * x;
    sy += weight * y;
    sxx += weight * x * x;
    sxy += weight * x * y;
  }
  double det = w * sxx - sx * sx;
  Line line;
  bool distinct = llvm::any_of(points, [&](const auto &point) {
    return point.first != points.front().first;
  });
  if (!distinct || det <= 1e-12 * w * sxx) {
    line.latency = points.empty() ? 0 : std::max(0.0, sy / w);
    return line;
  }
  line.secondsPerByte = std::max(0.0, (w * sxy - sx * sy) / det);
  line.latency = std::max(0.0, (sy - line.secondsPerByte * sx) / w);
  std::sort(points.begin(), points.end());
  line.points = std::move(points);
  return line;
}

/// The element types a measured line may be for: the runtime's names.
/// The runtime's element types (the one table, CocoElementTypes.def).
static constexpr const char *kElementTypeNames[] = {
#define COCO_ELEMENT_TYPE(KIND, NAME, CODE, BYTES, STORAGE) NAME,
#include "coco/Runtime/CocoElementTypes.def"
};

static bool isElementTypeName(StringRef name) {
  return llvm::is_contained(kElementTypeNames, name);
}

/// The lines of a "collectives" object: collective -> list of
/// {ranks, latency_us, ns_per_byte, points, element_type}; those with an
/// element type go to `byElementType` (when given; else they are an error).
static llvm::Error parseLines(const llvm::json::Object &measured,
                              StringRef section, Lines &into,
                              std::map<std::string, Lines> *byElementType) {
  for (const auto &[key, value] : measured) {
    std::optional<Collective> kind = collectiveNamed(key);
    if (!kind)
      return failure("unknown collective '" + key.str() +
                     "' (all_reduce, reduce_scatter, all_gather, broadcast, "
                     "reduce, all_to_all, exchange, send_recv)");
    const llvm::json::Array *lines = value.getAsArray();
    if (!lines)
      return failure(section.str() + "." + key.str() + " must be a list");
    for (const llvm::json::Value &entry : *lines) {
      const llvm::json::Object *object = entry.getAsObject();
      std::string where = "an entry of " + section.str() + "." + key.str();
      if (!object)
        return failure(where + " is not an object");
      Expected<double> ranks = number(*object, "ranks", where, true);
      Expected<double> latency = number(*object, "latency_us", where, true);
      Expected<double> perByte = number(*object, "ns_per_byte", where, true);
      if (!ranks)
        return ranks.takeError();
      if (!latency)
        return latency.takeError();
      if (!perByte)
        return perByte.takeError();
      if (*ranks < 1 || *ranks != std::floor(*ranks) || *ranks > kMaxRanks)
        return failure(where + "'s 'ranks' must be a whole number from 1 to " +
                       llvm::Twine(int64_t(kMaxRanks)));
      Line line{*latency * 1e-6, *perByte * 1e-9, {}};
      if (const llvm::json::Array *points = object->getArray("points")) {
        for (const llvm::json::Value &point : *points) {
          const llvm::json::Array *pair = point.getAsArray();
          std::optional<double> bytes = pair && pair->size() == 2
                                            ? (*pair)[0].getAsNumber()
                                            : std::nullopt;
          std::optional<double> us = pair && pair->size() == 2
                                         ? (*pair)[1].getAsNumber()
                                         : std::nullopt;
          if (!bytes || !us || *bytes < 0 || *us < 0)
            return failure(where + "'s points must be [bytes, us] pairs");
          line.points.push_back({*bytes, *us * 1e-6});
        }
        std::sort(line.points.begin(), line.points.end());
      }
      Lines *lines = &into;
      if (const llvm::json::Value *type = object->get("element_type")) {
        std::optional<StringRef> name = type->getAsString();
        if (!name || !isElementTypeName(*name))
          return failure(where + "'s 'element_type' must be one of " +
                         llvm::join(std::begin(kElementTypeNames),
                                    std::end(kElementTypeNames), ", "));
        if (!byElementType)
          return failure(where + " cannot have an 'element_type'");
        lines = &(*byElementType)[name->str()];
      }
      (*lines)[*kind][int64_t(*ranks)] = std::move(line);
    }
  }
  return llvm::Error::success();
}

Expected<Profile> Profile::parse(StringRef json) {
  if (nestingDepth(json) > kMaxNesting)
    return failure("arrays and objects nested more than " +
                   llvm::Twine(kMaxNesting) + " deep");
  Expected<llvm::json::Value> parsed = llvm::json::parse(json);
  if (!parsed)
    return failure("not JSON: " + llvm::toString(parsed.takeError()));
  const llvm::json::Object *root = parsed->getAsObject();
  if (!root)
    return failure("the top level must be an object");
  Profile profile;
  if (auto name = root->getString("name"))
    profile.name = name->str();
  if (auto source = root->getString("source"))
    profile.source = source->str();
  for (auto [key, field, required] :
       {std::tuple{"copy_bandwidth_GBps", &profile.copyBandwidth, true},
        std::tuple{"matmul_GFLOPs", &profile.matmulFlops, true},
        std::tuple{"chunk_overhead_us", &profile.chunkOverhead, false},
        std::tuple{"reduction_ns_per_element", &profile.reductionSeconds,
                   false},
        std::tuple{"divide_ns_per_element", &profile.divideSeconds, false},
        std::tuple{"sqrt_ns_per_element", &profile.sqrtSeconds, false},
        std::tuple{"divide_f64_ns_per_element", &profile.divideSecondsF64,
                   false},
        std::tuple{"sqrt_f64_ns_per_element", &profile.sqrtSecondsF64,
                   false}}) {
    Expected<double> x = number(*root, key, "the profile", required);
    if (!x)
      return x.takeError();
    *field = *x;
  }
  if (root->get("overlap_efficiency")) {
    Expected<double> e =
        number(*root, "overlap_efficiency", "the profile", true);
    if (!e)
      return e.takeError();
    if (*e > 1)
      return failure("overlap_efficiency must be in [0, 1]");
    profile.overlapEfficiency = *e;
  }
  profile.copyBandwidth *= 1e9;
  profile.matmulFlops *= 1e9;
  profile.chunkOverhead *= 1e-6;
  profile.reductionSeconds *= 1e-9;
  profile.divideSeconds *= 1e-9;
  profile.sqrtSeconds *= 1e-9;
  profile.divideSecondsF64 *= 1e-9;
  profile.sqrtSecondsF64 *= 1e-9;
  if (const llvm::json::Array *loop = root->getArray("loop_bandwidth")) {
    for (const llvm::json::Value &entry : *loop) {
      const llvm::json::Object *object = entry.getAsObject();
      if (!object)
        return failure("an entry of loop_bandwidth is not an object");
      Expected<double> size =
          number(*object, "working_set_bytes", "loop_bandwidth", true);
      if (!size)
        return size.takeError();
      Expected<double> rate = number(*object, "GBps", "loop_bandwidth", true);
      if (!rate)
        return rate.takeError();
      if (*size <= 0 || *rate <= 0)
        return failure("loop_bandwidth: working_set_bytes and GBps must be "
                       "positive");
      LoopPoint point{*size, *rate * 1e9};
      if (object->get("fresh_store_factor")) {
        Expected<double> factor =
            number(*object, "fresh_store_factor", "loop_bandwidth", true);
        if (!factor)
          return factor.takeError();
        // Below 1 a store would cost less than the bytes it writes; a
        // line read and written back costs 2, an unlucky machine a bit
        // more, and beyond 8 the measurement went wrong.
        if (*factor < 1 || *factor > 8)
          return failure("loop_bandwidth: fresh_store_factor must be in "
                         "[1, 8]");
        point.freshStoreFactor = *factor;
      }
      profile.loopBandwidth.push_back(point);
    }
    llvm::sort(profile.loopBandwidth,
               [](const LoopPoint &a, const LoopPoint &b) {
                 return a.workingSet < b.workingSet;
               });
  }
  // (number() refused negative figures already; zero is a measurement.)
  if (profile.copyBandwidth <= 0 || profile.matmulFlops <= 0)
    return failure("copy_bandwidth_GBps and matmul_GFLOPs must be positive");

  for (auto [section, lines, typed] :
       {std::tuple{"collectives", &profile.measured,
                   &profile.measuredByElementType},
        std::tuple{"nonblocking_collectives", &profile.measuredNonBlocking,
                   (std::map<std::string, Lines> *)nullptr},
        std::tuple{"warm_collectives", &profile.measuredWarm,
                   &profile.measuredWarmByElementType},
        std::tuple{"warm_nonblocking_collectives",
                   &profile.measuredWarmNonBlocking,
                   (std::map<std::string, Lines> *)nullptr}})
    if (const llvm::json::Object *measured = root->getObject(section))
      if (llvm::Error error = parseLines(*measured, section, *lines, typed))
        return std::move(error);
  Expected<double> cache =
      number(*root, "cache_bytes_per_rank", "the profile", false);
  if (!cache)
    return cache.takeError();
  profile.cacheBytes = *cache;
  // Warm lines without the cache they are warm in would never be used.
  if (profile.hasWarmLines() && !(profile.cacheBytes > 0))
    return failure("warm collectives need a positive cache_bytes_per_rank "
                   "(the cache they are warm in)");
  if (const llvm::json::Array *levels = root->getArray("levels")) {
    for (const llvm::json::Value &entry : *levels) {
      const llvm::json::Object *object = entry.getAsObject();
      if (!object)
        return failure("an entry of levels is not an object");
      Level level;
      if (auto name = object->getString("name"))
        level.name = name->str();
      if (auto source = object->getString("source"))
        level.source = source->str();
      std::string where = "level '" + level.name + "'";
      Expected<double> ranks = number(*object, "ranks", where, true);
      Expected<double> latency = number(*object, "latency_us", where, true);
      Expected<double> bandwidth =
          number(*object, "bandwidth_GBps", where, true);
      if (!ranks)
        return ranks.takeError();
      if (!latency)
        return latency.takeError();
      if (!bandwidth)
        return bandwidth.takeError();
      if (*ranks < 1 || *ranks != std::floor(*ranks) || *ranks > kMaxRanks ||
          *bandwidth <= 0)
        return failure(where + " needs a whole number of ranks from 1 to " +
                       llvm::Twine(int64_t(kMaxRanks)) +
                       " and a positive bandwidth");
      level.ranks = int64_t(*ranks);
      level.latency = *latency * 1e-6;
      level.bandwidth = *bandwidth * 1e9;
      profile.levels.push_back(level);
    }
  }
  if (profile.measured.empty() && profile.levels.empty())
    return failure("neither measured collectives nor levels: collectives "
                   "cannot be predicted");
  return profile;
}

Expected<Profile> Profile::load(StringRef path) {
  auto buffer = llvm::MemoryBuffer::getFile(path);
  if (!buffer)
    return failure("cannot read " + path + ": " + buffer.getError().message());
  Expected<Profile> profile = parse((*buffer)->getBuffer());
  if (!profile)
    return llvm::createStringError(llvm::inconvertibleErrorCode(),
                                   path + ": " +
                                       llvm::toString(profile.takeError()));
  return profile;
}

/// The JSON of measured lines, each typed set's after the untyped ones
/// (the inverse of parseLines).
static llvm::json::Object
linesToJSON(const Lines &measured,
            const std::map<std::string, Lines> &byElementType = {}) {
  std::map<Collective, llvm::json::Array> entries;
  auto add = [&](const Lines &lines, StringRef elementType) {
    for (const auto &[kind, byRanks] : lines)
      for (const auto &[ranks, line] : byRanks) {
        llvm::json::Array points;
        for (auto [bytes, seconds] : line.points)
          points.push_back(llvm::json::Array{bytes, seconds * 1e6});
        llvm::json::Object entry{{"ranks", ranks},
                                 {"latency_us", line.latency * 1e6},
                                 {"ns_per_byte", line.secondsPerByte * 1e9}};
        if (!elementType.empty())
          entry["element_type"] = elementType;
        if (!line.points.empty())
          entry["points"] = std::move(points);
        entries[kind].push_back(std::move(entry));
      }
  };
  add(measured, {});
  for (const auto &[elementType, lines] : byElementType)
    add(lines, elementType);
  llvm::json::Object collectives;
  for (auto &[kind, list] : entries)
    collectives[nameOf(kind)] = std::move(list);
  return collectives;
}

llvm::Error mlir::coco::cost::writeProfileJSON(const llvm::json::Value &profile,
                                               llvm::StringRef path) {
  std::error_code error;
  llvm::raw_fd_ostream out(path, error);
  if (!error) {
    out << llvm::formatv("{0:2}", profile) << "\n";
    // stdout ("-") stays open; a file is closed here, so that an error of
    // its last write or of the close is this function's to report (the
    // stream's destructor would end the process over it).
    if (path == "-")
      out.flush();
    else
      out.close();
    error = out.error();
    out.clear_error();
  }
  if (error)
    return llvm::createStringError(error, "cannot write %s: %s",
                                   path.str().c_str(), error.message().c_str());
  return llvm::Error::success();
}

llvm::Error mlir::coco::cost::checkProfileWritable(llvm::StringRef path) {
  if (path == "-")
    return llvm::Error::success();
  std::string why = coco_support::whyNotWritable(path.str());
  if (why.empty())
    return llvm::Error::success();
  return llvm::createStringError(std::errc::permission_denied,
                                 "cannot write %s: %s", path.str().c_str(),
                                 why.c_str());
}

llvm::json::Value Profile::toJSON() const {
  llvm::json::Array loopList;
  for (const LoopPoint &point : loopBandwidth)
    loopList.push_back(
        llvm::json::Object{{"working_set_bytes", point.workingSet},
                           {"GBps", point.bandwidth * 1e-9},
                           {"fresh_store_factor", point.freshStoreFactor}});
  llvm::json::Array levelList;
  for (const Level &level : levels)
    levelList.push_back(
        llvm::json::Object{{"name", level.name},
                           {"ranks", level.ranks},
                           {"latency_us", level.latency * 1e6},
                           {"bandwidth_GBps", level.bandwidth * 1e-9},
                           {"source", level.source}});
  llvm::json::Object json{
      {"name", name},
      {"source", source},
      {"copy_bandwidth_GBps", copyBandwidth * 1e-9},
      {"matmul_GFLOPs", matmulFlops * 1e-9},
      {"chunk_overhead_us", chunkOverhead * 1e6},
      {"overlap_efficiency", overlapEfficiency},
      {"reduction_ns_per_element", reductionSeconds * 1e9},
      {"divide_ns_per_element", divideSeconds * 1e9},
      {"sqrt_ns_per_element", sqrtSeconds * 1e9},
      {"divide_f64_ns_per_element", divideSecondsF64 * 1e9},
      {"sqrt_f64_ns_per_element", sqrtSecondsF64 * 1e9},
      {"loop_bandwidth", std::move(loopList)},
      {"collectives", linesToJSON(measured, measuredByElementType)},
      {"nonblocking_collectives", linesToJSON(measuredNonBlocking)},
      {"levels", std::move(levelList)},
  };
  if (cacheBytes > 0)
    json["cache_bytes_per_rank"] = cacheBytes;
  // (Without a cache size, parse refuses them: written anyway, so that the
  // profile says what is wrong rather than losing them.)
  if (hasWarmLines()) {
    json["warm_collectives"] =
        linesToJSON(measuredWarm, measuredWarmByElementType);
    json["warm_nonblocking_collectives"] = linesToJSON(measuredWarmNonBlocking);
  }
  return json;
}

/// The line `lines` holds for `kind` on `ranks` ranks, if any.
static const Line *lineFor(const Lines &lines, Collective kind, int64_t ranks) {
  auto byKind = lines.find(kind);
  if (byKind == lines.end())
    return nullptr;
  auto line = byKind->second.find(ranks);
  return line == byKind->second.end() ? nullptr : &line->second;
}

double Model::warmth(double workingSet) const {
  double cache = profile.cacheBytes;
  if (!profile.hasWarmLines() || !(cache > 0) || !(workingSet > 0))
    return 0;
  const std::vector<LoopPoint> &points = profile.loopBandwidth;
  // The loop's time per byte well inside this rank's share of the caches
  // (a quarter: where the curve is still flat here, 139 GB/s at 2-4 MiB)
  // and at twice it, where every rank's arrays together are twice the
  // cache (35 GB/s at 32 MiB here, 50 at the share's 16 MiB, 118 at 8).
  // Beyond, the curve still falls slowly (30 at 64 MiB, 25 at 128), but
  // that is the memory's pages, not what the cache keeps.
  double cached = loop(1, cache / 4), cold = loop(1, 2 * cache);
  // No curve that reaches past the cache: the arrays stay while they fit.
  if (points.empty() || points.back().workingSet <= cache || !(cold > cached))
    return workingSet <= cache ? 1 : 0;
  // From twice the cache on, nothing is kept, however the curve goes on
  // (faster again in some calibrations: 18 GB/s at 64 MiB, 36-40 at
  // 128-512 MiB).
  if (workingSet >= 2 * cache)
    return 0;
  return std::clamp((cold - loop(1, workingSet)) / (cold - cached), 0.0, 1.0);
}

std::optional<double> Model::measuredTime(const Lines &cold, const Lines *warm,
                                          Collective kind, double bytes,
                                          int64_t ranks,
                                          double workingSet) const {
  const Line *line = lineFor(cold, kind, ranks);
  if (!line)
    return std::nullopt;
  double time = line->at(bytes);
  // The warm twin of the same line (same element type, same blocking), or
  // none: an f32 warm line says nothing of how a bf16 sum behaves.
  const Line *warmLine = warm ? lineFor(*warm, kind, ranks) : nullptr;
  double share = warmth(workingSet);
  if (warmLine && share > 0)
    time += share * (warmLine->at(bytes) - time);
  return time;
}

Expected<double> Model::nonBlockingCollective(Collective kind, double bytes,
                                              int64_t ranks, int64_t together,
                                              StringRef elementType,
                                              double workingSet) const {
  if (ranks > 1)
    if (std::optional<double> time = measuredTime(
            profile.measuredNonBlocking, &profile.measuredWarmNonBlocking, kind,
            bytes, ranks, workingSet))
      return *time;
  return collective(kind, bytes, ranks, together, elementType, workingSet);
}

Expected<double> Model::collective(Collective kind, double bytes, int64_t ranks,
                                   int64_t together, StringRef elementType,
                                   double workingSet) const {
  if (ranks <= 1)
    return 0.0;
  if (!elementType.empty()) {
    auto typed = profile.measuredByElementType.find(elementType.str());
    auto warm = profile.measuredWarmByElementType.find(elementType.str());
    if (typed != profile.measuredByElementType.end())
      if (std::optional<double> time = measuredTime(
              typed->second,
              warm != profile.measuredWarmByElementType.end() ? &warm->second
                                                              : nullptr,
              kind, bytes, ranks, workingSet))
        return *time;
  }
  if (std::optional<double> time =
          measuredTime(profile.measured, &profile.measuredWarm, kind, bytes,
                       ranks, workingSet))
    return *time;
  return ring(kind, bytes, ranks, together);
}

Expected<double> Model::ring(Collective kind, double bytes, int64_t ranks,
                             int64_t together) const {
  if (profile.levels.empty())
    return failure(llvm::formatv("no measured {0} on {1} ranks and no levels "
                                 "to predict it from",
                                 nameOf(kind), ranks)
                       .str());
  // The ring algorithm on one level: R-1 steps (2(R-1) for all_reduce),
  // each moving 1/R of the data; broadcast and reduce pipeline the whole
  // message through the ring.
  auto flat = [&](const Level &level, Collective k, double n, double r) {
    if (r <= 1)
      return 0.0;
    double steps = r - 1, alpha = level.latency, beta = 1 / level.bandwidth;
    switch (k) {
    case Collective::AllReduce:
      return 2 * steps * alpha + 2 * steps / r * n * beta;
    case Collective::ReduceScatter:
    case Collective::AllGather:
    case Collective::AllToAll:
    case Collective::Exchange:
      return steps * alpha + steps / r * n * beta;
    case Collective::Broadcast:
    case Collective::Reduce:
      return steps * alpha + n * beta;
    case Collective::SendRecv:
      return alpha + n * beta;
    }
    return 0.0;
  };
  // Across levels, the hierarchical form: reduce-scatter inside the
  // inner groups, the collective across them on 1/r of the data (each inner
  // rank on its own link), all-gather inside.
  // `inner`: how many of the r ranks share a group of this level.
  std::function<double(size_t, Collective, double, double, double)> at =
      [&](size_t index, Collective k, double n, double r,
          double inner) -> double {
    const Level &level = profile.levels[index];
    if (index + 1 == profile.levels.size() || r <= inner)
      return flat(level, k, n, r);
    if (inner <= 1) // every rank in another group: the next level's links
      return at(index + 1, k, n, r,
                index + 2 < profile.levels.size()
                    ? double(profile.levels[index + 1].ranks)
                    : r);
    double outer = std::ceil(r / inner);
    auto next = [&](Collective nk, double nn) {
      return at(index + 1, nk, nn, outer,
                index + 2 < profile.levels.size()
                    ? double(profile.levels[index + 1].ranks)
                    : outer);
    };
    switch (k) {
    case Collective::AllReduce:
      return flat(level, Collective::ReduceScatter, n, inner) +
             next(Collective::AllReduce, n / inner) +
             flat(level, Collective::AllGather, n, inner);
    case Collective::ReduceScatter:
      return flat(level, Collective::ReduceScatter, n, inner) +
             next(Collective::ReduceScatter, n / inner);
    case Collective::AllGather:
      return next(Collective::AllGather, n / inner) +
             flat(level, Collective::AllGather, n, inner);
    case Collective::Broadcast:
    case Collective::Reduce:
      return next(k, n) + flat(level, k, n, inner);
    case Collective::AllToAll:
    case Collective::Exchange:
    case Collective::SendRecv:
      // Most of the data crosses the outer links.
      return at(index + 1, k, n, r, r);
    }
    return 0.0;
  };
  double inner =
      together > 0 ? double(together) : double(profile.levels.front().ranks);
  double r = double(ranks);
  double hierarchical = at(0, kind, bytes, r, inner);
  if (profile.levels.size() < 2 || r <= inner ||
      (kind != Collective::AllReduce && kind != Collective::ReduceScatter &&
       kind != Collective::AllGather))
    return hierarchical;

  // NCCL's own algorithms across levels (src/graph/tuning.cc), which it
  // picks by the same kind of prediction: the fastest of them, or of the
  // hierarchical form, is what the collective costs.
  // spanned[j]: how many groups of level j the r ranks span (one at the
  // top level); a group of level j holds size[j] of them.
  size_t top = profile.levels.size() - 1;
  llvm::SmallVector<double> spanned, size;
  for (size_t j = 0; j <= top; ++j) {
    size.push_back(j == 0 ? inner : size.back() * profile.levels[j].ranks);
    spanned.push_back(j == top ? 1.0 : std::ceil(r / size.back()));
  }
  // The ring over every rank, laid so that each crossing of a level-j
  // boundary runs on a link of its own of that level, one per rank of the
  // group below (rail-aligned channels, one per NIC): a rank's bandwidth is
  // the slowest of the level-0 link and, at each level j >= 1 it crosses,
  // size[j-1] x that level's link. Each ring step pays the latency of the
  // highest level it crosses: r - spanned[0] steps inside level-0 groups,
  // spanned[j-1] - spanned[j] crossing level j.
  double bandwidth = std::numeric_limits<double>::infinity(), latency = 0;
  double below = r;
  for (size_t j = 0; j <= top; ++j) {
    const Level &level = profile.levels[j];
    double steps = below - spanned[j];
    if (steps > 0) {
      latency += steps * level.latency;
      double links = j == 0 ? 1.0 : std::min(r, size[j - 1]);
      bandwidth = std::min(bandwidth, links * level.bandwidth);
    }
    below = spanned[j];
  }
  double passes = kind == Collective::AllReduce ? 2 : 1;
  double ring = passes * latency + passes * (r - 1) / r * bytes / bandwidth;
  if (kind != Collective::AllReduce)
    return std::min(hierarchical, ring);
  // The tree (all_reduce only): a chain inside each level-0 group and a
  // binary tree of log2 steps at each level above, up and down; it carries
  // the whole message each way at 0.9 of the ring's bandwidth.
  double treeLatency = (std::min(r, inner) - 1) * profile.levels[0].latency;
  for (size_t j = 1; j <= top; ++j)
    treeLatency += std::ceil(std::log2(spanned[j - 1] / spanned[j])) *
                   profile.levels[j].latency;
  double tree = 2 * treeLatency + 2 * bytes / (0.9 * bandwidth);
  return std::min({hierarchical, ring, tree});
}

double Model::loop(double bytes, double workingSet, double freshStores) const {
  const std::vector<LoopPoint> &points = profile.loopBandwidth;
  if (points.empty() || workingSet <= 0)
    return bytes / profile.copyBandwidth;
  // The two points around the working set and how far between them it lies
  // in log(size); the end points beyond. Between two points the time per
  // byte is interpolated, not the bandwidth: a working set that spills out
  // of a cache serves part of its bytes from the next level, and the
  // times of the two parts add (a bandwidth halfway would be the faster
  // level's time for far too many bytes).
  auto upper = std::lower_bound(
      points.begin(), points.end(), workingSet,
      [](const LoopPoint &p, double x) { return p.workingSet < x; });
  const LoopPoint &hi = upper == points.end() ? points.back() : *upper;
  const LoopPoint &lo = upper == points.begin() ? hi : *std::prev(upper);
  double t = lo.workingSet == hi.workingSet
                 ? 0
                 : std::log(workingSet / lo.workingSet) /
                       std::log(hi.workingSet / lo.workingSet);
  auto between = [&](double a, double b) { return a + t * (b - a); };
  double secondsPerByte = between(1 / lo.bandwidth, 1 / hi.bandwidth);
  double factor = between(lo.freshStoreFactor, hi.freshStoreFactor);
  return (bytes + (factor - 1) * freshStores) * secondsPerByte;
}

double Model::reduction(double elements) const {
  return elements * profile.reductionSeconds;
}

double Model::divider(double elements, unsigned bits, int64_t divides,
                      int64_t roots) const {
  bool wide = bits > 32;
  // (f64 figures of 0: not measured, twice f32's.)
  double divide = wide && profile.divideSecondsF64 > 0
                      ? profile.divideSecondsF64
                      : profile.divideSeconds * (wide ? 2.0 : 1.0);
  double root = wide && profile.sqrtSecondsF64 > 0
                    ? profile.sqrtSecondsF64
                    : profile.sqrtSeconds * (wide ? 2.0 : 1.0);
  return elements * (double(divides) * divide + double(roots) * root);
}

double Model::matmul(double flops) const { return flops / profile.matmulFlops; }

double Model::overlapped(double compute, double comm, int64_t chunks) const {
  if (chunks <= 1)
    return compute + comm;
  double c = double(chunks);
  double pipelined =
      compute / c + (c - 1) * std::max(compute / c, comm / c) + comm / c;
  double hidden = profile.overlapEfficiency * (compute + comm - pipelined);
  return compute + comm - hidden + c * profile.chunkOverhead;
}

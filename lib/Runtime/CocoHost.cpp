//===- CocoHost.cpp - host side of programs built by coco-compile ---------===//

#include "coco/Runtime/CocoHost.h"
#include "coco/Runtime/CocoRuntime.h"
#include "coco/Support/Blocks.h"
#include "coco/Support/Fnv1a.h"
#include "coco/Support/ScalarText.h"
#include "coco/Support/WritablePath.h"

#include "HalfFloat.h"
#include "PlacementText.h"

#include <algorithm>
#include <cerrno>
#include <climits>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <new>
#include <optional>
#include <sstream>

extern "C" void _mlir_memref_to_llvm_free(void *ptr);
extern "C" void *_mlir_memref_to_llvm_alloc(size_t size);

namespace coco::host {
namespace {

using coco::rt::bf16ToFloat;
using coco::rt::f16ToFloat;
using coco::rt::floatToBf16;
using coco::rt::floatToF16;
using coco_support::fnv1a;

[[noreturn]] void fail(const std::string &message) {
  coco_rt_fatal("coco host program", message.c_str());
  std::abort(); // coco_rt_fatal does not return
}

/// `text` as a whole number in [lowest, highest]: none if it is not one
/// (atoi read "abc" as 0), or is out of range (atoi wrapped 99999999999999).
std::optional<int64_t> wholeNumber(const std::string &text, int64_t lowest,
                                   int64_t highest) {
  char *end = nullptr;
  errno = 0;
  long long parsed = std::strtoll(text.c_str(), &end, 10);
  if (end == text.c_str() || *end != '\0' || errno == ERANGE ||
      parsed < lowest || parsed > highest)
    return std::nullopt;
  return int64_t(parsed);
}

/// A counting option's value, from `lowest` up to INT_MAX.
int countOption(const std::string &option, const std::string &text,
                int lowest) {
  std::optional<int64_t> count = wholeNumber(text, lowest, INT_MAX);
  if (!count)
    fail(option + " needs a whole number from " + std::to_string(lowest) +
         " to " + std::to_string(INT_MAX) + ", not '" + text + "'");
  return int(*count);
}

uint64_t splitmix64(uint64_t &state) {
  uint64_t z = (state += 0x9E3779B97F4A7C15ULL);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
  return z ^ (z >> 31);
}

/// A hash of a block's bytes, 8 at a time (a 64 MiB block in tens of ms).
uint64_t contentsHash(const unsigned char *bytes, size_t size) {
  uint64_t hash = coco_support::kFnv1aOffset;
  size_t i = 0;
  for (; i + 8 <= size; i += 8) {
    uint64_t word;
    std::memcpy(&word, bytes + i, 8);
    hash = (hash ^ word) * coco_support::kFnv1aPrime;
    hash ^= hash >> 29;
  }
  return fnv1a(bytes + i, size - i, hash);
}

uint64_t hashName(const std::string &name) {
  return fnv1a(name.data(), name.size());
}

size_t sizeOf(ElementKind kind) {
  switch (kind) {
#define COCO_ELEMENT_TYPE(KIND, NAME, CODE, BYTES, STORAGE)                    \
  case ElementKind::KIND:                                                      \
    return BYTES;
#include "coco/Runtime/CocoElementTypes.def"
  }
  return 1;
}

const char *spell(ElementKind kind) {
  switch (kind) {
#define COCO_ELEMENT_TYPE(KIND, NAME, CODE, BYTES, STORAGE)                    \
  case ElementKind::KIND:                                                      \
    return NAME;
#include "coco/Runtime/CocoElementTypes.def"
  }
  return "?";
}

/// Stores `value` as element `i` of a buffer of `kind`.
void store(ElementKind kind, void *data, int64_t i, double value) {
  switch (kind) {
  case ElementKind::F32:
    static_cast<float *>(data)[i] = static_cast<float>(value);
    break;
  case ElementKind::F64:
    static_cast<double *>(data)[i] = value;
    break;
  case ElementKind::F16:
    static_cast<uint16_t *>(data)[i] = floatToF16(static_cast<float>(value));
    break;
  case ElementKind::BF16:
    static_cast<uint16_t *>(data)[i] = floatToBf16(static_cast<float>(value));
    break;
  case ElementKind::I32:
    static_cast<int32_t *>(data)[i] = static_cast<int32_t>(value);
    break;
  case ElementKind::I64:
    static_cast<int64_t *>(data)[i] = static_cast<int64_t>(value);
    break;
  case ElementKind::I8:
    static_cast<int8_t *>(data)[i] = static_cast<int8_t>(value);
    break;
  case ElementKind::I1:
    static_cast<uint8_t *>(data)[i] = value != 0 ? 1 : 0;
    break;
  }
}

double load(ElementKind kind, const void *data, int64_t i) {
  switch (kind) {
  case ElementKind::F32:
    return static_cast<const float *>(data)[i];
  case ElementKind::F64:
    return static_cast<const double *>(data)[i];
  case ElementKind::F16:
    return f16ToFloat(static_cast<const uint16_t *>(data)[i]);
  case ElementKind::BF16:
    return bf16ToFloat(static_cast<const uint16_t *>(data)[i]);
  case ElementKind::I32:
    return static_cast<const int32_t *>(data)[i];
  case ElementKind::I64:
    return static_cast<double>(static_cast<const int64_t *>(data)[i]);
  case ElementKind::I8:
    return static_cast<const int8_t *>(data)[i];
  case ElementKind::I1:
    return static_cast<const uint8_t *>(data)[i];
  }
  return 0;
}

bool isInteger(ElementKind kind) {
  return kind == ElementKind::I32 || kind == ElementKind::I64 ||
         kind == ElementKind::I8 || kind == ElementKind::I1;
}

int64_t product(const std::vector<int64_t> &shape) {
  int64_t count = 1;
  for (int64_t dim : shape)
    count *= dim;
  return count;
}

std::string shapeText(const std::vector<int64_t> &shape, ElementKind kind) {
  std::ostringstream os;
  for (int64_t dim : shape)
    os << dim << "x";
  os << spell(kind);
  return os.str();
}

/// Copies this rank's block (`offset` and `size` per dimension) of a
/// row-major global buffer into `local`, one contiguous row at a time.
void copyBlock(const unsigned char *global, unsigned char *local,
               const std::vector<int64_t> &globalShape,
               const std::vector<int64_t> &offset,
               const std::vector<int64_t> &size, size_t elementSize) {
  int64_t rank = globalShape.size();
  if (rank == 0) {
    std::memcpy(local, global, elementSize);
    return;
  }
  if (product(size) == 0)
    return;
  size_t row = size[rank - 1] * elementSize;
  std::vector<int64_t> index(rank - 1, 0); // within the block, but the last
  for (int64_t out = 0;; ++out) {
    int64_t linear = 0;
    for (int64_t d = 0; d < rank; ++d)
      linear =
          linear * globalShape[d] + offset[d] + (d < rank - 1 ? index[d] : 0);
    std::memcpy(local + out * row, global + linear * elementSize, row);
    int64_t d = rank - 2;
    for (; d >= 0; --d) {
      if (++index[d] < size[d])
        break;
      index[d] = 0;
    }
    if (d < 0)
      return;
  }
}

/// "sliced<0>", "local on axis 1", "[local, sliced<0>]",
/// "[sliced<0> within 1, sliced<0>]": as the type says.
std::string placementText(const TensorInfo &ti) {
  auto name = [&](size_t axis) {
    return coco::rt::placementName(ti.placements.data(), ti.placements.size(),
                                   ti.sliceOrder.data(), ti.sliceOrder.size(),
                                   axis);
  };
  std::vector<size_t> placed;
  for (size_t axis = 0; axis < ti.placements.size(); ++axis)
    if (ti.placements[axis] != kReplicated)
      placed.push_back(axis);
  if (placed.empty())
    return "replicated";
  if (placed.size() == 1)
    return name(placed[0]) +
           (placed[0] ? " on axis " + std::to_string(placed[0]) : "");
  std::string text = "[";
  for (size_t axis = 0; axis < ti.placements.size(); ++axis)
    text += (axis ? ", " : "") + name(axis);
  return text + "]";
}

} // namespace

int64_t LocalTensor::numElements() const { return product(localShape); }
size_t LocalTensor::elementSize() const { return sizeOf(info.element); }

Session::Session(int argc, char **argv) {
  // A failed allocation through operator new (an --in file's contents, a
  // send's copy, the runtime's own vectors; tensors' buffers come from the
  // runtime's allocator, which says so itself): said, not an uncaught
  // std::bad_alloc.
  std::set_new_handler([] {
    coco_rt_fatal("coco host program",
                  "out of memory (an allocation of the host program or the "
                  "runtime)");
    std::abort();
  });
  coco_rt_init(&argc, &argv);
  worldRank = coco_rt_world_rank();
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    auto value = [&]() -> std::string {
      if (i + 1 >= argc)
        fail("option " + arg + " needs a value");
      return argv[++i];
    };
    if (arg == "--in")
      inDir = value();
    else if (arg == "--out")
      outDir = value();
    else if (arg == "--iters")
      iters = countOption(arg, value(), 1);
    else if (arg == "--warmup")
      warmup = countOption(arg, value(), 0);
    else if (arg == "--csv")
      csvPath = value();
    else if (arg == "--quiet")
      quiet = true;
    else if (arg == "--set") {
      std::string assignment = value();
      size_t eq = assignment.find('=');
      if (eq == std::string::npos)
        fail("--set expects NAME=VALUE, got '" + assignment + "'");
      // The last one wins, as scripts that append overrides expect; said
      // once, on rank 0.
      std::string name = assignment.substr(0, eq);
      auto [it, added] = scalars.emplace(name, assignment.substr(eq + 1));
      if (!added) {
        if (worldRank == 0)
          std::fprintf(stderr,
                       "coco host program: --set %s is given twice (%s=%s, "
                       "then %s): using the last\n",
                       name.c_str(), name.c_str(), it->second.c_str(),
                       assignment.c_str());
        it->second = assignment.substr(eq + 1);
      }
    } else if (arg == "--help") {
      if (worldRank == 0)
        std::printf("usage: %s [--in DIR] [--out DIR] [--set NAME=VALUE]... "
                    "[--iters N] [--warmup N] [--csv FILE] [--quiet]\n",
                    argv[0]);
      coco_rt_finalize();
      std::exit(0);
    } else {
      fail("unknown option '" + arg + "' (see --help)");
    }
  }
  // Written when the runs are over: a path that cannot be written fails
  // now, not after them.
  if (worldRank == 0 && !csvPath.empty()) {
    std::string why = coco_support::whyNotWritable(csvPath);
    if (!why.empty())
      fail("--csv " + csvPath + ": cannot write it (" + why + ")");
  }
  // Each rank writes its own files there (on its own host).
  if (!outDir.empty()) {
    std::string why = coco_support::whyNotWritable(outDir + "/.coco-out");
    if (!why.empty())
      fail("--out " + outDir + ": cannot write into it (" + why + ")");
  }
}

Buffer::~Buffer() { _mlir_memref_to_llvm_free(ptr); }

void Buffer::assign(size_t size) {
  _mlir_memref_to_llvm_free(ptr);
  // Never null (a zero-size tensor still gets a distinct address).
  ptr =
      static_cast<unsigned char *>(_mlir_memref_to_llvm_alloc(size ? size : 1));
  if (!ptr)
    fail("out of memory allocating " + std::to_string(size) + " bytes");
  std::memset(ptr, 0, size);
  length = size;
}

Session::~Session() = default;

LocalTensor &Session::input(TensorInfo info) {
  tensors.push_back(std::make_unique<LocalTensor>());
  LocalTensor &tensor = *tensors.back();
  tensor.info = std::move(info);
  const TensorInfo &ti = tensor.info;
  // The grid's communicators: creating them checks, once for the job and
  // agreed between ranks, that the grid fits the world.
  int64_t gridDims[4] = {1, 1, 1, 1};
  for (size_t d = 0; d < ti.gridShape.size() && d < 4; ++d)
    gridDims[d] = ti.gridShape[d];
  for (size_t axis = 0; axis < ti.gridShape.size(); ++axis)
    coco_rt_comm(ti.gridShape.size(), gridDims[0], gridDims[1], gridDims[2],
                 gridDims[3], axis);
  // This rank's block, as the runtime lays the world out on the grid.
  CocoTensorSpec spec{ti.name.c_str(),
                      0,
                      int32_t(ti.globalShape.size()),
                      ti.globalShape.data(),
                      int32_t(ti.gridShape.size()),
                      ti.gridShape.data(),
                      ti.placements.data(),
                      int32_t(ti.sliceOrder.size()),
                      ti.sliceOrder.data()};
  tensor.localShape.assign(ti.globalShape.size(), 0);
  tensor.blockOffset.assign(ti.globalShape.size(), 0);
  char error[256];
  if (coco_rt_local_block(&spec, tensor.blockOffset.data(),
                          tensor.localShape.data(), &tensor.localGroup, error,
                          sizeof(error)) != 0)
    fail("'" + ti.name + "': " + error);
  tensor.perRank = std::find(ti.placements.begin(), ti.placements.end(),
                             kLocal) != ti.placements.end();
  tensor.bytes.assign(tensor.numElements() * tensor.elementSize());
  if (!inDir.empty())
    readInput(tensor);
  else
    fillGenerated(tensor);
  // Ranks of one local group whose blocks are the same (the placement
  // replicates it among them) should hold the same values: compared once
  // the ranks agree they run one program (runAll), read or generated alike
  // (a rank given no --in takes part too).
  if (tensor.perRank && !makingResult) {
    uint64_t key = fnv1a(
        tensor.blockOffset.data(), tensor.blockOffset.size() * sizeof(int64_t),
        fnv1a(&tensor.localGroup, sizeof(int64_t), hashName(ti.name)));
    blocksGiven.push_back(
        {&tensor,
         inDir.empty() ? std::string("the generated values")
                       : inDir + "/" + ti.name + ".rank" +
                             std::to_string(worldRank) + ".bin",
         key, contentsHash(tensor.bytes.data(), tensor.bytes.size())});
  }
  return tensor;
}

LocalTensor &Session::result(TensorInfo info) {
  // A result is laid out like an input; its contents come from the entry.
  // Zero-filled, never read from the input directory.
  std::string savedIn = inDir;
  inDir.clear();
  makingResult = true;
  info.init = InitKind::Zeros;
  LocalTensor &tensor = input(std::move(info));
  makingResult = false;
  inDir = savedIn;
  return tensor;
}

void Session::fillGenerated(LocalTensor &tensor) {
  const TensorInfo &ti = tensor.info;
  // Element i of the global tensor of this rank's local group (one for a
  // tensor local on no axis) is the (i+1)-th number of a splitmix64
  // stream: ranks agree where the placements say they hold the same
  // values. The stream is counter-based, so each rank computes its block's
  // numbers only (generating the whole tensor to cut a block out needed
  // the global tensor's memory on every rank).
  const uint64_t seed =
      hashName(ti.name) ^ (tensor.perRank ? (uint64_t(tensor.localGroup) + 1) *
                                                0xD1B54A32D192ED03ULL
                                          : 0);
  const std::vector<int64_t> &global = ti.globalShape;
  const size_t rank = global.size();
  const int64_t count = product(tensor.localShape);
  std::vector<int64_t> index(rank, 0); // within the block
  for (int64_t out = 0; out < count; ++out) {
    int64_t linear = 0;
    for (size_t d = 0; d < rank; ++d)
      linear = linear * global[d] + tensor.blockOffset[d] + index[d];
    uint64_t state = seed + uint64_t(linear) * 0x9E3779B97F4A7C15ULL;
    double u = double(splitmix64(state) >> 11) * 0x1.0p-53; // [0, 1)
    double value = 0;
    switch (ti.init) {
    case InitKind::Zeros:
      value = 0;
      break;
    case InitKind::Ones:
      value = 1;
      break;
    case InitKind::Positive:
      value = isInteger(ti.element) ? std::floor(u * 8) : u;
      break;
    case InitKind::Uniform:
      value = isInteger(ti.element) ? std::floor(u * 16) - 8 : 2 * u - 1;
      break;
    }
    store(ti.element, tensor.bytes.data(), out, value);
    for (size_t d = rank; d-- > 0;) {
      if (++index[d] < tensor.localShape[d])
        break;
      index[d] = 0;
    }
  }
}

void Session::readInput(LocalTensor &tensor) {
  const TensorInfo &ti = tensor.info;
  bool perRank = tensor.perRank;
  std::string path = inDir + "/" + ti.name +
                     (perRank ? ".rank" + std::to_string(worldRank) : "") +
                     ".bin";
  // A directory opens as a stream, and reading it throws.
  std::error_code error;
  if (std::filesystem::is_directory(path, error))
    fail("cannot read input '" + ti.name + "' from " + path +
         ": it is a directory");
  std::ifstream file(path, std::ios::binary);
  if (!file)
    fail("cannot read input '" + ti.name + "' from " + path);
  std::vector<char> contents;
  try {
    contents.assign(std::istreambuf_iterator<char>(file),
                    std::istreambuf_iterator<char>());
  } catch (const std::exception &failure) {
    fail("cannot read input '" + ti.name + "' from " + path + ": " +
         failure.what());
  }
  const std::vector<int64_t> &shape =
      perRank ? tensor.localShape : ti.globalShape;
  size_t expected = product(shape) * tensor.elementSize();
  if (contents.size() != expected)
    fail(path + " holds " + std::to_string(contents.size()) + " bytes, but '" +
         ti.name + "' (" + shapeText(shape, ti.element) + ") needs " +
         std::to_string(expected));
  auto *bytes = reinterpret_cast<const unsigned char *>(contents.data());
  // An i1 byte other than 0 and 1 is no boolean: the compiled code would
  // read its lowest bit (2 as false), which no caller means.
  if (ti.element == ElementKind::I1)
    for (size_t i = 0; i < expected; ++i)
      if (bytes[i] > 1)
        fail(path + ": '" + ti.name +
             "' is i1, whose bytes are 0 or 1; element " + std::to_string(i) +
             " holds " + std::to_string(int(bytes[i])));
  if (perRank)
    std::memcpy(tensor.bytes.data(), bytes, expected);
  else
    copyBlock(bytes, tensor.bytes.data(), ti.globalShape, tensor.blockOffset,
              tensor.localShape, tensor.elementSize());
}

const std::string *Session::scalarText(const std::string &name,
                                       bool hasDefault) {
  scalarNames.insert(name);
  auto it = scalars.find(name);
  if (it != scalars.end())
    return &it->second;
  if (!hasDefault)
    fail("scalar argument '" + name + "' has no value: pass --set " + name +
         "=VALUE");
  return nullptr;
}

double Session::scalar(const std::string &name, bool hasDefault, double value,
                       int bits) {
  double chosen = scalarValue(name, hasDefault, value, bits);
  scalarValues[name] = coco_support::realScalarText(chosen, bits);
  return chosen;
}

double Session::scalarValue(const std::string &name, bool hasDefault,
                            double value, int bits) {
  const std::string *text = scalarText(name, hasDefault);
  if (!text)
    return value;
  char *end = nullptr;
  errno = 0;
  double parsed = std::strtod(text->c_str(), &end);
  if (end == text->c_str() || *end != '\0')
    fail("--set " + name + "=" + *text + ": not a number");
  // A finite number beyond the type's range would become inf quietly
  // ("inf" itself is taken, and so are numbers that round to zero). strtod
  // gives inf for both "inf" and "1e400", the second with ERANGE.
  bool infinite = std::isinf(parsed) && errno != ERANGE;
  // An f32 rounds to inf from halfway between its largest value and 2^128
  // on (converting a double beyond the float range is undefined in C++).
  double limit = bits == 32 ? 0x1.ffffffp127 : HUGE_VAL;
  if (!infinite && std::fabs(parsed) >= limit)
    fail("--set " + name + "=" + *text + ": out of range for an f" +
         std::to_string(bits));
  return parsed;
}

int64_t Session::integerScalar(const std::string &name, bool hasDefault,
                               int64_t value, int bits) {
  int64_t chosen = integerValue(name, hasDefault, value, bits);
  scalarValues[name] = std::to_string(chosen);
  return chosen;
}

int64_t Session::integerValue(const std::string &name, bool hasDefault,
                              int64_t value, int bits) {
  const std::string *text = scalarText(name, hasDefault);
  if (!text)
    return value;
  std::string what = "--set " + name + "=" + *text;
  // Not a whole number at all ("1.5"; strtoll's ERANGE, left in errno, is a
  // whole number beyond int64) or out of this type's range ("1000000000000"
  // for an i32): two messages.
  if (!wholeNumber(*text, INT64_MIN, INT64_MAX) && errno != ERANGE)
    fail(what + ": not a whole number (argument '" + name + "' is an i" +
         std::to_string(bits) + ")");
  std::optional<int64_t> parsed =
      wholeNumber(*text, bits == 32 ? INT32_MIN : INT64_MIN,
                  bits == 32 ? INT32_MAX : INT64_MAX);
  if (!parsed)
    fail(what + ": out of range for an i" + std::to_string(bits));
  return *parsed;
}

void Session::copyInResult(LocalTensor &tensor, const void *data,
                           const int64_t *sizes, const int64_t *strides,
                           int64_t rank) {
  if (rank != static_cast<int64_t>(tensor.localShape.size()))
    fail("result '" + tensor.info.name + "' has an unexpected rank");
  for (int64_t d = 0; d < rank; ++d)
    if (sizes[d] != tensor.localShape[d])
      fail("result '" + tensor.info.name + "' has size " +
           std::to_string(sizes[d]) + " in dimension " + std::to_string(d) +
           ", expected " + std::to_string(tensor.localShape[d]));
  size_t elementSize = tensor.elementSize();
  int64_t count = tensor.numElements();
  const auto *source = static_cast<const unsigned char *>(data);
  std::vector<int64_t> index(rank, 0);
  for (int64_t i = 0; i < count; ++i) {
    int64_t offset = 0;
    for (int64_t d = 0; d < rank; ++d)
      offset += index[d] * strides[d];
    std::memcpy(tensor.bytes.data() + i * elementSize,
                source + offset * elementSize, elementSize);
    for (int64_t d = rank - 1; d >= 0; --d) {
      if (++index[d] < sizes[d])
        break;
      index[d] = 0;
    }
  }
}

void Session::freeReturned(std::initializer_list<void *> allocated) {
  std::vector<void *> freed;
  for (void *block : allocated) {
    if (!block || std::find(freed.begin(), freed.end(), block) != freed.end())
      continue;
    freed.push_back(block);
    bool owned = std::any_of(tensors.begin(), tensors.end(),
                             [&](auto &t) { return t->bytes.data() == block; });
    // Allocated by compiled code, through the runtime's allocator.
    if (!owned)
      _mlir_memref_to_llvm_free(block);
  }
}

void Session::addEntry(std::string name, std::function<void(bool)> call,
                       std::function<void()> outputs) {
  entries.push_back({std::move(name), std::move(call), std::move(outputs), {}});
}

void Session::runAll() {
  for (const auto &[name, text] : scalars)
    if (!scalarNames.count(name)) {
      std::string known;
      for (const std::string &scalar : scalarNames)
        known += (known.empty() ? "" : ", ") + scalar;
      fail("--set " + name + "=" + text + ": no entry has a scalar argument '" +
           name + "' (" +
           (known.empty() ? std::string("they have none")
                          : "they have: " + known) +
           ")");
    }
  std::string agreed;
  for (const auto &[name, value] : scalarValues)
    agreed += (agreed.empty() ? "" : ", ") + name + "=" + value;
  std::string names;
  for (const Entry &entry : entries)
    names += (names.empty() ? "@" : ", @") + entry.name;
  coco_rt_agree_on_program(programDigest, names.c_str(), agreed.c_str());
  // A warning, not an error: a pipeline program may give each stage its
  // own values of a tensor it types as replicated along the stage axis
  // (each stage's branch reads only its own). Said by the lower rank of
  // each pair that differs.
  for (const BlockGiven &block : blocksGiven) {
    int64_t other = coco_rt_first_rank_differing(block.key, block.contents);
    if (other > worldRank)
      std::fprintf(stderr,
                   "coco host program: warning: rank %lld: '%s': %s and world "
                   "rank %lld's differ, but the two ranks hold the same block "
                   "of it (placed %s, it is replicated along the axes where "
                   "they differ): results that the placement says agree may "
                   "differ\n",
                   (long long)worldRank, block.tensor->info.name.c_str(),
                   block.source.c_str(), (long long)other,
                   placementText(block.tensor->info).c_str());
  }
  for (int i = 0; i < warmup; ++i)
    for (Entry &entry : entries)
      entry.call(false);
  for (int i = 0; i < iters; ++i) {
    for (Entry &entry : entries) {
      coco_rt_barrier();
      double start = coco_rt_wtime();
      entry.call(i == iters - 1);
      entry.times.push_back(coco_rt_max_over_ranks(coco_rt_wtime() - start));
    }
  }
  for (Entry &entry : entries)
    entry.outputs();
}

void Session::output(LocalTensor &tensor, const std::string &prefix) {
  const TensorInfo &ti = tensor.info;
  if (!outDir.empty()) {
    std::string path = outDir + "/" + prefix + ti.name + ".rank" +
                       std::to_string(worldRank) + ".bin";
    // Checked once closed: a full disk shows when the buffer is flushed.
    errno = 0;
    std::ofstream file(path, std::ios::binary);
    file.write(reinterpret_cast<const char *>(tensor.bytes.data()),
               tensor.bytes.size());
    file.close();
    if (file.fail())
      fail("cannot write output '" + ti.name + "' to " + path +
           (errno ? std::string(" (") + std::strerror(errno) + ")" : ""));
  }
  if (quiet || worldRank != 0)
    return;
  double sum = 0;
  int64_t count = tensor.numElements();
  for (int64_t i = 0; i < count; ++i)
    sum += load(ti.element, tensor.bytes.data(), i);
  std::printf("%s%s: %s %s", prefix.c_str(), ti.name.c_str(),
              shapeText(ti.globalShape, ti.element).c_str(),
              placementText(ti).c_str());
  std::printf(", rank 0 holds %s: [",
              shapeText(tensor.localShape, ti.element).c_str());
  for (int64_t i = 0; i < std::min<int64_t>(count, 4); ++i)
    std::printf("%s%.6g", i ? ", " : "",
                load(ti.element, tensor.bytes.data(), i));
  std::printf("%s] sum %.9g\n", count > 4 ? ", ..." : "", sum);
}

int Session::finish() {
  if (worldRank == 0) {
    FILE *csv = csvPath.empty() ? nullptr : std::fopen(csvPath.c_str(), "a");
    if (!csvPath.empty() && !csv)
      fail("cannot write " + csvPath);
    for (Entry &entry : entries) {
      if (entry.times.empty())
        continue;
      std::vector<double> sorted = entry.times;
      std::sort(sorted.begin(), sorted.end());
      double median = sorted[sorted.size() / 2] * 1e3;
      double best = sorted.front() * 1e3;
      long long ranks = coco_rt_world_size();
      if (!quiet)
        std::printf("@%s on %lld ranks: median %.3f ms, min %.3f ms over %zu "
                    "run(s) (max over ranks)\n",
                    entry.name.c_str(), ranks, median, best, sorted.size());
      if (csv)
        std::fprintf(csv, "%s,%lld,%.6f,%.6f,%zu\n", entry.name.c_str(), ranks,
                     median, best, sorted.size());
    }
    // (fclose flushes: a full disk shows there.)
    if (csv && (std::ferror(csv) | std::fclose(csv)))
      fail("cannot write " + csvPath + " (" + std::strerror(errno) + ")");
  }
  std::fflush(stdout);
  coco_rt_finalize();
  return 0;
}

} // namespace coco::host

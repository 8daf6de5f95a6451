//===- Consistency.cpp - Cross-rank consistency check ---------------------===//
//
// Before a collective, ranks check that they agree on what they are about to
// do. Without this, a mismatch (different shapes, ops or dtypes on different
// ranks) silently corrupts data or hangs. The check costs one MPI_Allreduce
// of a few dozen integers: the minimum of every field and of its complement
// (whose minimum is the complement of the maximum) tell whether min == max.
// Only on a mismatch do ranks gather the full signatures to explain it.
//
//===----------------------------------------------------------------------===//

#include "ElementTypes.h"
#include "Internal.h"

#include <cstring>

namespace coco::rt {
namespace {

int64_t product(int64_t rank, const int64_t *sizes) {
  int64_t elems = 1;
  for (int64_t i = 0; i < rank; ++i)
    elems *= sizes[i];
  return elems;
}

/// FNV-1a over the rank and sizes: tells apart shapes with equal element
/// counts.
int64_t shapeHash(int64_t rank, const int64_t *sizes) {
  uint64_t hash = 0xcbf29ce484222325ull;
  auto mix = [&](int64_t value) {
    hash ^= uint64_t(value);
    hash *= 0x100000001b3ull;
  };
  mix(rank);
  for (int64_t i = 0; i < rank; ++i)
    mix(sizes[i]);
  return int64_t(hash);
}

} // namespace

std::string formatShape(int64_t rank, const int64_t *sizes) {
  std::string text = "[";
  for (int64_t i = 0; i < rank; ++i)
    text += (i ? ", " : "") + std::to_string(sizes[i]);
  return text + "]";
}

Signature::Signature(OpKind op, int32_t dtype, int32_t reduction) {
  fields[kOp] = int64_t(op);
  fields[kDType] = dtype;
  fields[kReduction] = reduction;
}

void Signature::setBuffers(int64_t inRank, const int64_t *inSizes,
                           int64_t outRank, const int64_t *outSizes) {
  this->inRank = inRank;
  this->inSizes = inSizes;
  this->outRank = outRank;
  this->outSizes = outSizes;
  fields[kInElems] = product(inRank, inSizes);
  fields[kOutElems] = product(outRank, outSizes);
  fields[kInShape] = shapeHash(inRank, inSizes);
  fields[kOutShape] = shapeHash(outRank, outSizes);
}

void Signature::addParam(const char *name, int64_t value) {
  paramNames[numParams] = name;
  fields[kParam0 + numParams] = value;
  ++numParams;
}

void Signature::checkAgreement(const AxisComm &axis, const char *site) const {
  if (!consistencyCheckEnabled())
    return;
  int64_t bounds[2 * kNumFields];
  for (int i = 0; i < kNumFields; ++i) {
    bounds[i] = fields[i];
    bounds[kNumFields + i] = ~fields[i];
  }
  checkMpi(MPI_Allreduce(MPI_IN_PLACE, bounds, 2 * kNumFields, MPI_INT64_T,
                         MPI_MIN, axis.comm),
           "MPI_Allreduce (consistency check)");
  for (int i = 0; i < kNumFields; ++i)
    if (bounds[i] != ~bounds[kNumFields + i])
      reportMismatch(axis, site);
}

void Signature::reportMismatch(const AxisComm &axis, const char *site) const {
  std::vector<int64_t> all(size_t(axis.size) * kNumFields);
  checkMpi(MPI_Allgather(fields, kNumFields, MPI_INT64_T, all.data(),
                         kNumFields, MPI_INT64_T, axis.comm),
           "MPI_Allgather (consistency check)");
  // The first rank that differs from axis rank 0 reports, against rank 0;
  // everybody else waits for its abort, so the job prints one line.
  const size_t bytes = sizeof(int64_t) * kNumFields;
  int reporter = 1;
  while (std::memcmp(&all[size_t(reporter) * kNumFields], all.data(), bytes) ==
         0)
    ++reporter;
  if (axis.rank != reporter)
    waitForAbort(site);
  fatal(site, describeMismatch(all.data(), axis.worldRanks[0]));
}

std::string Signature::describeMismatch(const int64_t *other,
                                        int otherRank) const {
  auto differs = [&](int field) { return fields[field] != other[field]; };
  auto opOf = [](const int64_t *sig) { return opName(OpKind(sig[kOp])); };

  if (differs(kOp))
    return formatString(
        "op mismatch across ranks: this rank calls %s, rank %d calls %s",
        opOf(fields), otherRank, opOf(other));

  if (OpKind(fields[kOp]) == OpKind::Comm) {
    // Params: grid rank, the 4 extents, axis.
    auto describeGrid = [](const int64_t *sig) {
      const int64_t *params = sig + kParam0;
      return formatString("axis %lld of grid ", (long long)params[5]) +
             formatShape(params[0], params + 1);
    };
    return formatString(
        "grid mismatch across ranks: this rank creates the communicator of "
        "%s, rank %d of %s",
        describeGrid(fields).c_str(), otherRank, describeGrid(other).c_str());
  }

  for (int i = 0; i < numParams; ++i)
    if (differs(kParam0 + i))
      return formatString(
          "%s mismatch across ranks: this rank has %lld, rank %d has %lld",
          paramNames[i], (long long)fields[kParam0 + i], otherRank,
          (long long)other[kParam0 + i]);
  if (differs(kDType))
    return formatString(
        "dtype mismatch across ranks: this rank has %s, rank %d has %s",
        dtypeName(int32_t(fields[kDType])), otherRank,
        dtypeName(int32_t(other[kDType])));
  if (differs(kReduction))
    return formatString(
        "reduction mismatch across ranks: this rank has %s, rank %d has %s",
        reductionName(int32_t(fields[kReduction])), otherRank,
        reductionName(int32_t(other[kReduction])));
  if (differs(kInElems))
    return formatString("shape mismatch across ranks: this rank has %lld "
                        "elements, rank %d has %lld",
                        (long long)fields[kInElems], otherRank,
                        (long long)other[kInElems]);
  if (differs(kOutElems))
    return formatString("output shape mismatch across ranks: this rank has "
                        "%lld elements, rank %d has %lld",
                        (long long)fields[kOutElems], otherRank,
                        (long long)other[kOutElems]);
  // Same element counts, different shapes.
  bool inputDiffers = differs(kInShape);
  const char *what = inputDiffers ? "shape" : "output shape";
  std::string shape = inputDiffers ? formatShape(inRank, inSizes)
                                   : formatShape(outRank, outSizes);
  return formatString("%s mismatch across ranks: this rank has %s %s, rank %d "
                      "has another one with as many elements",
                      what, what, shape.c_str(), otherRank);
}

} // namespace coco::rt

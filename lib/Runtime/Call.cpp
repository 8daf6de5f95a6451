//===- Call.cpp - Context of one communication call -----------------------===//

#include "Call.h"

#include <climits>

namespace coco::rt {
namespace {

const char *initializeAndName(const char *site) {
  ensureInitialized();
  return siteName(site);
}

/// The memref descriptor's header; sizes[rank] and strides[rank] follow.
struct DescriptorHeader {
  void *allocated;
  void *aligned;
  int64_t offset;
};

} // namespace

int64_t Tensor::outer(int64_t dim) const {
  int64_t product = 1;
  for (int64_t d = 0; d < dim; ++d)
    product *= sizes[d];
  return product;
}

int64_t Tensor::inner(int64_t dim) const {
  int64_t product = 1;
  for (int64_t d = dim + 1; d < rank; ++d)
    product *= sizes[d];
  return product;
}

Call::Call(const char *site, OpKind op, int64_t comm, int32_t dtype)
    : site(initializeAndName(site)), scope(this->site), op(op),
      axis(axisComm(comm, this->site)), dtype(dtype),
      type(dtypeInfo(dtype, this->site)) {}

Call::Buffers Call::agreeOnBuffers(
    int32_t reduction,
    std::initializer_list<std::pair<const char *, int64_t>> params,
    int64_t inRank, void *in, int64_t outRank, void *out, int64_t inBlockDim,
    int64_t outBlockDim, bool stridedRows) {
  Buffers buffers{tensor(inRank, in, "input", stridedRows),
                  tensor(outRank, out, "output", stridedRows)};
  Signature signature(op, dtype, reduction);
  for (const auto &[name, value] : params)
    signature.addParam(name, value);
  // A block's size differs between ranks: agree on the whole instead.
  std::vector<int64_t> inSizes(buffers.input.sizes,
                               buffers.input.sizes + inRank);
  std::vector<int64_t> outSizes(buffers.output.sizes,
                                buffers.output.sizes + outRank);
  if (inBlockDim >= 0 && inBlockDim < inRank && inBlockDim < outRank)
    inSizes[inBlockDim] = outSizes[inBlockDim];
  if (outBlockDim >= 0 && outBlockDim < outRank && outBlockDim < inRank)
    outSizes[outBlockDim] = buffers.input.sizes[outBlockDim];
  signature.setBuffers(inRank, inSizes.data(), outRank, outSizes.data());
  check(signature);
  return buffers;
}

Tensor Call::tensor(int64_t rank, void *descriptor, const char *name,
                    bool stridedRows) const {
  if (!descriptor)
    fatalf(site, "%s memref descriptor is null", name);
  if (rank < 0)
    fatalf(site, "%s has invalid rank %lld", name, (long long)rank);
  const auto *header = static_cast<const DescriptorHeader *>(descriptor);
  const int64_t *sizes = reinterpret_cast<const int64_t *>(header + 1);
  const int64_t *strides = sizes + rank;

  const int64_t maxElems = INT64_MAX / int64_t(type.bytes);
  int64_t elems = 1;
  for (int64_t d = 0; d < rank; ++d) {
    if (sizes[d] < 0)
      fatalf(site, "%s has negative size in shape %s", name,
             formatShape(rank, sizes).c_str());
    if (__builtin_mul_overflow(elems, sizes[d], &elems) || elems > maxElems)
      fatalf(site, "%s shape %s is too large", name,
             formatShape(rank, sizes).c_str());
  }
  // Identity layout; a size-1 dim may carry any stride; with `stridedRows`
  // dim 0 any stride of at least a row (`row`: the elements after dim 0).
  auto notContiguous = [&] {
    fatalf(site, "%s buffer is not contiguous (sizes %s, strides %s)", name,
           formatShape(rank, sizes).c_str(),
           formatShape(rank, strides).c_str());
  };
  int64_t row = 1, rowStride = 1;
  for (int64_t d = rank - 1; d >= 1 && elems > 0; --d) {
    if (sizes[d] != 1 && strides[d] != row)
      notContiguous();
    row *= sizes[d];
  }
  if (rank > 0 && elems > 0) {
    bool rowsApart = stridedRows && strides[0] >= row;
    if (sizes[0] != 1 && strides[0] != row && !rowsApart)
      notContiguous();
    rowStride = sizes[0] != 1 ? strides[0] : row;
  }
  if (!header->aligned && elems > 0)
    fatalf(site, "%s buffer is null", name);
  char *data = static_cast<char *>(header->aligned) +
               header->offset * int64_t(type.bytes);
  // From the first element to one past the last, the rows' gaps included.
  int64_t span = elems;
  if (rank > 0 && elems > 0 &&
      (__builtin_mul_overflow(sizes[0] - 1, rowStride, &span) ||
       __builtin_add_overflow(span, row, &span) || span > maxElems))
    fatalf(site, "%s rows (strides %s) span too many elements", name,
           formatShape(rank, strides).c_str());
  return {data, rank, sizes, elems, size_t(span) * type.bytes, rowStride};
}

void Call::check(const Signature &signature) {
  signature.checkAgreement(axis, site);
  agreed = true;
}

void Call::fail(const std::string &cause) const {
  if (agreed)
    fatalOnAllRanks(axis, site, cause);
  fatal(site, cause);
}

void Call::requireInRange(const char *name, int64_t value,
                          int64_t bound) const {
  if (value < 0 || value >= bound)
    fail(formatString("%s %lld is out of range [0, %lld)", name,
                      (long long)value, (long long)bound));
}

void Call::requireDisjoint(const Tensor &input, const Tensor &output) const {
  if (input.bytes && output.bytes && input.data < output.data + output.bytes &&
      output.data < input.data + input.bytes)
    fail("input and output buffers overlap");
}

void Call::requireSameElements(const Tensor &input,
                               const Tensor &output) const {
  if (input.elems != output.elems)
    fail(formatString("input has %lld elements but output has %lld",
                      (long long)input.elems, (long long)output.elems));
}

int Call::count(int64_t elems) const {
  if (elems > INT_MAX)
    fail(formatString("a message of %lld elements exceeds MPI's count limit "
                      "(%d)",
                      (long long)elems, INT_MAX));
  return faultInjected(op) ? -1 : int(elems);
}

} // namespace coco::rt

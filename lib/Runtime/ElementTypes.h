//===- ElementTypes.h - Element types and reductions ------------*- C++ -*-===//
//
// Maps the compiler's dtype and reduction codes onto MPI, and provides the
// local element-wise kernels (combine, divide) the collectives need. f16 and
// bf16 have no MPI type: they travel as 2-byte MPI_UINT16_T and reduce through
// user-defined MPI ops that compute in float.
//
//===----------------------------------------------------------------------===//

#ifndef COCO_LIB_RUNTIME_ELEMENTTYPES_H
#define COCO_LIB_RUNTIME_ELEMENTTYPES_H

#include <mpi.h>

#include <cstddef>
#include <cstdint>

namespace coco::rt {

struct DTypeInfo {
  const char *name;
  size_t bytes;
  MPI_Datatype mpiType;
};

/// The element type of a dtype code; fatal (at `site`) if the code is unknown.
const DTypeInfo &dtypeInfo(int32_t dtype, const char *site);
/// Fatal (at `site`) if `reduction` is not a CocoReduction, or values of
/// `dtype` cannot be reduced (i1: the verifiers refuse it too).
void checkReduction(int32_t dtype, int32_t reduction, const char *site);
/// "f32", "sum", ...; only for valid codes.
const char *dtypeName(int32_t dtype);
const char *reductionName(int32_t reduction);

/// The MPI op computing `reduction` on `dtype` (AVG reduces as SUM; the
/// caller divides afterwards).
MPI_Op mpiReductionOp(int32_t dtype, int32_t reduction);

/// acc[i] = acc[i] <reduction> x[i] for n elements (AVG combines as SUM).
void combineInto(int32_t dtype, int32_t reduction, void *acc, const void *x,
                 size_t n);
/// data[i] /= divisor in the element type (integer division for integers).
void divideInPlace(int32_t dtype, void *data, size_t n, int64_t divisor);

/// dst[i] = src[i] as float, for n elements of f16 or bf16 (`dtype`).
void halfToFloat(int32_t dtype, const void *src, float *dst, size_t n);
/// dst[i] = src[i] rounded to nearest-even f16 or bf16 (`dtype`).
void floatToHalf(int32_t dtype, const float *src, void *dst, size_t n);

/// Create / free the user-defined MPI ops of f16 and bf16.
void createHalfOps();
void freeHalfOps();

} // namespace coco::rt

#endif // COCO_LIB_RUNTIME_ELEMENTTYPES_H

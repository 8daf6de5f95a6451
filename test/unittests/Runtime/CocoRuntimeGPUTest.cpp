//===- CocoRuntimeGPUTest.cpp - Tests of the GPU runtime (NCCL, cuBLAS) ---===//
//
// Run under mpirun with one rank per GPU (runtime-gpu.test, REQUIRES
// cuda-device). Buffers come from the runtime's allocator (CUDA managed
// memory), as in compiled programs; inputs are small integers so sums are
// exact and results compare bit for bit with values computed here.
//
//===----------------------------------------------------------------------===//

#include "coco/Runtime/CocoRuntimeGPU.h"
#include "coco/Runtime/CocoRuntime.h"

#include "MatmulTestUtils.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <string>
#include <utility>
#include <vector>

extern "C" void *mgpuStreamCreate();
extern "C" void mgpuStreamDestroy(void *stream);
extern "C" void mgpuStreamSynchronize(void *stream);

namespace {

int rank() { return int(coco_rt_world_rank()); }
int size() { return int(coco_rt_world_size()); }
int64_t world() { return coco_rt_comm(1, -1, 1, 1, 1, 0); }

using coco_test::Matrix;

TEST(GpuMatmul, EveryElementType) {
  coco_test::checkEveryElementType(coco_gpu_matmul);
}

/// in[i, j] = rank + i + j on an [R*2, 3] buffer.
void fillRankInput(Matrix<float> &m) {
  for (int64_t i = 0; i < m.rows; ++i)
    for (int64_t j = 0; j < m.columns; ++j)
      m.at(i, j) = float(rank() + i + j);
}
double sumOverRanks(int64_t i, int64_t j) {
  return double(size()) * double(i + j) + double(size() * (size() - 1) / 2);
}

TEST(GpuCollectives, AllReduceSumAndAverage) {
  Matrix<float> in(4, 3), out(4, 3);
  fillRankInput(in);
  coco_gpu_all_reduce("all_reduce", world(), COCO_DTYPE_F32, COCO_RED_SUM, 2,
                      in.descriptor(), 2, out.descriptor());
  for (int64_t i = 0; i < 4; ++i)
    for (int64_t j = 0; j < 3; ++j)
      EXPECT_EQ(out.at(i, j), sumOverRanks(i, j));
  Matrix<int32_t> ii(2, 2), io(2, 2);
  for (int64_t i = 0; i < 2; ++i)
    for (int64_t j = 0; j < 2; ++j)
      ii.at(i, j) = int32_t(3 * rank() + i);
  coco_gpu_all_reduce("avg", world(), COCO_DTYPE_I32, COCO_RED_AVG, 2,
                      ii.descriptor(), 2, io.descriptor());
  for (int64_t i = 0; i < 2; ++i)
    EXPECT_EQ(io.at(i, 0),
              int32_t((3 * (size() * (size() - 1) / 2) + size() * i) / size()));
}

TEST(GpuCollectives, ReduceScatterAndAllGatherAlongColumns) {
  const int64_t rows = 3, chunk = 2;
  Matrix<float> in(rows, chunk * size()), part(rows, chunk),
      whole(rows, chunk * size());
  fillRankInput(in);
  coco_gpu_reduce_scatter("reduce_scatter", world(), COCO_DTYPE_F32,
                          COCO_RED_SUM, /*dim=*/1, 2, in.descriptor(), 2,
                          part.descriptor());
  for (int64_t i = 0; i < rows; ++i)
    for (int64_t j = 0; j < chunk; ++j)
      EXPECT_EQ(part.at(i, j), sumOverRanks(i, rank() * chunk + j));
  coco_gpu_all_gather("all_gather", world(), COCO_DTYPE_F32, /*dim=*/1, 2,
                      part.descriptor(), 2, whole.descriptor());
  for (int64_t i = 0; i < rows; ++i)
    for (int64_t j = 0; j < chunk * size(); ++j)
      EXPECT_EQ(whole.at(i, j), sumOverRanks(i, j));
}

TEST(GpuCollectives, BroadcastAndReduce) {
  Matrix<float> in(2, 3), out(2, 3);
  fillRankInput(in);
  coco_gpu_broadcast("broadcast", world(), COCO_DTYPE_F32, /*root=*/0, 2,
                     in.descriptor(), 2, out.descriptor());
  EXPECT_EQ(out.at(1, 2), 3.0f); // rank 0's value
  coco_gpu_reduce("reduce", world(), COCO_DTYPE_F32, COCO_RED_SUM, 0, 2,
                  in.descriptor(), 2, out.descriptor());
  // Root: the sum; elsewhere, as on CPU, the rank's own input.
  EXPECT_EQ(out.at(1, 2),
            rank() == 0 ? sumOverRanks(1, 2) : double(rank() + 3));
}

TEST(GpuCollectives, AllToAll) {
  Matrix<float> in(size() * 2, 3), out(2, 3 * size());
  fillRankInput(in);
  coco_gpu_all_to_all("all_to_all", world(), COCO_DTYPE_F32, /*split=*/0,
                      /*concat=*/1, /*skipSelf=*/0, /*windowStart=*/-1, 2,
                      in.descriptor(), 2, out.descriptor());
  // Block p of out (columns 3p..3p+2) is rows [2*rank, 2*rank+2) of p's in.
  for (int p = 0; p < size(); ++p)
    for (int64_t i = 0; i < 2; ++i)
      for (int64_t j = 0; j < 3; ++j)
        EXPECT_EQ(out.at(i, 3 * p + j), float(p + 2 * rank() + i + j));
}

TEST(GpuCollectives, AllToAllSkippingSelf) {
  Matrix<float> in(size() * 2, 3), out(2, 3 * size());
  fillRankInput(in);
  for (int64_t i = 0; i < 2; ++i)
    for (int64_t j = 0; j < 3 * size(); ++j)
      out.at(i, j) = -1;
  coco_gpu_all_to_all("all_to_all skipping self", world(), COCO_DTYPE_F32,
                      /*split=*/0, /*concat=*/1, /*skipSelf=*/1,
                      /*windowStart=*/-1, 2, in.descriptor(), 2,
                      out.descriptor());
  // As above, except that this rank's own block (unpacked from scratch
  // otherwise) keeps the -1s.
  for (int p = 0; p < size(); ++p)
    for (int64_t i = 0; i < 2; ++i)
      for (int64_t j = 0; j < 3; ++j)
        EXPECT_EQ(out.at(i, 3 * p + j),
                  p == rank() ? -1.0f : float(p + 2 * rank() + i + j));
  // Split and concat along dim 0 (what coco-fuse-reduce-scatter calls):
  // received straight into out, no unpack.
  Matrix<float> rows(size() * 2, 3);
  for (int64_t i = 0; i < 2 * size(); ++i)
    for (int64_t j = 0; j < 3; ++j)
      rows.at(i, j) = -1;
  coco_gpu_all_to_all("all_to_all skipping self, dim 0", world(),
                      COCO_DTYPE_F32, /*split=*/0, /*concat=*/0,
                      /*skipSelf=*/1, /*windowStart=*/-1, 2, in.descriptor(), 2,
                      rows.descriptor());
  for (int p = 0; p < size(); ++p)
    for (int64_t i = 0; i < 2; ++i)
      for (int64_t j = 0; j < 3; ++j)
        EXPECT_EQ(rows.at(2 * p + i, j),
                  p == rank() ? -1.0f : float(p + 2 * rank() + i + j));
}

TEST(GpuCollectives, AllToAllWindow) {
  // Uneven blocks (3 rows each, 4 for rank 0) and a window of 2 rows of
  // each block: from row 2, rank 0 gets 2 rows from each rank and the
  // others 1; from row 3 (skipping self), rank 0 gets 1 row and the others
  // none (their sends and receives of no rows are skipped at both ends);
  // from row 4 nobody gets anything (on one GPU: its own window, empty).
  // The rest of each slot keeps its -1s.
  const int64_t n = 3 * size() + 1;
  Matrix<float> in(n, 3);
  fillRankInput(in);
  const int64_t own = rank() == 0 ? 4 : 3,
                offset = rank() == 0 ? 0 : 1 + 3 * rank();
  for (auto [start, skipSelf] :
       {std::pair<int64_t, int32_t>{2, 0}, {3, 1}, {4, 0}}) {
    Matrix<float> out(2 * size(), 3);
    for (int64_t i = 0; i < 2 * size(); ++i)
      for (int64_t j = 0; j < 3; ++j)
        out.at(i, j) = -1;
    coco_gpu_all_to_all("all_to_all window", world(), COCO_DTYPE_F32,
                        /*split=*/0, /*concat=*/0, skipSelf, start, 2,
                        in.descriptor(), 2, out.descriptor());
    for (int p = 0; p < size(); ++p)
      for (int64_t i = 0; i < 2; ++i)
        for (int64_t j = 0; j < 3; ++j)
          EXPECT_EQ(out.at(2 * p + i, j),
                    i < own - start && !(skipSelf && p == rank())
                        ? float(p + offset + start + i + j)
                        : -1.0f)
              << "window from " << start << ", slot " << p << " row " << i;
  }
}

TEST(GpuCollectives, NonBlocking) {
  Matrix<float> in(4, 3), out(4, 3);
  fillRankInput(in);
  int64_t request =
      coco_gpu_iall_reduce("iall_reduce", world(), COCO_DTYPE_F32, COCO_RED_SUM,
                           2, in.descriptor(), 2, out.descriptor());
  coco_gpu_wait("wait", request);
  EXPECT_EQ(out.at(3, 2), sumOverRanks(3, 2));
  Matrix<float> wide(2, 2 * size()), slice(2, 2);
  fillRankInput(wide);
  request = coco_gpu_ireduce_scatter("ireduce_scatter", world(), COCO_DTYPE_F32,
                                     COCO_RED_SUM, 1, 2, wide.descriptor(), 2,
                                     slice.descriptor());
  coco_gpu_wait("wait", request);
  EXPECT_EQ(slice.at(1, 1), sumOverRanks(1, 2 * rank() + 1));
}

// gpu-to-llvm code creates, synchronizes and destroys a stream around every
// launch: it gets the runtime's one compute stream, which the destroy must
// leave usable.
TEST(CudaWrappers, LaunchStreamIsTheComputeStream) {
  void *first = mgpuStreamCreate();
  void *second = mgpuStreamCreate();
  EXPECT_NE(first, nullptr);
  EXPECT_EQ(first, second);
  mgpuStreamDestroy(first);
  mgpuStreamSynchronize(second);
  Matrix<float> in(2, 2), out(2, 2);
  fillRankInput(in);
  coco_gpu_all_reduce("all_reduce", world(), COCO_DTYPE_F32, COCO_RED_SUM, 2,
                      in.descriptor(), 2, out.descriptor());
  EXPECT_EQ(out.at(1, 1), sumOverRanks(1, 1));
}

} // namespace

int main(int argc, char **argv) {
  coco_rt_init(&argc, &argv);
  ::testing::InitGoogleTest(&argc, argv);
  int failed = RUN_ALL_TESTS() != 0;
  coco_rt_finalize();
  return failed;
}

//===- CostModelTest.cpp - the cost model on hand-computed cases ----------===//

#include "coco/CostModel/CostModel.h"
#include "coco/CostModel/ProgramCost.h"
#include "coco/InitAll.h"

#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/Parser/Parser.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstring>

using namespace mlir::coco::cost;

namespace {

constexpr const char *kProfile = R"json({
  "name": "test", "source": "hand-made",
  "copy_bandwidth_GBps": 2.0, "matmul_GFLOPs": 4.0, "chunk_overhead_us": 1000,
  "collectives": {
    "all_reduce": [{"ranks": 2, "latency_us": 10, "ns_per_byte": 0.5}],
    "all_gather": [{"ranks": 2, "latency_us": 4, "ns_per_byte": 0.25}]
  },
  "levels": [
    {"name": "node", "ranks": 8, "latency_us": 1, "bandwidth_GBps": 100},
    {"name": "network", "ranks": 128, "latency_us": 5, "bandwidth_GBps": 10}
  ]
})json";

Model model() {
  llvm::Expected<Profile> profile = Profile::parse(kProfile);
  EXPECT_TRUE(bool(profile)) << llvm::toString(profile.takeError());
  return Model(std::move(*profile));
}

double expectTime(llvm::Expected<double> time) {
  EXPECT_TRUE(bool(time)) << llvm::toString(time.takeError());
  return time ? *time : -1;
}

/// A coco module parsed in a context of its own, and its functions.
struct Program {
  explicit Program(const char *text) : context(registry()) {
    module = mlir::parseSourceString<mlir::ModuleOp>(text, &context);
  }
  static mlir::DialectRegistry registry() {
    mlir::DialectRegistry registry;
    mlir::coco::registerCocoAndUpstreamDialects(registry);
    return registry;
  }
  /// The `index`th function of the module.
  mlir::func::FuncOp function(size_t index = 0) {
    return *std::next(module->getOps<mlir::func::FuncOp>().begin(),
                      std::ptrdiff_t(index));
  }
  mlir::MLIRContext context;
  mlir::OwningOpRef<mlir::ModuleOp> module;
};

/// Lines measured on 2 ranks only (no levels): the reduce_scatter (the
/// exchange and its sum), the exchange alone (all_to_all skip_self, which
/// the fused schedule calls) and the all_gather, all along dim 0.
constexpr const char *kTwoRanks = R"json({
  "name": "test", "source": "hand-made",
  "copy_bandwidth_GBps": 2.0, "matmul_GFLOPs": 4.0,
  "collectives": {
    "reduce_scatter": [{"ranks": 2, "latency_us": 10, "ns_per_byte": 0.5}],
    "exchange": [{"ranks": 2, "latency_us": 6, "ns_per_byte": 0.25}],
    "all_gather": [{"ranks": 2, "latency_us": 4, "ns_per_byte": 0.25}]
  }
})json";

/// 2 GB/s at every working set, a divide 10 ns and a square root 20 ns per
/// element: a divider far slower than the memory.
constexpr const char *kSlowDivider = R"json({
  "name": "test", "source": "hand-made",
  "copy_bandwidth_GBps": 2.0, "matmul_GFLOPs": 4.0,
  "divide_ns_per_element": 10, "sqrt_ns_per_element": 20,
  "collectives": {"all_reduce": [{"ranks": 2, "latency_us": 10, "ns_per_byte": 0.5}]}
})json";

/// SGD on a data-parallel grid, 1024 f32: an all_reduce of the gradient
/// and one fused update of w.
constexpr const char *kSgd = R"mlir(
    coco.grid @dp(shape = [?])
    func.func @sgd(%w: !coco.dtensor<1024xf32, replicated on @dp>,
                   %g: !coco.dtensor<1024xf32, local on @dp>, %lr: f32) {
      %s = coco.all_reduce sum %g : !coco.dtensor<1024xf32, local on @dp>
      %d = coco.mul %s, %lr : !coco.dtensor<1024xf32, replicated on @dp>, f32
      %wn = coco.sub %w, %d : !coco.dtensor<1024xf32, replicated on @dp>, !coco.dtensor<1024xf32, replicated on @dp>
      coco.update %w, %wn : !coco.dtensor<1024xf32, replicated on @dp>
      return
    })mlir";

/// The model of a profile given as JSON text.
Model modelOf(const char *json) {
  llvm::Expected<Profile> profile = Profile::parse(json);
  EXPECT_TRUE(bool(profile)) << llvm::toString(profile.takeError());
  return Model(std::move(*profile));
}

TEST(CostModel, FitsALine) {
  // y = 3 + 2x exactly.
  Line line = Line::fit({{0, 3}, {1, 5}, {10, 23}});
  EXPECT_DOUBLE_EQ(line.latency, 3);
  EXPECT_DOUBLE_EQ(line.secondsPerByte, 2);
  // A sweep over 5 orders of magnitude, y = 10 + 0.001 x with 1% noise on
  // the large sizes: the relative fit keeps the latency (plain least
  // squares would put it below 0).
  Line sweep = Line::fit(
      {{100, 10.1}, {1e4, 20.0}, {1e6, 1010 * 1.01}, {1e7, 10010 * 0.99}});
  EXPECT_NEAR(sweep.latency, 10, 1.0);
  EXPECT_NEAR(sweep.secondsPerByte, 0.001, 0.0001);
  // One size only: a latency, the mean weighted like the fit (1/y^2):
  // (2/4 + 4/16) / (1/4 + 1/16) = 2.4.
  EXPECT_NEAR(Line::fit({{8, 2}, {8, 4}}).latency, 2.4, 1e-12);
  EXPECT_EQ(Line::fit({{8, 2}, {8, 4}}).secondsPerByte, 0);
}

TEST(CostModel, InterpolatesMeasuredPoints) {
  // The algorithm changes at 16 MiB: 1 ms at 1 MiB, 5 ms at 8 MiB, 6 ms at
  // 16 MiB (faster per byte). Between points linear; beyond, along the
  // steeper of the last segment and the fitted line.
  Line line = Line::fit({{1 << 20, 1e-3}, {8 << 20, 5e-3}, {16 << 20, 6e-3}});
  EXPECT_NEAR(line.at(8 << 20), 5e-3, 1e-15);
  EXPECT_NEAR(line.at(12 << 20), 5.5e-3, 1e-15);
  EXPECT_NEAR(line.at(32 << 20),
              6e-3 + double(16 << 20) *
                         std::max(1e-3 / double(8 << 20), line.secondsPerByte),
              1e-15);
  EXPECT_NEAR(line.at(4.5 * (1 << 20)), 3e-3, 1e-15);
  // A last segment flatter than the fitted line: beyond the sweep the
  // steeper slope holds (large messages never get cheaper per byte).
  EXPECT_GE(line.at(64 << 20) - line.at(16 << 20),
            line.secondsPerByte * (48 << 20) * 0.999);
  // Repeated sizes only: no slope to fit, a latency.
  Line same = Line::fit({{4096, 1e-3}, {4096, 1e-3}, {4096, 1e-3}});
  EXPECT_EQ(same.secondsPerByte, 0);
  EXPECT_NEAR(same.latency, 1e-3, 1e-15);
  // The points survive the JSON round trip.
  Profile profile;
  profile.copyBandwidth = profile.matmulFlops = 1;
  profile.measured[Collective::AllReduce][2] = line;
  std::string text;
  llvm::raw_string_ostream(text) << profile.toJSON();
  llvm::Expected<Profile> again = Profile::parse(text);
  ASSERT_TRUE(bool(again)) << llvm::toString(again.takeError());
  EXPECT_NEAR(expectTime(Model(std::move(*again))
                             .collective(Collective::AllReduce, 12 << 20, 2)),
              5.5e-3, 1e-12);
}

TEST(CostModel, MeasuredLinesWin) {
  Model m = model();
  // 10 us + 1e6 B * 0.5 ns/B = 510 us.
  EXPECT_NEAR(expectTime(m.collective(Collective::AllReduce, 1e6, 2)), 510e-6,
              1e-12);
  EXPECT_NEAR(expectTime(m.collective(Collective::AllGather, 1e6, 2)), 254e-6,
              1e-12);
  EXPECT_EQ(expectTime(m.collective(Collective::AllReduce, 1e6, 1)), 0);
}

TEST(CostModel, RingOnOneLevel) {
  Model m = model();
  // 4 ranks inside a node (alpha 1 us, 100 GB/s), 1 MB:
  // all_reduce 2*3*1us + 2*3/4 * 1e6 / 1e11 = 6 us + 15 us.
  EXPECT_NEAR(expectTime(m.collective(Collective::AllReduce, 1e6, 4)), 21e-6,
              1e-12);
  // reduce_scatter: 3 us + 3/4 * 10 us.
  EXPECT_NEAR(expectTime(m.collective(Collective::ReduceScatter, 1e6, 4)),
              10.5e-6, 1e-12);
  // broadcast, pipelined: 3 us + 10 us; send: 1 us + 10 us.
  EXPECT_NEAR(expectTime(m.collective(Collective::Broadcast, 1e6, 4)), 13e-6,
              1e-12);
  EXPECT_NEAR(expectTime(m.collective(Collective::SendRecv, 1e6, 4)), 11e-6,
              1e-12);
}

TEST(CostModel, AcrossLevelsTheFastestOfNCCLsAlgorithms) {
  Model m = model();
  // 32 ranks = 4 nodes of 8 (node: 1 us, 100 GB/s; network: 5 us, 10 GB/s
  // per rank, so 8 x 10 = 80 GB/s out of a node), 8 MB.
  // Hierarchical: reduce_scatter in the node 7 us + 7/8 * 8e6 / 1e11 =
  // 7 + 70 us; all_reduce of 1 MB over 4 nodes 2*3*5 us + 2*3/4 * 1e6 /
  // 1e10 = 30 + 150 us; all_gather in the node 77 us.
  double hierarchical = (7 + 70 + 30 + 150 + 7 + 70) * 1e-6;
  // Ring over all 32: 28 steps inside nodes (1 us), 3 across (5 us), each
  // twice; the slowest link is the node's 80 GB/s out.
  double ring = 2 * (28 * 1e-6 + 3 * 5e-6) + 2 * 31.0 / 32 * 8e6 / 80e9;
  // Tree: a chain of 7 in the node, log2(4) = 2 network steps, up and
  // down; the message each way at 0.9 x 80 GB/s.
  double tree = 2 * (7 * 1e-6 + 2 * 5e-6) + 2 * 8e6 / (0.9 * 80e9);
  EXPECT_LT(tree, ring);
  EXPECT_LT(ring, hierarchical);
  EXPECT_NEAR(expectTime(m.collective(Collective::AllReduce, 8e6, 32)), tree,
              1e-12);
  // reduce_scatter has no tree: the ring (once round), not the
  // hierarchical 77 + 15 + 75 us.
  EXPECT_NEAR(expectTime(m.collective(Collective::ReduceScatter, 8e6, 32)),
              (28 * 1e-6 + 3 * 5e-6) + 31.0 / 32 * 8e6 / 80e9, 1e-12);
  // 1 GB on 32 ranks: bandwidth decides, and the ring's (r-1)/r beats the
  // tree's 0.9.
  EXPECT_NEAR(expectTime(m.collective(Collective::AllReduce, 1e9, 32)),
              2 * (28 * 1e-6 + 3 * 5e-6) + 2 * 31.0 / 32 * 1e9 / 80e9, 1e-12);
}

TEST(CostModel, GroupsAcrossNodesUseTheOuterLinks) {
  Model m = model();
  // 4 ranks, each on another node (a data-parallel axis outside the
  // node): the ring on the network (5 us, 10 GB/s), 1 MB:
  // 2*3*5 us + 2*3/4 * 1e6 / 1e10 = 30 + 150 us.
  EXPECT_NEAR(expectTime(m.collective(Collective::AllReduce, 1e6, 4, 1)),
              180e-6, 1e-12);
  // The same 4 ranks inside one node: 21 us (RingOnOneLevel).
  EXPECT_NEAR(expectTime(m.collective(Collective::AllReduce, 1e6, 4, 4)), 21e-6,
              1e-12);
  // 16 ranks, 2 per node: two network links out of a node (20 GB/s). The
  // hierarchical form (reduce_scatter over the pair, all_reduce of half over
  // 8 nodes, all_gather over the pair) loses to the tree: a chain of 2,
  // log2(8) = 3 network steps, up and down, 1 MB each way at 0.9 x 20 GB/s.
  double pair = 1e-6 + 0.5 * 1e6 / 1e11;
  double nodes = 2 * 7 * 5e-6 + 2 * 7.0 / 8 * 0.5e6 / 1e10;
  double tree = 2 * (1e-6 + 3 * 5e-6) + 2 * 1e6 / (0.9 * 20e9);
  EXPECT_LT(tree, 2 * pair + nodes);
  EXPECT_NEAR(expectTime(m.collective(Collective::AllReduce, 1e6, 16, 2)), tree,
              1e-12);
}

TEST(CostModel, LoopsMatmulsAndOverlap) {
  Model m = model();
  EXPECT_DOUBLE_EQ(m.loop(4e9), 2.0);   // 4 GB at 2 GB/s
  EXPECT_DOUBLE_EQ(m.matmul(8e9), 2.0); // 8 GFLOP at 4 GFLOP/s
  // No overlap in one chunk.
  EXPECT_DOUBLE_EQ(m.overlapped(8e-3, 4e-3, 1), 12e-3);
  // Two chunks: 4 + max(4, 2) + 2 ms + 2 x 1 ms of chunk cost.
  EXPECT_NEAR(m.overlapped(8e-3, 4e-3, 2), 12e-3, 1e-15);
  // Eight chunks: 1 + 7 x 1 + 0.5 + 8 ms: more chunks lose.
  EXPECT_NEAR(m.overlapped(8e-3, 4e-3, 8), 16.5e-3, 1e-15);
  EXPECT_GT(m.overlapped(8e-3, 4e-3, 8), m.overlapped(8e-3, 4e-3, 2));
  // Half the overlap really happens: 12 - 0.5 x (12 - 10) + 2 = 13 ms; none:
  // the chunks only cost.
  Profile half = m.getProfile();
  half.overlapEfficiency = 0.5;
  EXPECT_NEAR(Model(half).overlapped(8e-3, 4e-3, 2), 13e-3, 1e-15);
  half.overlapEfficiency = 0;
  EXPECT_NEAR(Model(half).overlapped(8e-3, 4e-3, 2), 14e-3, 1e-15);
}

TEST(CostModel, RejectsBadProfiles) {
  auto error = [](const char *json) {
    llvm::Expected<Profile> profile = Profile::parse(json);
    EXPECT_FALSE(bool(profile));
    return profile ? std::string() : llvm::toString(profile.takeError());
  };
  EXPECT_NE(error("{").find("not JSON"), std::string::npos);
  EXPECT_NE(error(R"({"matmul_GFLOPs": 1, "levels": []})")
                .find("has no 'copy_bandwidth_GBps'"),
            std::string::npos);
  EXPECT_NE(error(R"({"copy_bandwidth_GBps": -1, "matmul_GFLOPs": 1})")
                .find("must be a number >= 0"),
            std::string::npos);
  // Rank counts are whole numbers an int holds (1e30 once became a
  // negative int64 and a time of -inf).
  EXPECT_NE(error(R"({"copy_bandwidth_GBps": 1, "matmul_GFLOPs": 1,
                      "levels": [{"name": "node", "ranks": 1e30,
                                  "latency_us": 1, "bandwidth_GBps": 1}]})")
                .find("needs a whole number of ranks from 1 to 2147483647"),
            std::string::npos);
  EXPECT_NE(error(R"({"copy_bandwidth_GBps": 1, "matmul_GFLOPs": 1,
                      "levels": [{"name": "node", "ranks": 2.5,
                                  "latency_us": 1, "bandwidth_GBps": 1}]})")
                .find("needs a whole number of ranks"),
            std::string::npos);
  EXPECT_NE(error(R"({"copy_bandwidth_GBps": 1, "matmul_GFLOPs": 1,
                      "divide_ns_per_element": -1})")
                .find("'divide_ns_per_element' must be a number >= 0"),
            std::string::npos);
  EXPECT_NE(error(R"({"copy_bandwidth_GBps": 1, "matmul_GFLOPs": 1,
                      "sqrt_f64_ns_per_element": -2})")
                .find("'sqrt_f64_ns_per_element' must be a number >= 0"),
            std::string::npos);
  EXPECT_NE(error(R"({"copy_bandwidth_GBps": 1, "matmul_GFLOPs": 1,
                      "collectives": {"all_sum": []}})")
                .find("unknown collective 'all_sum'"),
            std::string::npos);
  EXPECT_NE(error(R"({"copy_bandwidth_GBps": 1, "matmul_GFLOPs": 1})")
                .find("cannot be predicted"),
            std::string::npos);
  // A subnormal figure is a number, but divides into infinity.
  EXPECT_NE(error(R"({"copy_bandwidth_GBps": 1e-320, "matmul_GFLOPs": 1})")
                .find("'copy_bandwidth_GBps' is too close to 0 to be a "
                      "measurement"),
            std::string::npos);
  // Nesting deep enough to overflow the parser's recursion is refused
  // before parsing (50,000 levels once crashed coco-opt).
  std::string deep = R"({"copy_bandwidth_GBps": 1, "matmul_GFLOPs": 1, "x": )";
  deep += std::string(50000, '[') + std::string(50000, ']') + "}";
  EXPECT_NE(error(deep.c_str()).find("nested more than 64 deep"),
            std::string::npos);
  // Brackets inside strings (an escaped quote too) are not nesting: this
  // one fails for want of collectives, not for its depth.
  std::string quoted = R"({"copy_bandwidth_GBps": 1, "matmul_GFLOPs": 1, )"
                       R"("name": ")" +
                       std::string(100, '[') + R"(\"{"})";
  EXPECT_EQ(error(quoted.c_str()).find("nested"), std::string::npos);
  // Without levels, an unmeasured rank count is an error, not a guess.
  Profile measuredOnly = std::move(
      *Profile::parse(R"({"copy_bandwidth_GBps": 1, "matmul_GFLOPs": 1,
        "collectives": {"all_reduce": [{"ranks": 2, "latency_us": 1, "ns_per_byte": 1}]}})"));
  llvm::Expected<double> unknown =
      Model(measuredOnly).collective(Collective::AllReduce, 1, 4);
  ASSERT_FALSE(bool(unknown));
  EXPECT_NE(llvm::toString(unknown.takeError())
                .find("no measured all_reduce on 4 ranks"),
            std::string::npos);
}

TEST(CostModel, JsonRoundTrip) {
  Model m = model();
  std::string text;
  llvm::raw_string_ostream(text) << m.getProfile().toJSON();
  llvm::Expected<Profile> again = Profile::parse(text);
  ASSERT_TRUE(bool(again)) << llvm::toString(again.takeError());
  Model copy(std::move(*again));
  for (int64_t ranks : {2, 4, 32})
    EXPECT_NEAR(expectTime(copy.collective(Collective::AllReduce, 1e6, ranks)),
                expectTime(m.collective(Collective::AllReduce, 1e6, ranks)),
                1e-15);
  EXPECT_DOUBLE_EQ(copy.loop(1e9), m.loop(1e9));
  // The divider's figures too.
  Model slow = modelOf(kSlowDivider);
  std::string slowText;
  llvm::raw_string_ostream(slowText) << slow.getProfile().toJSON();
  llvm::Expected<Profile> slowAgain = Profile::parse(slowText);
  ASSERT_TRUE(bool(slowAgain)) << llvm::toString(slowAgain.takeError());
  EXPECT_NEAR(Model(std::move(*slowAgain)).divider(1000, 32, 3, 1),
              1000 * (3 * 10e-9 + 20e-9), 1e-15);
  EXPECT_NEAR(slow.divider(1000, 64, 1, 0), 2 * 1000 * 10e-9, 1e-15);
}

TEST(CostModel, PricesAProgram) {
  // SGD on 2 ranks, 1024 f32 (4 KiB): one all_reduce; the fused loop reads
  // the sum and w and writes w (the product stays in the loop): 12 KiB.
  Program program(kSgd);
  ASSERT_TRUE(program.module);
  Model m = model();
  auto sgd = program.function();
  mlir::FailureOr<Estimate> estimate = mlir::coco::cost::estimate(sgd, m, 2);
  ASSERT_TRUE(mlir::succeeded(estimate));
  EXPECT_NEAR(estimate->collectives, 10e-6 + 4096 * 0.5e-9, 1e-15);
  EXPECT_NEAR(estimate->loops, 3 * 4096 / 2e9, 1e-15);
  EXPECT_EQ(estimate->matmuls, 0);
  // On 4 ranks nothing is measured: the ring on the node level.
  mlir::FailureOr<Estimate> four = mlir::coco::cost::estimate(sgd, m, 4);
  ASSERT_TRUE(mlir::succeeded(four));
  EXPECT_NEAR(four->collectives, 6e-6 + 1.5 * 4096 / 1e11, 1e-15);
}

TEST(CostModel, RefusesToPriceInfiniteTimes) {
  // A profile made in code skips the parser's checks: a copy bandwidth of
  // 1e-320 B/s makes every loop infinite. The estimate is an error (which
  // names the function), not a time the autoscheduler would rank.
  Program program(kSgd);
  ASSERT_TRUE(program.module);
  llvm::Expected<Profile> profile = Profile::parse(kProfile);
  ASSERT_TRUE(bool(profile));
  profile->copyBandwidth = 1e-320;
  std::string message;
  mlir::ScopedDiagnosticHandler capture(program.module->getContext(),
                                        [&](mlir::Diagnostic &diagnostic) {
                                          message = diagnostic.str();
                                          return mlir::success();
                                        });
  mlir::FailureOr<Estimate> estimate =
      mlir::coco::cost::estimate(program.function(), Model(*profile), 2);
  EXPECT_TRUE(mlir::failed(estimate));
  EXPECT_NE(message.find("the machine profile's figures give @"),
            std::string::npos)
      << message;
  // (NaN here: the warm-cache share of an infinite time is inf - inf.)
  EXPECT_TRUE(message.find("a time of inf s") != std::string::npos ||
              message.find("a time of nan s") != std::string::npos)
      << message;
}

TEST(CostModel, PricesAFusedReduceScatterAsItsExchange) {
  Program program(R"mlir(
    coco.grid @dp(shape = [2])
    func.func @rs(%g: !coco.dtensor<1024xf32, local on @dp>) {
      %s = coco.reduce_scatter sum %g dim 0 : !coco.dtensor<1024xf32, local on @dp>
      return
    }
    func.func @uneven(%g: !coco.dtensor<1023xf32, local on @dp>) {
      %s = coco.reduce_scatter sum %g dim 0 : !coco.dtensor<1023xf32, local on @dp>
      return
    }
    func.func @marked(%g: !coco.dtensor<1024xf32, local on @dp>) {
      %s = coco.reduce_scatter sum %g dim 0 {coco.fuse_reduce_scatter} : !coco.dtensor<1024xf32, local on @dp>
      return
    })mlir");
  ASSERT_TRUE(program.module);
  Model m = modelOf(kTwoRanks);
  auto rs = program.function();
  mlir::FailureOr<Estimate> unfused = mlir::coco::cost::estimate(rs, m, 2);
  ASSERT_TRUE(mlir::succeeded(unfused));
  EXPECT_NEAR(unfused->collectives, 10e-6 + 4096 * 0.5e-9, 1e-15);
  Lowering fused;
  fused.fuseReduceScatter = true;
  mlir::FailureOr<Estimate> exchange =
      mlir::coco::cost::estimate(rs, m, 2, fused);
  ASSERT_TRUE(mlir::succeeded(exchange));
  EXPECT_NEAR(exchange->collectives, 6e-6 + 4096 * 0.25e-9, 1e-15);
  // Unequal blocks fold too (into slots of the larger block): the exchange
  // of the 4092 bytes.
  auto uneven = program.function(1);
  mlir::FailureOr<Estimate> unequal =
      mlir::coco::cost::estimate(uneven, m, 2, fused);
  ASSERT_TRUE(mlir::succeeded(unequal));
  EXPECT_NEAR(unequal->collectives, 6e-6 + 4092 * 0.25e-9, 1e-15);
  // Chunked where the pipeline cuts exchanges: equal blocks in chunks,
  // unequal ones in windows of the larger block's 512 rows. With 512 bytes
  // per peer, 128 rows a call: 4 calls either way, the same bytes and 3
  // further latencies.
  Lowering chunked = fused;
  chunked.exchangeChunkBytes = 512;
  mlir::FailureOr<Estimate> unequalChunked =
      mlir::coco::cost::estimate(uneven, m, 2, chunked);
  mlir::FailureOr<Estimate> equalChunked =
      mlir::coco::cost::estimate(rs, m, 2, chunked);
  ASSERT_TRUE(mlir::succeeded(unequalChunked) && mlir::succeeded(equalChunked));
  EXPECT_NEAR(unequalChunked->collectives, 6e-6 + 4092 * 0.25e-9 + 3 * 6e-6,
              1e-15);
  EXPECT_EQ(unequalChunked->chunkedExchanges, 1);
  EXPECT_EQ(equalChunked->chunkedExchanges, 1);
  // Marked by a schedule (coco.fuse_reduce_scatter): the pipeline folds it
  // whatever its option, so it is the exchange without the option too.
  mlir::FailureOr<Estimate> marked =
      mlir::coco::cost::estimate(program.function(2), m, 2);
  ASSERT_TRUE(mlir::succeeded(marked));
  EXPECT_NEAR(marked->collectives, 6e-6 + 4096 * 0.25e-9, 1e-15);
  // Unmeasured, it is priced as the ring's all_to_all on the levels:
  // 4 ranks in a node (alpha 1 us, 100 GB/s): 3 us + 3/4 * 10 us.
  EXPECT_NEAR(expectTime(model().collective(Collective::Exchange, 1e6, 4)),
              10.5e-6, 1e-12);
  EXPECT_EQ(nameOf(Collective::Exchange), "exchange");
  EXPECT_EQ(collectiveNamed("exchange"), Collective::Exchange);
}

/// m's slice plus the reduce_scatter of g (1024 f32 on 2 ranks: blocks of
/// 512 rows, 4 bytes each), the reduce_scatter's attributes `marks`.
std::string sliceUpdate(const std::string &marks = "") {
  return R"mlir(
    coco.grid @dp(shape = [2])
    !S = !coco.dtensor<1024xf32, sliced<0> on @dp>
    func.func @update(%g: !coco.dtensor<1024xf32, local on @dp>, %m: !S) {
      %s = coco.reduce_scatter sum %g dim 0 )mlir" +
         marks + R"mlir( : !coco.dtensor<1024xf32, local on @dp>
      %n = coco.add %m, %s : !S, !S
      coco.update %m, %n : !S
      return
    })mlir";
}

TEST(CostModel, PricesAChunkedExchange) {
  Program program(sliceUpdate().c_str());
  ASSERT_TRUE(program.module);
  Model m = modelOf(kTwoRanks);
  Lowering whole;
  whole.fuseReduceScatter = true;
  Lowering chunked = whole;
  // 512 bytes per peer: 128 rows a chunk, 4 calls of 1024 bytes (each
  // rank's 128 rows of the 2 blocks).
  chunked.exchangeChunkBytes = 512;
  mlir::FailureOr<Estimate> before =
      mlir::coco::cost::estimate(program.function(), m, 2, whole);
  mlir::FailureOr<Estimate> after =
      mlir::coco::cost::estimate(program.function(), m, 2, chunked);
  ASSERT_TRUE(mlir::succeeded(before) && mlir::succeeded(after));
  // The whole exchange's time and a call's latency for each further call
  // (on a line, the same as 4 calls of 1024 bytes).
  EXPECT_NEAR(before->collectives, 6e-6 + 4096 * 0.25e-9, 1e-15);
  EXPECT_NEAR(after->collectives, 6e-6 + 4096 * 0.25e-9 + 3 * 6e-6, 1e-15);
  EXPECT_EQ(before->chunkedExchanges, 0);
  EXPECT_EQ(after->chunkedExchanges, 1);
  // The loop reads the received block from the cache: 2048 bytes less
  // from memory (at the profile's 2 GB/s).
  EXPECT_NEAR(before->loops - after->loops, 2048 / 2e9, 1e-15);
  // 600 bytes per peer: 150 rows, chunks of 150, 150, 150 and 62.
  chunked.exchangeChunkBytes = 600;
  mlir::FailureOr<Estimate> uneven =
      mlir::coco::cost::estimate(program.function(), m, 2, chunked);
  ASSERT_TRUE(mlir::succeeded(uneven));
  EXPECT_NEAR(uneven->collectives, 6e-6 + 4096 * 0.25e-9 + 3 * 6e-6, 1e-15);
  // Measured points: the calibration's time of the whole size (cold
  // buffers, 100 us at 4096 bytes) plus the latency (5 us at 0 bytes) per
  // further call, not 4 calls at the 1024-byte point (6 us each): a chunk
  // lands in the buffer the last one used.
  llvm::Expected<Profile> parsed = Profile::parse(R"json({
    "copy_bandwidth_GBps": 2.0, "matmul_GFLOPs": 4.0,
    "collectives": {"exchange": [{"ranks": 2, "latency_us": 5, "ns_per_byte": 0,
                                  "points": [[0, 5], [1024, 6], [4096, 100]]}]}
  })json");
  ASSERT_TRUE(bool(parsed)) << llvm::toString(parsed.takeError());
  Model measured(std::move(*parsed));
  chunked.exchangeChunkBytes = 512;
  mlir::FailureOr<Estimate> points =
      mlir::coco::cost::estimate(program.function(), measured, 2, chunked);
  ASSERT_TRUE(mlir::succeeded(points));
  EXPECT_NEAR(points->collectives, 100e-6 + 3 * 5e-6, 1e-12);
  // A chunk that holds the block: not chunked.
  chunked.exchangeChunkBytes = 2048;
  mlir::FailureOr<Estimate> holds =
      mlir::coco::cost::estimate(program.function(), m, 2, chunked);
  ASSERT_TRUE(mlir::succeeded(holds));
  EXPECT_DOUBLE_EQ(holds->collectives, before->collectives);
  EXPECT_EQ(holds->chunkedExchanges, 0);
  EXPECT_DOUBLE_EQ(holds->loops, before->loops);
}

TEST(CostModel, PricesAnExchangeMarkedWholeAsWhole) {
  // coco-autoschedule's +whole-exchange: the reduce_scatter marked
  // coco.exchange_whole is priced whole however the pipeline chunks.
  Program marked(sliceUpdate("{coco.exchange_whole}").c_str());
  Program plain(sliceUpdate().c_str());
  ASSERT_TRUE(marked.module && plain.module);
  Model m = modelOf(kTwoRanks);
  Lowering whole;
  whole.fuseReduceScatter = true;
  Lowering chunked = whole;
  chunked.exchangeChunkBytes = 512;
  mlir::FailureOr<Estimate> kept =
      mlir::coco::cost::estimate(marked.function(), m, 2, chunked);
  mlir::FailureOr<Estimate> cut =
      mlir::coco::cost::estimate(plain.function(), m, 2, chunked);
  mlir::FailureOr<Estimate> asWhole =
      mlir::coco::cost::estimate(plain.function(), m, 2, whole);
  ASSERT_TRUE(mlir::succeeded(kept) && mlir::succeeded(cut) &&
              mlir::succeeded(asWhole));
  EXPECT_DOUBLE_EQ(kept->collectives, asWhole->collectives);
  EXPECT_EQ(kept->chunkedExchanges, 0);
  EXPECT_EQ(cut->chunkedExchanges, 1);
  EXPECT_DOUBLE_EQ(kept->loops, asWhole->loops);
  // ... where the unmarked one pays 3 more calls' latency.
  EXPECT_NEAR(cut->collectives - kept->collectives, 3 * 6e-6, 1e-15);
}

TEST(CostModel, PricesOnlyALoopsFirstExchangeChunked) {
  // m + rs(g) + rs(h): one loop sums both exchanges' blocks, and
  // coco-chunk-exchange chunks the first only (the second stays whole, its
  // blocks read from memory).
  Program program(R"mlir(
    coco.grid @dp(shape = [2])
    !L = !coco.dtensor<1024xf32, local on @dp>
    !S = !coco.dtensor<1024xf32, sliced<0> on @dp>
    func.func @update(%g: !L, %h: !L, %m: !S) {
      %s = coco.reduce_scatter sum %g dim 0 : !L
      %t = coco.reduce_scatter sum %h dim 0 : !L
      %st = coco.add %s, %t : !S, !S
      %n = coco.add %m, %st : !S, !S
      coco.update %m, %n : !S
      return
    })mlir");
  ASSERT_TRUE(program.module);
  Model m = modelOf(kTwoRanks);
  Lowering whole;
  whole.fuseReduceScatter = true;
  Lowering chunked = whole;
  chunked.exchangeChunkBytes = 512;
  for (bool fused : {true, false}) {
    whole.fuseElementwise = chunked.fuseElementwise = fused;
    mlir::FailureOr<Estimate> before =
        mlir::coco::cost::estimate(program.function(), m, 2, whole);
    mlir::FailureOr<Estimate> after =
        mlir::coco::cost::estimate(program.function(), m, 2, chunked);
    ASSERT_TRUE(mlir::succeeded(before) && mlir::succeeded(after));
    // Fused: 3 more calls for the first exchange only, and only its
    // received block (2048 bytes) comes from the cache. Unfused, each
    // fold's sum is a loop of its own: both exchanges are chunked.
    int64_t chunked = fused ? 1 : 2;
    EXPECT_NEAR(after->collectives - before->collectives, chunked * 3 * 6e-6,
                1e-15)
        << (fused ? "fused" : "unfused");
    EXPECT_EQ(after->chunkedExchanges, chunked)
        << (fused ? "fused" : "unfused");
    if (fused) {
      EXPECT_NEAR(before->loops - after->loops, 2048 / 2e9, 1e-15);
    }
  }
}

/// w - m / sqrt(v) on 1024 elements of `type` per rank (2 ranks,
/// replicated): one fused loop with a square root and a divide per element.
std::string rootedUpdate(const std::string &type = "f32") {
  std::string t = "!coco.dtensor<1024x" + type + ", replicated on @dp>";
  return R"mlir(
    coco.grid @dp(shape = [2])
    !T = )mlir" +
         t + R"mlir(
    func.func @update(%w: !T, %m: !T, %v: !T) {
      %r = coco.sqrt %v : !T
      %q = coco.div %m, %r : !T, !T
      %n = coco.sub %w, %q : !T, !T
      coco.update %w, %n : !T
      return
    })mlir";
}

TEST(CostModel, PricesTheDividesOfALoop) {
  Program program(rootedUpdate().c_str());
  ASSERT_TRUE(program.module);
  // Without divider figures (the GPU profiles): the traffic alone. The
  // fused loop reads w, m, v and writes w in place: 4 * 4 KiB.
  mlir::FailureOr<Estimate> traffic =
      mlir::coco::cost::estimate(program.function(), model(), 2);
  ASSERT_TRUE(mlir::succeeded(traffic));
  EXPECT_NEAR(traffic->loops, 4 * 4096 / 2e9, 1e-15);
  // A divider slower than that traffic (8.2 us): the loop takes the
  // divider's time, 1024 * (10 + 20) ns.
  Model slow = modelOf(kSlowDivider);
  mlir::FailureOr<Estimate> bound =
      mlir::coco::cost::estimate(program.function(), slow, 2);
  ASSERT_TRUE(mlir::succeeded(bound));
  EXPECT_NEAR(bound->loops, 1024 * 30e-9, 1e-15);
  // Of it, the wait beyond the traffic (what coco-predict reports).
  EXPECT_NEAR(bound->dividerWait, 1024 * 30e-9 - 4 * 4096 / 2e9, 1e-15);
  EXPECT_EQ(traffic->dividerWait, 0);
  // f64: half as many elements per vector, twice the time (and twice the
  // bytes, 16.4 us, still less).
  Program wide(rootedUpdate("f64").c_str());
  ASSERT_TRUE(wide.module);
  mlir::FailureOr<Estimate> doubled =
      mlir::coco::cost::estimate(wide.function(), slow, 2);
  ASSERT_TRUE(mlir::succeeded(doubled));
  EXPECT_NEAR(doubled->loops, 2 * 1024 * 30e-9, 1e-15);
  // Where the profile measured f64 (coco-calibrate does), its figures:
  // 1024 * (15 + 50) ns, not twice f32's 30.
  Model measured = modelOf(R"json({
    "copy_bandwidth_GBps": 2.0, "matmul_GFLOPs": 4.0,
    "divide_ns_per_element": 10, "sqrt_ns_per_element": 20,
    "divide_f64_ns_per_element": 15, "sqrt_f64_ns_per_element": 50,
    "collectives": {"all_reduce": [{"ranks": 2, "latency_us": 10, "ns_per_byte": 0.5}]}
  })json");
  mlir::FailureOr<Estimate> wideMeasured =
      mlir::coco::cost::estimate(wide.function(), measured, 2);
  ASSERT_TRUE(mlir::succeeded(wideMeasured));
  EXPECT_NEAR(wideMeasured->loops, 1024 * 65e-9, 1e-15);
  // f32 still by the f32 figures.
  mlir::FailureOr<Estimate> narrow =
      mlir::coco::cost::estimate(program.function(), measured, 2);
  ASSERT_TRUE(mlir::succeeded(narrow));
  EXPECT_NEAR(narrow->loops, 1024 * 30e-9, 1e-15);
  // And both survive the JSON round trip.
  std::string measuredText;
  llvm::raw_string_ostream(measuredText) << measured.getProfile().toJSON();
  llvm::Expected<Profile> again = Profile::parse(measuredText);
  ASSERT_TRUE(bool(again)) << llvm::toString(again.takeError());
  EXPECT_DOUBLE_EQ(again->divideSecondsF64, 15e-9);
  EXPECT_DOUBLE_EQ(again->sqrtSecondsF64, 50e-9);
  // Unfused, each op is a loop of its own, priced as the slower of its
  // traffic and its divider: the root reads v and writes r (8 KiB, 4.1 us;
  // 20.5 us of roots), the divide reads m and r and writes q (12 KiB,
  // 6.1 us; 10.2 us of divides), the sub reads w and q and writes w
  // (12 KiB, 6.1 us; none).
  Lowering unfused;
  unfused.fuseElementwise = false;
  mlir::FailureOr<Estimate> apart =
      mlir::coco::cost::estimate(program.function(), slow, 2, unfused);
  ASSERT_TRUE(mlir::succeeded(apart));
  EXPECT_NEAR(apart->loops, 1024 * 20e-9 + 1024 * 10e-9 + 3 * 4096 / 2e9,
              1e-15);
  // Two loops (a norm between them): each one's divider against its own
  // traffic. Loop 1 (u = m / sqrt(v), its norm): reads m, v, writes u and
  // the norm, 12 KiB + 4 B, against 30.7 us of divider. Loop 2
  // (w - u * ||u||): reads u, w, writes w, 12 KiB, no divider, which does
  // not hide loop 1's: loop 1's divider plus loop 2's traffic.
  Program twoLoops(R"mlir(
    coco.grid @dp(shape = [2])
    !T = !coco.dtensor<1024xf32, replicated on @dp>
    func.func @lamb(%w: !T, %m: !T, %v: !T) {
      %r = coco.sqrt %v : !T
      %u = coco.div %m, %r : !T, !T
      %norm = coco.norm %u : !T
      %s = coco.extract %norm : !coco.dtensor<f32, replicated on @dp> -> f32
      %step = coco.mul %u, %s : !T, f32
      %n = coco.sub %w, %step : !T, !T
      coco.update %w, %n : !T
      return
    })mlir");
  ASSERT_TRUE(twoLoops.module);
  mlir::FailureOr<Estimate> split =
      mlir::coco::cost::estimate(twoLoops.function(), slow, 2);
  ASSERT_TRUE(mlir::succeeded(split));
  EXPECT_NEAR(split->loops, 1024 * 30e-9 + 3 * 4096 / 2e9, 1e-15);
}

TEST(CostModel, PricesTheDividesOfSiblingLoops) {
  // g * w beside w / sqrt(v): no value joins them, but both read w, and
  // coco-fuse-elementwise fuses siblings that read the same array into one
  // loop. It reads w, g and v and writes g and v in place (20 KiB, 10.2
  // us) against 30.7 us of divider: the divider's time, whichever op
  // comes first.
  for (bool divideFirst : {false, true}) {
    std::string mul = "%p = coco.mul %w, %g : !T, !T\n";
    std::string div = "%r = coco.sqrt %v : !T\n%q = coco.div %w, %r : !T, !T\n";
    Program program((R"mlir(
      coco.grid @dp(shape = [2])
      !T = !coco.dtensor<1024xf32, replicated on @dp>
      func.func @siblings(%w: !T, %g: !T, %v: !T) {
      )mlir" + (divideFirst ? div + mul : mul + div) +
                     R"mlir(
        coco.update %g, %p : !T
        coco.update %v, %q : !T
        return
      })mlir")
                        .c_str());
    ASSERT_TRUE(program.module);
    mlir::FailureOr<Estimate> estimate = mlir::coco::cost::estimate(
        program.function(), modelOf(kSlowDivider), 2);
    ASSERT_TRUE(mlir::succeeded(estimate));
    EXPECT_NEAR(estimate->loops, 1024 * 30e-9, 1e-15)
        << (divideFirst ? "divide first" : "multiply first");
  }
}

TEST(CostModel, PricesWhatRunsOnTheDivider) {
  Model slow = modelOf(kSlowDivider);
  auto loops = [&](const std::string &body, const std::string &type) {
    std::string t = "!coco.dtensor<1024x" + type + ", replicated on @dp>";
    // A binary op names both operands' types.
    std::string types = body.find(',') != std::string::npos ? t + ", " + t : t;
    Program program((R"mlir(
      coco.grid @dp(shape = [2])
      func.func @f(%a: )mlir" +
                     t + ", %b: " + t + R"mlir() {
        %r = )mlir" + body +
                     " : " + types + R"mlir(
        coco.update %a, %r : )mlir" +
                     t + R"mlir(
        return
      })mlir")
                        .c_str());
    EXPECT_TRUE(program.module);
    mlir::FailureOr<Estimate> estimate =
        mlir::coco::cost::estimate(program.function(), slow, 2);
    EXPECT_TRUE(mlir::succeeded(estimate));
    return mlir::succeeded(estimate) ? estimate->loops : -1.0;
  };
  // rsqrt (1 / sqrt(x)): a root and a divide per element.
  EXPECT_NEAR(loops("coco.rsqrt %b", "f32"), 1024 * 30e-9, 1e-15);
  // An integer divide has no vector instruction on a CPU: not priced by
  // the divider's figures, its traffic alone (reads a, b, writes a).
  EXPECT_NEAR(loops("coco.div %a, %b", "i32"), 3 * 4096 / 2e9, 1e-15);
  // Adds and multiplies: the traffic.
  EXPECT_NEAR(loops("coco.mul %a, %b", "f32"), 3 * 4096 / 2e9, 1e-15);
}

TEST(CostModel, PricesThePackingOfInnerDims) {
  // [4, 1024] f32 (16 KiB) on 2 ranks: along dim 0 the blocks are
  // contiguous; along dim 1 the runtime packs reduce_scatter's input and
  // unpacks all_gather's output, a copy of the 16 KiB (resp. the gathered
  // 16 KiB) each: read + write 32 KiB at 2 GB/s.
  Program program(R"mlir(
    coco.grid @dp(shape = [2])
    func.func @rows(%g: !coco.dtensor<4x1024xf32, local on @dp>) {
      %s = coco.reduce_scatter sum %g dim 0 : !coco.dtensor<4x1024xf32, local on @dp>
      %a = coco.all_gather %s : !coco.dtensor<4x1024xf32, sliced<0> on @dp>
      return
    }
    func.func @columns(%g: !coco.dtensor<4x1024xf32, local on @dp>) {
      %s = coco.reduce_scatter sum %g dim 1 : !coco.dtensor<4x1024xf32, local on @dp>
      %a = coco.all_gather %s : !coco.dtensor<4x1024xf32, sliced<1> on @dp>
      return
    })mlir");
  ASSERT_TRUE(program.module);
  Model m = modelOf(kTwoRanks);
  double lines = (10e-6 + 16384 * 0.5e-9) + (4e-6 + 16384 * 0.25e-9);
  mlir::FailureOr<Estimate> rows =
      mlir::coco::cost::estimate(program.function(), m, 2);
  ASSERT_TRUE(mlir::succeeded(rows));
  EXPECT_NEAR(rows->collectives, lines, 1e-15);
  mlir::FailureOr<Estimate> columns =
      mlir::coco::cost::estimate(program.function(1), m, 2);
  ASSERT_TRUE(mlir::succeeded(columns));
  EXPECT_NEAR(columns->collectives, lines + 2 * (2 * 16384 / 2e9), 1e-15);
}

/// LAMB's shape over 1024 f32: u = g * g, ||u||, w - u * ||u||.
constexpr const char *kLambShape = R"mlir(
    coco.grid @dp(shape = [2])
    func.func @lamb(%w: !coco.dtensor<1024xf32, replicated on @dp>,
                    %g: !coco.dtensor<1024xf32, replicated on @dp>) {
      %u = coco.mul %g, %g : !coco.dtensor<1024xf32, replicated on @dp>, !coco.dtensor<1024xf32, replicated on @dp>
      %n = coco.norm %u : !coco.dtensor<1024xf32, replicated on @dp>
      %s = coco.extract %n : !coco.dtensor<f32, replicated on @dp> -> f32
      %d = coco.mul %u, %s : !coco.dtensor<1024xf32, replicated on @dp>, f32
      %wn = coco.sub %w, %d : !coco.dtensor<1024xf32, replicated on @dp>, !coco.dtensor<1024xf32, replicated on @dp>
      coco.update %w, %wn : !coco.dtensor<1024xf32, replicated on @dp>
      return
    })mlir";

TEST(CostModel, PricesLoopsSeparatedByANorm) {
  // LAMB's shape: u = g * g and the sum of ||u|| in one loop (the norm's
  // reduction joins the loop of the value it reduces); w - u * ||u|| runs
  // after it, in a second loop that loads u again. Bytes of 1024 f32
  // (4 KiB): loop 1 loads g and stores u and the norm's 4-byte result;
  // loop 2 loads u and w and stores w: 5 * 4 KiB + 4 B.
  Program program(kLambShape);
  ASSERT_TRUE(program.module);
  Model m = model();
  auto lamb = program.function();
  mlir::FailureOr<Estimate> estimate = mlir::coco::cost::estimate(lamb, m, 2);
  ASSERT_TRUE(mlir::succeeded(estimate));
  EXPECT_NEAR(estimate->loops, (5 * 4096 + 4) / 2e9, 1e-15);
  // As coco-lower-to-gpu lowers (fuse-reductions=false): the norm is a
  // kernel of its own, which loads u after loop 1 stored it: 6 * 4 KiB.
  Lowering apart;
  apart.fuseReductions = false;
  estimate = mlir::coco::cost::estimate(lamb, m, 2, apart);
  ASSERT_TRUE(mlir::succeeded(estimate));
  EXPECT_NEAR(estimate->loops, (6 * 4096 + 4) / 2e9, 1e-15);
}

TEST(CostModel, PricesReductionsThatStayApart) {
  // A reduction over one dim of two (rows of u = g * g) does not join u's
  // loop: loop 1 loads g and stores u (8 KiB each), the reduction loads u
  // and stores its 16 rows (64 B). A norm of a parameter (w, which no loop
  // makes) is a loop of its own loading w: 4 KiB (+ its 4-byte result).
  Program rows(R"mlir(
    coco.grid @dp(shape = [2])
    func.func @rows(%g: !coco.dtensor<16x128xf32, replicated on @dp>) {
      %u = coco.mul %g, %g : !coco.dtensor<16x128xf32, replicated on @dp>, !coco.dtensor<16x128xf32, replicated on @dp>
      %r = coco.reduce sum %u dims [1] : !coco.dtensor<16x128xf32, replicated on @dp>
      return
    })mlir");
  ASSERT_TRUE(rows.module);
  mlir::FailureOr<Estimate> estimate =
      mlir::coco::cost::estimate(rows.function(), model(), 2);
  ASSERT_TRUE(mlir::succeeded(estimate));
  EXPECT_NEAR(estimate->loops, (3 * 8192 + 64) / 2e9, 1e-15);

  Program parameter(R"mlir(
    coco.grid @dp(shape = [2])
    func.func @norm(%w: !coco.dtensor<1024xf32, replicated on @dp>) -> f32 {
      %n = coco.norm %w : !coco.dtensor<1024xf32, replicated on @dp>
      %s = coco.extract %n : !coco.dtensor<f32, replicated on @dp> -> f32
      return %s : f32
    })mlir");
  ASSERT_TRUE(parameter.module);
  estimate = mlir::coco::cost::estimate(parameter.function(), model(), 2);
  ASSERT_TRUE(mlir::succeeded(estimate));
  EXPECT_NEAR(estimate->loops, (4096 + 4) / 2e9, 1e-15);
}

TEST(CostModel, PricesANormThatJoinsItsSiblingLoop) {
  // A norm of a parameter that a loop of the same level also reads (LAMB's
  // ||w|| and its update, which reads w) joins that loop as its sibling
  // (coco-fuse-elementwise): w is loaded once. The loop loads w and g and
  // stores u, 4 KiB each, plus the norm's 4 bytes, whichever comes first.
  for (llvm::StringRef body :
       {"%n = coco.norm %w : !R\n %u = coco.mul %w, %g : !R, !R",
        "%u = coco.mul %w, %g : !R, !R\n %n = coco.norm %w : !R"}) {
    std::string text = R"mlir(
      !R = !coco.dtensor<1024xf32, replicated on @dp>
      coco.grid @dp(shape = [2])
      func.func @sibling(%w: !R, %g: !R) -> !R {
        )mlir" + body.str() +
                       R"mlir(
        return %u : !R
      })mlir";
    Program program(text.c_str());
    ASSERT_TRUE(program.module);
    mlir::FailureOr<Estimate> estimate =
        mlir::coco::cost::estimate(program.function(), model(), 2);
    ASSERT_TRUE(mlir::succeeded(estimate));
    EXPECT_NEAR(estimate->loops, (3 * 4096 + 4) / 2e9, 1e-15) << body.str();
    // coco-lower-to-gpu's kernels keep the reduction apart: w twice.
    Lowering apart;
    apart.fuseReductions = false;
    estimate =
        mlir::coco::cost::estimate(program.function(), model(), 2, apart);
    ASSERT_TRUE(mlir::succeeded(estimate));
    EXPECT_NEAR(estimate->loops, (4 * 4096 + 4) / 2e9, 1e-15) << body.str();
  }
}

TEST(CostModel, PricesAReductionsChainBeyondItsTraffic) {
  // The LAMB shape above with 4 ns per element of a reduction: the norm's
  // chain over 1024 elements takes 4096 ns where reading its 4 KiB at
  // 2 GB/s takes 2048 ns; the difference comes on top of the traffic.
  // At 1 ns per element the chain hides under the traffic: nothing added.
  Program program(kLambShape);
  ASSERT_TRUE(program.module);
  double traffic = (5 * 4096 + 4) / 2e9;
  for (auto [ns, extra] : {std::pair{4.0, 4096e-9 - 2048e-9}, {1.0, 0.0}}) {
    Profile profile = model().getProfile();
    profile.reductionSeconds = ns * 1e-9;
    mlir::FailureOr<Estimate> estimate =
        mlir::coco::cost::estimate(program.function(), Model(profile), 2);
    ASSERT_TRUE(mlir::succeeded(estimate));
    EXPECT_NEAR(estimate->loops, traffic + extra, 1e-15) << ns << " ns";
  }
  // The field round-trips through JSON.
  Profile profile = model().getProfile();
  profile.reductionSeconds = 0.75e-9;
  std::string text;
  llvm::raw_string_ostream(text) << profile.toJSON();
  llvm::Expected<Profile> again = Profile::parse(text);
  ASSERT_TRUE(bool(again)) << llvm::toString(again.takeError());
  EXPECT_NEAR(again->reductionSeconds, 0.75e-9, 1e-21);
}

TEST(CostModel, LoopBandwidthByWorkingSet) {
  // 100 GB/s while the arrays take 8 KiB per rank (in the caches), 10 GB/s
  // from 32 KiB (memory); in between, the time per byte is linear in
  // log(size): part of the bytes come from each level.
  llvm::Expected<Profile> parsed = Profile::parse(R"json({
    "copy_bandwidth_GBps": 2.0, "matmul_GFLOPs": 4.0,
    "collectives": {"all_reduce": [{"ranks": 2, "latency_us": 10, "ns_per_byte": 0.5}]},
    "loop_bandwidth": [{"working_set_bytes": 32768, "GBps": 10},
                       {"working_set_bytes": 8192, "GBps": 100}]
  })json");
  ASSERT_TRUE(bool(parsed)) << llvm::toString(parsed.takeError());
  Model m(std::move(*parsed));
  EXPECT_DOUBLE_EQ(m.loop(1e9), 0.5);                 // unknown: copy bandwidth
  EXPECT_DOUBLE_EQ(m.loop(1e9, 4096), 1e9 / 100e9);   // below: first point
  EXPECT_DOUBLE_EQ(m.loop(1e9, 1 << 30), 1e9 / 10e9); // beyond: last point
  // Halfway in log: 0.055 ns per byte (18.2 GB/s, not 55).
  EXPECT_NEAR(m.loop(1e9, 16384), 1e9 * (0.5 / 100e9 + 0.5 / 10e9), 1e-15);
  // A program's working set: its arguments and the buffers it makes.
  // m = w - g over 1024 f32, into an argument the loop does not read: the
  // new m goes into m's buffer, so w, g and m (12 KiB) are all of it; the
  // loop loads 8 KiB and stores 4 KiB.
  Program program(R"mlir(
    coco.grid @dp(shape = [2])
    func.func @sgd(%w: !coco.dtensor<1024xf32, replicated on @dp>,
                   %g: !coco.dtensor<1024xf32, replicated on @dp>,
                   %m: !coco.dtensor<1024xf32, replicated on @dp>) {
      %wn = coco.sub %w, %g : !coco.dtensor<1024xf32, replicated on @dp>, !coco.dtensor<1024xf32, replicated on @dp>
      coco.update %m, %wn : !coco.dtensor<1024xf32, replicated on @dp>
      return
    })mlir");
  ASSERT_TRUE(program.module);
  mlir::FailureOr<Estimate> estimate =
      mlir::coco::cost::estimate(program.function(), m, 2);
  ASSERT_TRUE(mlir::succeeded(estimate));
  double t = std::log(12288.0 / 8192) / std::log(4.0);
  EXPECT_NEAR(estimate->loops, 12288 * ((1 - t) / 100e9 + t / 10e9), 1e-18);
  // It round-trips through JSON, and bad entries are errors.
  std::string text;
  llvm::raw_string_ostream(text) << m.getProfile().toJSON();
  llvm::Expected<Profile> again = Profile::parse(text);
  ASSERT_TRUE(bool(again)) << llvm::toString(again.takeError());
  EXPECT_EQ(again->loopBandwidth, m.getProfile().loopBandwidth);
  for (auto [json, message] :
       {std::pair{R"({"copy_bandwidth_GBps": 1, "matmul_GFLOPs": 1, "levels":
                    [{"ranks": 8, "latency_us": 1, "bandwidth_GBps": 1}],
                    "loop_bandwidth": [{"working_set_bytes": 8}]})",
                  "loop_bandwidth has no 'GBps'"},
        {R"({"copy_bandwidth_GBps": 1, "matmul_GFLOPs": 1, "levels":
              [{"ranks": 8, "latency_us": 1, "bandwidth_GBps": 1}],
              "loop_bandwidth": [{"working_set_bytes": 0, "GBps": 1}]})",
         "must be positive"},
        {R"({"copy_bandwidth_GBps": 1, "matmul_GFLOPs": 1, "levels":
              [{"ranks": 8, "latency_us": 1, "bandwidth_GBps": 1}],
              "loop_bandwidth": [3]})",
         "an entry of loop_bandwidth is not an object"}}) {
    llvm::Expected<Profile> bad = Profile::parse(json);
    ASSERT_FALSE(bool(bad)) << json;
    EXPECT_NE(llvm::toString(bad.takeError()).find(message), std::string::npos)
        << json;
  }
}

TEST(CostModel, PricesStoresIntoMemoryTheLoopDidNotRead) {
  // A byte stored where the loop did not read costs 3 bytes of traffic at
  // 8 KiB (the cache reads the line first), 1 from 32 KiB; in between the
  // factor is linear in log(size).
  llvm::Expected<Profile> parsed = Profile::parse(R"json({
    "copy_bandwidth_GBps": 2.0, "matmul_GFLOPs": 4.0,
    "collectives": {"all_reduce": [{"ranks": 2, "latency_us": 10, "ns_per_byte": 0.5}],
                    "all_gather": [{"ranks": 2, "latency_us": 10, "ns_per_byte": 0.5}]},
    "loop_bandwidth": [{"working_set_bytes": 8192, "GBps": 100, "fresh_store_factor": 3},
                       {"working_set_bytes": 32768, "GBps": 10, "fresh_store_factor": 1}]
  })json");
  ASSERT_TRUE(bool(parsed)) << llvm::toString(parsed.takeError());
  Model m(std::move(*parsed));
  EXPECT_DOUBLE_EQ(m.loop(1000, 8192, 500), (1000 + 2 * 500) / 100e9);
  EXPECT_NEAR(m.loop(1000, 16384, 500),
              (1000 + 1 * 500) * (0.5 / 100e9 + 0.5 / 10e9), 1e-18);
  EXPECT_DOUBLE_EQ(m.loop(1000, 1 << 30, 500), 1000 / 10e9);
  // w = w - g (in place: the loop has just read w's lines) against
  // m = w - g, m an argument the loop does not read; 1024 f32 each.
  const char *text = R"mlir(
    coco.grid @dp(shape = [2])
    !R = !coco.dtensor<1024xf32, replicated on @dp>
    func.func @in_place(%w: !R, %g: !R) {
      %wn = coco.sub %w, %g : !R, !R
      coco.update %w, %wn : !R
      return
    }
    func.func @fresh(%w: !R, %g: !R, %m: !R) {
      %wn = coco.sub %w, %g : !R, !R
      coco.update %m, %wn : !R
      return
    }
    func.func @eager(%w: !R, %g: !R, %m: !R) {
      %d = coco.mul %g, %g : !R, !R
      %wn = coco.sub %w, %d : !R, !R
      coco.update %w, %wn : !R
      return
    })mlir";
  Program program(text);
  ASSERT_TRUE(program.module);
  auto loops = [&](size_t index, Lowering lowering) {
    mlir::FailureOr<Estimate> estimate =
        mlir::coco::cost::estimate(program.function(index), m, 2, lowering);
    EXPECT_TRUE(mlir::succeeded(estimate));
    return mlir::succeeded(estimate) ? estimate->loops : -1.0;
  };
  // In place: w and g are the working set (8 KiB), nothing fresh.
  EXPECT_DOUBLE_EQ(loops(0, {}), 12288 / 100e9);
  // Fresh: into m's buffer (no new one), 12 KiB: w, g and m.
  double t = std::log(12288.0 / 8192) / std::log(4.0);
  EXPECT_NEAR(loops(1, {}),
              (12288 + (2 - 2 * t) * 4096) * ((1 - t) / 100e9 + t / 10e9),
              1e-18);
  // Unfused, every op is a loop of its own, which reads each operand at
  // the bandwidth of the bytes touched since that operand was last
  // touched plus its own arrays, at most what was touched since the last
  // call (a first touch: the step's arrays, w, g and m, 12 KiB; d's
  // buffer is not one of them, the caching allocator reuses it), and
  // stores at a first touch's distance too: d = g * g reads g (first:
  // 12 KiB), stores 4 KiB fresh (12 KiB: the factor between 3 and 1);
  // w - d reads w (first: 12 KiB) and d (touched just before: 0 + 12 KiB),
  // and stores in place into w, which it read (12 KiB).
  Lowering unfused;
  unfused.fuseElementwise = false;
  auto perByte = [](double workingSet) {
    double at =
        std::clamp(std::log(workingSet / 8192) / std::log(4.0), 0.0, 1.0);
    return (1 - at) / 100e9 + at / 10e9;
  };
  EXPECT_NEAR(loops(2, unfused),
              4096 * perByte(12288) +
                  (4096 + (2 - 2 * t) * 4096) * perByte(12288) +
                  3 * 4096 * perByte(12288),
              1e-18);
  // The caller's data between two calls pushes the first touches, and so
  // the stores, further (here out of the caches: 10 GB/s, factor 1); d is
  // still read from the caches.
  mlir::FailureOr<Estimate> called = mlir::coco::cost::estimate(
      program.function(2), m, 2, unfused, /*callerBytes=*/32768);
  ASSERT_TRUE(mlir::succeeded(called));
  EXPECT_NEAR(called->loops, 4 * 4096 / 10e9 + 4096 * perByte(12288), 1e-18);
  // Fused, d stays in registers: the loop reads w and g, stores w.
  double fused = std::log(1.5) / std::log(4.0);
  EXPECT_NEAR(loops(2, {}), 12288 * ((1 - fused) / 100e9 + fused / 10e9),
              1e-18);
  // RS-C-AG with shard-state's update of w: the loop reads this rank's
  // block of w (coco.slice) and writes the new block into it, and the
  // all_gather gathers into w (coco-update-in-place): no fresh store, no
  // new buffer. Working set: w (4 KiB) and g, sliced (2 KiB); the loop
  // reads 4 KiB, stores 2 KiB.
  Program gathered(R"mlir(
    coco.grid @dp(shape = [2])
    !R = !coco.dtensor<1024xf32, replicated on @dp>
    !S = !coco.dtensor<1024xf32, sliced<0> on @dp>
    func.func @update(%w: !R, %g: !S) {
      %own = coco.slice %w dim 0 : !R
      %n = coco.sub %own, %g : !S, !S
      %all = coco.all_gather %n : !S
      coco.update %w, %all : !R
      return
    })mlir");
  ASSERT_TRUE(gathered.module);
  mlir::FailureOr<Estimate> update =
      mlir::coco::cost::estimate(gathered.function(), m, 2);
  ASSERT_TRUE(mlir::succeeded(update));
  // 6 KiB, below the first point: 100 GB/s. A fresh store would cost
  // 2 x 2 KiB more (factor 3); the gathered w counted as a new buffer
  // would make it 10 KiB (a slower bandwidth).
  EXPECT_DOUBLE_EQ(update->loops, 6144 / 100e9);

  // The factor round-trips through JSON; out of [1, 8] it is an error.
  std::string json;
  llvm::raw_string_ostream(json) << m.getProfile().toJSON();
  llvm::Expected<Profile> again = Profile::parse(json);
  ASSERT_TRUE(bool(again)) << llvm::toString(again.takeError());
  EXPECT_EQ(again->loopBandwidth, m.getProfile().loopBandwidth);
  llvm::Expected<Profile> bad = Profile::parse(R"json({
    "copy_bandwidth_GBps": 2.0, "matmul_GFLOPs": 4.0,
    "collectives": {"all_reduce": [{"ranks": 2, "latency_us": 10, "ns_per_byte": 0.5}]},
    "loop_bandwidth": [{"working_set_bytes": 8192, "GBps": 100, "fresh_store_factor": 0.5}]
  })json");
  ASSERT_FALSE(bool(bad));
  EXPECT_NE(llvm::toString(bad.takeError()).find("fresh_store_factor must be"),
            std::string::npos);
}

TEST(CostModel, OverlapsOnlyWhatCocoOverlapOverlaps) {
  // overlap-chunks=2 on the layer's matmul: its all_reduce and a
  // reduce_scatter of the product's last dim (columns) are overlapped; a
  // reduce_scatter of dim 0 (what coco-split makes) is not, and nor is a
  // folded one (an exchange in the update loop).
  Program program(R"mlir(
    coco.grid @tp(shape = [2])
    !X = !coco.dtensor<64x32xf32, sliced<1> on @tp>
    !W = !coco.dtensor<32x32xf32, sliced<0> on @tp>
    !P = !coco.dtensor<64x32xf32, local on @tp>
    func.func @ar(%x: !X, %w: !W) {
      %p = coco.matmul %x, %w : !X, !W
      %y = coco.all_reduce sum %p : !P
      return
    }
    func.func @columns(%x: !X, %w: !W) {
      %p = coco.matmul %x, %w : !X, !W
      %y = coco.reduce_scatter sum %p dim 1 : !P
      return
    }
    func.func @rows(%x: !X, %w: !W) {
      %p = coco.matmul %x, %w : !X, !W
      %y = coco.reduce_scatter sum %p dim 0 : !P
      return
    })mlir");
  ASSERT_TRUE(program.module);
  Model m = model();
  Lowering overlap;
  overlap.overlapChunks = 2;
  auto overlapped = [&](size_t index, Lowering lowering) {
    mlir::FailureOr<Estimate> estimate =
        mlir::coco::cost::estimate(program.function(index), m, 2, lowering);
    EXPECT_TRUE(mlir::succeeded(estimate));
    return mlir::succeeded(estimate) ? estimate->overlapped : -1.0;
  };
  EXPECT_GT(overlapped(0, overlap), 0);
  EXPECT_GT(overlapped(1, overlap), 0);
  EXPECT_EQ(overlapped(2, overlap), 0);
  overlap.fuseReduceScatter = true;
  EXPECT_EQ(overlapped(2, overlap), 0);

  // The chunks call the non-blocking reduce_scatter: priced by its own
  // line where the profile has one (another algorithm than the blocking
  // ring), with the packing copy of the columns on top; without one, as
  // the blocking collective.
  Profile slow = m.getProfile();
  slow.measuredNonBlocking[Collective::ReduceScatter][2] =
      Line{20e-6, 2e-9, {}};
  Model ms(std::move(slow));
  mlir::FailureOr<Estimate> blocking =
      mlir::coco::cost::estimate(program.function(1), ms, 2);
  ASSERT_TRUE(mlir::succeeded(blocking));
  double rs = expectTime(ms.collective(Collective::ReduceScatter, 8192, 2));
  double packing = blocking->collectives - rs;
  EXPECT_GT(packing, 0); // 64 rows of column blocks
  Lowering two;
  two.overlapChunks = 2;
  mlir::FailureOr<Estimate> chunked =
      mlir::coco::cost::estimate(program.function(1), ms, 2, two);
  ASSERT_TRUE(mlir::succeeded(chunked));
  EXPECT_NEAR(
      chunked->overlapped,
      ms.overlapped(blocking->matmuls, 20e-6 + 8192 * 2e-9 + packing, 2),
      1e-15);
  EXPECT_EQ(expectTime(m.nonBlockingCollective(Collective::AllReduce, 8192, 2)),
            expectTime(m.collective(Collective::AllReduce, 8192, 2)));
  // It round-trips through JSON.
  std::string json;
  llvm::raw_string_ostream(json) << ms.getProfile().toJSON();
  llvm::Expected<Profile> again = Profile::parse(json);
  ASSERT_TRUE(bool(again)) << llvm::toString(again.takeError());
  EXPECT_DOUBLE_EQ(
      expectTime(again->measuredNonBlocking.count(Collective::ReduceScatter)
                     ? Model(*again).nonBlockingCollective(
                           Collective::ReduceScatter, 8192, 2)
                     : llvm::Expected<double>(-1.0)),
      20e-6 + 8192 * 2e-9);
}

TEST(CostModel, PricesWhereTheGroupLies) {
  // A [4, 8] grid: axis 1 (8 ranks) fills a node, axis 0 crosses nodes.
  // The same 4 KiB all_reduce along axis 0 is priced on the network, and
  // one branch of an scf.if counts (the costlier), not both.
  Program program(R"mlir(
    coco.grid @g(shape = [4, 8])
    func.func @dp(%g: !coco.dtensor<1024xf32, local on @g[0]>, %c: i1) {
      %s = coco.all_reduce sum %g : !coco.dtensor<1024xf32, local on @g[0]>
      scf.if %c {
        %t = coco.all_reduce sum %g : !coco.dtensor<1024xf32, local on @g[0]>
      }
      return
    })mlir");
  ASSERT_TRUE(program.module);
  Model m = model();
  auto dp = program.function();
  mlir::FailureOr<Estimate> estimate = mlir::coco::cost::estimate(dp, m, 32);
  ASSERT_TRUE(mlir::succeeded(estimate));
  // 4 ranks, each on another node: NCCL's tree, log2(4) = 2 network steps
  // up and down (not the ring's 2 x 3), 4 KiB each way at 0.9 x 10 GB/s.
  double network = 2 * 2 * 5e-6 + 2 * 4096 / (0.9 * 1e10);
  EXPECT_NEAR(estimate->collectives, 2 * network, 1e-15);
}

TEST(CostModel, LinesByElementType) {
  // bf16 measured on its own (its sum widens every element): 20 us +
  // 1 ns/B; f32, and every type without a line of its own, 10 us + 0.5
  // ns/B by its bytes.
  constexpr const char *kTyped = R"json({
    "name": "test", "source": "hand-made",
    "copy_bandwidth_GBps": 2.0, "matmul_GFLOPs": 4.0,
    "collectives": {
      "all_reduce": [
        {"ranks": 2, "latency_us": 10, "ns_per_byte": 0.5},
        {"ranks": 2, "latency_us": 20, "ns_per_byte": 1, "element_type": "bf16"}
      ]
    },
    "levels": [{"name": "node", "ranks": 8, "latency_us": 1, "bandwidth_GBps": 100}]
  })json";
  Model m = modelOf(kTyped);
  auto at = [&](llvm::StringRef type, int64_t ranks = 2) {
    return expectTime(
        m.collective(Collective::AllReduce, 1e6, ranks, /*together=*/0, type));
  };
  EXPECT_NEAR(at("bf16"), 20e-6 + 1e6 * 1e-9, 1e-15);
  EXPECT_NEAR(at("f16"), 10e-6 + 1e6 * 0.5e-9, 1e-15);
  EXPECT_NEAR(at(""), 10e-6 + 1e6 * 0.5e-9, 1e-15);
  // No bf16 line on 4 ranks: the ring on the level, as for any type.
  EXPECT_NEAR(at("bf16", 4), at("", 4), 1e-15);
  EXPECT_NEAR(at("", 4), 6e-6 + 1.5 * 1e6 / 1e11, 1e-15);
  // Kept through JSON, after the untyped lines.
  std::string text;
  llvm::raw_string_ostream(text) << m.getProfile().toJSON();
  llvm::Expected<Profile> again = Profile::parse(text);
  ASSERT_TRUE(bool(again)) << llvm::toString(again.takeError());
  EXPECT_NEAR(
      expectTime(Model(std::move(*again))
                     .collective(Collective::AllReduce, 1e6, 2, 0, "bf16")),
      20e-6 + 1e6 * 1e-9, 1e-15);
  EXPECT_LT(text.find("\"ns_per_byte\":0.5"), text.find("\"bf16\""));

  // A program prices each collective by its element type's line: 1024 bf16
  // (2 KiB) on the bf16 line, 512 f32 (2 KiB) and 1024 f16 on the untyped
  // one.
  Program program(R"mlir(
    coco.grid @dp(shape = [2])
    func.func @bf16(%g: !coco.dtensor<1024xbf16, local on @dp>) {
      %s = coco.all_reduce sum %g : !coco.dtensor<1024xbf16, local on @dp>
      return
    }
    func.func @f32(%g: !coco.dtensor<512xf32, local on @dp>) {
      %s = coco.all_reduce sum %g : !coco.dtensor<512xf32, local on @dp>
      return
    }
    func.func @f16(%g: !coco.dtensor<1024xf16, local on @dp>) {
      %s = coco.all_reduce sum %g : !coco.dtensor<1024xf16, local on @dp>
      return
    })mlir");
  ASSERT_TRUE(program.module);
  double expected[] = {20e-6 + 2048 * 1e-9, 10e-6 + 2048 * 0.5e-9,
                       10e-6 + 2048 * 0.5e-9};
  for (size_t i = 0; i < 3; ++i) {
    mlir::FailureOr<Estimate> estimate =
        mlir::coco::cost::estimate(program.function(i), m, 2);
    ASSERT_TRUE(mlir::succeeded(estimate));
    EXPECT_NEAR(estimate->collectives, expected[i], 1e-15) << "function " << i;
  }

  // What is not a runtime element type, and a typed non-blocking line (none
  // is measured), are errors.
  auto error = [](const char *json) {
    llvm::Expected<Profile> profile = Profile::parse(json);
    EXPECT_FALSE(bool(profile));
    return profile ? std::string() : llvm::toString(profile.takeError());
  };
  EXPECT_NE(error(R"({"copy_bandwidth_GBps": 1, "matmul_GFLOPs": 1,
      "collectives": {"all_reduce": [{"ranks": 2, "latency_us": 1,
        "ns_per_byte": 1, "element_type": "f8"}]}})")
                .find("'element_type' must be one of f32, f64, f16, bf16"),
            std::string::npos);
  EXPECT_NE(error(R"({"copy_bandwidth_GBps": 1, "matmul_GFLOPs": 1,
      "collectives": {"all_reduce": [{"ranks": 2, "latency_us": 1, "ns_per_byte": 1}]},
      "nonblocking_collectives": {"all_reduce": [{"ranks": 2, "latency_us": 1,
        "ns_per_byte": 1, "element_type": "bf16"}]}})")
                .find("cannot have an 'element_type'"),
            std::string::npos);
}

TEST(CostModel, PricesCollectivesWarmWhereTheArraysFitTheCache) {
  // all_reduce: 10 us + 0.5 ns/B cold, 2 us + 0.1 ns/B warm; bf16's own
  // line cold only; the non-blocking reduce_scatter 20 us + 2 ns/B cold,
  // 4 us + 0.5 ns/B warm; 16 KiB of cache per rank.
  constexpr const char *kWarm = R"json({
    "name": "test", "source": "hand-made",
    "copy_bandwidth_GBps": 2.0, "matmul_GFLOPs": 4.0,
    "cache_bytes_per_rank": 16384,
    "collectives": {
      "all_reduce": [
        {"ranks": 2, "latency_us": 10, "ns_per_byte": 0.5},
        {"ranks": 2, "latency_us": 20, "ns_per_byte": 1, "element_type": "bf16"}
      ]
    },
    "nonblocking_collectives": {
      "reduce_scatter": [{"ranks": 2, "latency_us": 20, "ns_per_byte": 2}]
    },
    "warm_collectives": {
      "all_reduce": [{"ranks": 2, "latency_us": 2, "ns_per_byte": 0.1}]
    },
    "warm_nonblocking_collectives": {
      "reduce_scatter": [{"ranks": 2, "latency_us": 4, "ns_per_byte": 0.5}]
    },
    "levels": [{"name": "node", "ranks": 8, "latency_us": 1, "bandwidth_GBps": 100}]
  })json";
  Model m = modelOf(kWarm);
  // No loop curve: warm while the arrays fit the cache, else cold.
  EXPECT_EQ(m.warmth(0), 0);
  EXPECT_EQ(m.warmth(8192), 1);
  EXPECT_EQ(m.warmth(16384), 1);
  EXPECT_EQ(m.warmth(16385), 0);
  // With one: how far the loop's time per byte at the working set has
  // come from its time at twice the cache (32 KiB: 10 GB/s) toward its
  // time at a quarter of it (4 KiB: 100 GB/s), in log(size): 8 KiB lies a
  // third of the way from 4 to 32 KiB, two thirds warm.
  Profile curved = m.getProfile();
  curved.loopBandwidth = {{4096, 100e9}, {32768, 10e9}, {1 << 20, 5e9}};
  Model c(curved);
  EXPECT_EQ(c.warmth(2048), 1);
  EXPECT_EQ(c.warmth(4096), 1);
  EXPECT_NEAR(c.warmth(8192), 2.0 / 3, 1e-12);
  EXPECT_NEAR(c.warmth(16384), 1.0 / 3, 1e-12);
  EXPECT_EQ(c.warmth(32768), 0);
  // Beyond, the memory's slower pages are not warmth, nor is a curve
  // that gets faster again there.
  EXPECT_EQ(c.warmth(1 << 20), 0);
  Profile rising = curved;
  rising.loopBandwidth = {{4096, 100e9}, {32768, 10e9}, {1 << 20, 50e9}};
  EXPECT_EQ(Model(rising).warmth(65536), 0);
  EXPECT_EQ(Model(rising).warmth(1 << 20), 0);
  EXPECT_NEAR(Model(rising).warmth(8192), 2.0 / 3, 1e-12);
  // A curve that ends inside the cache says nothing of what leaves it.
  curved.loopBandwidth = {{1024, 100e9}, {16384, 50e9}};
  EXPECT_EQ(Model(curved).warmth(16384), 1);
  EXPECT_EQ(Model(curved).warmth(16385), 0);
  double cold = 10e-6 + 1000 * 0.5e-9, warm = 2e-6 + 1000 * 0.1e-9;
  auto allReduce = [&](double workingSet, llvm::StringRef type = {},
                       int64_t ranks = 2) {
    return expectTime(
        m.collective(Collective::AllReduce, 1000, ranks, 0, type, workingSet));
  };
  EXPECT_NEAR(allReduce(0), cold, 1e-15);
  EXPECT_NEAR(allReduce(8192), warm, 1e-15);
  EXPECT_NEAR(allReduce(32768), cold, 1e-15);
  EXPECT_NEAR(
      expectTime(c.collective(Collective::AllReduce, 1000, 2, 0, {}, 16384)),
      cold + (warm - cold) / 3, 1e-15);
  // bf16 has a line of its own and no warm twin: its cold line, not f32's
  // warm one. f16 has neither: priced as f32, warm.
  EXPECT_NEAR(allReduce(8192, "bf16"), 20e-6 + 1000 * 1e-9, 1e-15);
  EXPECT_NEAR(allReduce(8192, "f16"), warm, 1e-15);
  // Given a warm bf16 twin (1 us + 0.2 ns/B), bf16 moves toward it.
  Profile twinned = m.getProfile();
  twinned.measuredWarmByElementType["bf16"][Collective::AllReduce][2] =
      Line{1e-6, 0.2e-9, {}};
  EXPECT_NEAR(expectTime(Model(twinned).collective(Collective::AllReduce, 1000,
                                                   2, 0, "bf16", 8192)),
              1e-6 + 1000 * 0.2e-9, 1e-15);
  // Nothing measured on 4 ranks: the ring, warm or not.
  EXPECT_NEAR(allReduce(8192, {}, 4), allReduce(0, {}, 4), 1e-15);
  EXPECT_NEAR(allReduce(0, {}, 4), 6e-6 + 1.5 * 1000 / 1e11, 1e-15);
  // The non-blocking line moves toward its own warm twin: two thirds of
  // the way at 8 KiB on the curve.
  double nbCold = 20e-6 + 1000 * 2e-9, nbWarm = 4e-6 + 1000 * 0.5e-9;
  EXPECT_NEAR(expectTime(c.nonBlockingCollective(Collective::ReduceScatter,
                                                 1000, 2, 0, {}, 8192)),
              nbCold + 2.0 / 3 * (nbWarm - nbCold), 1e-15);
  EXPECT_NEAR(expectTime(m.nonBlockingCollective(Collective::ReduceScatter,
                                                 1000, 2, 0, {}, 65536)),
              nbCold, 1e-15);
  // Kept through JSON.
  std::string text;
  llvm::raw_string_ostream(text) << m.getProfile().toJSON();
  llvm::Expected<Profile> again = Profile::parse(text);
  ASSERT_TRUE(bool(again)) << llvm::toString(again.takeError());
  Model copy(std::move(*again));
  EXPECT_EQ(copy.getProfile().cacheBytes, 16384);
  EXPECT_NEAR(
      expectTime(copy.collective(Collective::AllReduce, 1000, 2, 0, {}, 8192)),
      warm, 1e-15);
  EXPECT_NEAR(expectTime(copy.nonBlockingCollective(Collective::ReduceScatter,
                                                    1000, 2, 0, {}, 8192)),
              nbWarm, 1e-15);
  // Warm lines need the cache they are warm in.
  std::string noCache = kWarm;
  noCache.replace(noCache.find("\"cache_bytes_per_rank\": 16384,"),
                  strlen("\"cache_bytes_per_rank\": 16384,"), "");
  llvm::Expected<Profile> rejected = Profile::parse(noCache);
  ASSERT_FALSE(bool(rejected));
  EXPECT_NE(llvm::toString(rejected.takeError())
                .find("warm collectives need a positive cache_bytes_per_rank"),
            std::string::npos);

  // SGD on 2 ranks, 1024 f32: the arrays are w and g (4 KiB each, the
  // arguments) and the sum the all_reduce makes (4 KiB); the loop writes
  // w in place. 12 KiB fit the 16 KiB cache: the all_reduce is priced
  // warm. With the caller's 8 KiB between calls, 20 KiB do not; with the
  // curve, 20 KiB are 0.23 warm.
  Program program(kSgd);
  ASSERT_TRUE(program.module);
  mlir::FailureOr<Estimate> fits =
      mlir::coco::cost::estimate(program.function(), m, 2);
  ASSERT_TRUE(mlir::succeeded(fits));
  EXPECT_EQ(fits->workingSet, 3 * 4096);
  EXPECT_EQ(fits->warmth, 1);
  EXPECT_NEAR(fits->collectives, 2e-6 + 4096 * 0.1e-9, 1e-15);
  mlir::FailureOr<Estimate> shared =
      mlir::coco::cost::estimate(program.function(), m, 2, {}, 8192);
  ASSERT_TRUE(mlir::succeeded(shared));
  EXPECT_EQ(shared->workingSet, 3 * 4096); // the program's own
  EXPECT_EQ(shared->warmth, 0);
  EXPECT_NEAR(shared->collectives, 10e-6 + 4096 * 0.5e-9, 1e-15);
  mlir::FailureOr<Estimate> partly =
      mlir::coco::cost::estimate(program.function(), c, 2, {}, 8192);
  ASSERT_TRUE(mlir::succeeded(partly));
  double share = 1 - std::log(20480.0 / 4096) / std::log(8.0);
  EXPECT_NEAR(partly->warmth, share, 1e-12);
  EXPECT_NEAR(partly->collectives,
              10e-6 + 4096 * 0.5e-9 +
                  share * (2e-6 + 4096 * 0.1e-9 - 10e-6 - 4096 * 0.5e-9),
              1e-15);
  // The loops are priced as before: warmth is the collectives' only.
  mlir::FailureOr<Estimate> partlyAlone =
      mlir::coco::cost::estimate(program.function(), c, 2);
  ASSERT_TRUE(mlir::succeeded(partlyAlone));
  EXPECT_DOUBLE_EQ(partly->loops, partlyAlone->loops);
  // A profile without warm lines prices it cold, and says warmth 0.
  mlir::FailureOr<Estimate> plain =
      mlir::coco::cost::estimate(program.function(), model(), 2);
  ASSERT_TRUE(mlir::succeeded(plain));
  EXPECT_EQ(plain->warmth, 0);
  EXPECT_NEAR(plain->collectives, 10e-6 + 4096 * 0.5e-9, 1e-15);
}

TEST(CostModel, PricesSendRecvWarmWhereTheArraysFitTheCache) {
  // A pipeline stage's send/recv (the pipeline layer's coco.send) has a
  // cold line and a warm twin as the collectives do: 30 us + 1 ns/B cold,
  // 5 us + 0.25 ns/B warm, 64 KiB of cache per rank.
  constexpr const char *kSendRecv = R"json({
    "name": "test", "source": "hand-made",
    "copy_bandwidth_GBps": 2.0, "matmul_GFLOPs": 4.0,
    "cache_bytes_per_rank": 65536,
    "collectives": {
      "send_recv": [{"ranks": 2, "latency_us": 30, "ns_per_byte": 1}]
    },
    "warm_collectives": {
      "send_recv": [{"ranks": 2, "latency_us": 5, "ns_per_byte": 0.25}]
    },
    "levels": [{"name": "node", "ranks": 8, "latency_us": 1, "bandwidth_GBps": 100}]
  })json";
  Model m = modelOf(kSendRecv);
  double cold = 30e-6 + 4096 * 1e-9, warm = 5e-6 + 4096 * 0.25e-9;
  auto sendRecv = [&](const Model &model, double workingSet) {
    return expectTime(
        model.collective(Collective::SendRecv, 4096, 2, 0, {}, workingSet));
  };
  // No loop curve: warm while the arrays fit, cold beyond and with no
  // working set given.
  EXPECT_NEAR(sendRecv(m, 32768), warm, 1e-15);
  EXPECT_NEAR(sendRecv(m, 65536), warm, 1e-15);
  EXPECT_NEAR(sendRecv(m, 65537), cold, 1e-15);
  EXPECT_NEAR(sendRecv(m, 0), cold, 1e-15);
  // With a curve: 32 KiB lie a third of the way in log(size) from 16 KiB
  // (100 GB/s) to 128 KiB (twice the cache, 10 GB/s), two thirds warm.
  Profile curved = m.getProfile();
  curved.loopBandwidth = {{16384, 100e9}, {131072, 10e9}, {1 << 22, 5e9}};
  EXPECT_NEAR(sendRecv(Model(curved), 32768), cold + 2.0 / 3 * (warm - cold),
              1e-15);
  // The warm twin survives the JSON round trip.
  std::string text;
  llvm::raw_string_ostream(text) << m.getProfile().toJSON();
  llvm::Expected<Profile> again = Profile::parse(text);
  ASSERT_TRUE(bool(again)) << llvm::toString(again.takeError());
  EXPECT_NEAR(sendRecv(Model(std::move(*again)), 32768), warm, 1e-15);
}

TEST(CostModel, CarriesReuseThroughBranches) {
  // Unfused, the same three ops straight and with the middle one in a
  // branch whose arms do the same: one arm runs, so the loops cost the
  // same (the arm goes on from the values touched before it, and what
  // follows reads its result as just written).
  Program program(R"mlir(
    coco.grid @dp(shape = [2])
    !R = !coco.dtensor<262144xf32, replicated on @dp>
    func.func @straight(%w: !R, %g: !R) {
      %a = coco.mul %g, %g : !R, !R
      %b = coco.add %a, %g : !R, !R
      %c = coco.sub %w, %b : !R, !R
      coco.update %w, %c : !R
      return
    }
    func.func @branched(%w: !R, %g: !R, %p: i1) {
      %a = coco.mul %g, %g : !R, !R
      %b = scf.if %p -> !R {
        %t = coco.add %a, %g : !R, !R
        scf.yield %t : !R
      } else {
        %e = coco.add %a, %g : !R, !R
        scf.yield %e : !R
      }
      %c = coco.sub %w, %b : !R, !R
      coco.update %w, %c : !R
      return
    })mlir");
  ASSERT_TRUE(program.module);
  // 100 GB/s in 1 MiB, 10 GB/s from 16 MiB; no collective to price.
  Model m = modelOf(R"json({"copy_bandwidth_GBps": 2.0, "matmul_GFLOPs": 4.0,
    "levels": [{"name": "node", "ranks": 8, "latency_us": 1, "bandwidth_GBps": 100}],
    "loop_bandwidth": [{"working_set_bytes": 1048576, "GBps": 100},
                       {"working_set_bytes": 16777216, "GBps": 10}]})json");
  Lowering unfused;
  unfused.fuseElementwise = false;
  mlir::FailureOr<Estimate> straight =
      mlir::coco::cost::estimate(program.function(0), m, 2, unfused);
  mlir::FailureOr<Estimate> branched =
      mlir::coco::cost::estimate(program.function(1), m, 2, unfused);
  ASSERT_TRUE(mlir::succeeded(straight) && mlir::succeeded(branched));
  EXPECT_DOUBLE_EQ(branched->workingSet, straight->workingSet);
  EXPECT_NEAR(branched->loops, straight->loops, 1e-15);
}

TEST(CostModel, PricesWarmOnThreeRanksWithUnevenBlocks) {
  // A [2, 3] grid; the reduce_scatter runs over axis 1 (3 ranks) on 1000
  // f32, which 3 does not divide: blocks of 334, 333 and 333. Arrays per
  // rank: the input (4000 B) and the largest block (1336 B), 5336 B in
  // all. 3-rank lines: cold 10 us + 0.5 ns/B, warm 2 us + 0.1 ns/B; 8 KiB
  // of cache per rank, no loop curve (warm while the arrays fit).
  Program program(R"mlir(
    coco.grid @g(shape = [2, 3])
    func.func @rs(%x: !coco.dtensor<1000xf32, local on @g[1]>) {
      %s = coco.reduce_scatter sum %x dim 0 : !coco.dtensor<1000xf32, local on @g[1]>
      return
    })mlir");
  ASSERT_TRUE(program.module);
  Model m = modelOf(R"json({"copy_bandwidth_GBps": 2.0, "matmul_GFLOPs": 4.0,
    "cache_bytes_per_rank": 8192,
    "collectives": {"reduce_scatter": [{"ranks": 3, "latency_us": 10, "ns_per_byte": 0.5}]},
    "warm_collectives": {"reduce_scatter": [{"ranks": 3, "latency_us": 2, "ns_per_byte": 0.1}]}
  })json");
  double cold = 10e-6 + 4000 * 0.5e-9, warm = 2e-6 + 4000 * 0.1e-9;
  auto priced = [&](double callerBytes) {
    mlir::FailureOr<Estimate> estimate = mlir::coco::cost::estimate(
        program.function(), m, 6, Lowering{}, callerBytes);
    EXPECT_TRUE(mlir::succeeded(estimate));
    return mlir::succeeded(estimate) ? *estimate : Estimate{};
  };
  Estimate alone = priced(0);
  EXPECT_EQ(alone.workingSet, 4000 + 334 * 4);
  EXPECT_EQ(alone.warmth, 1);
  EXPECT_NEAR(alone.collectives, warm, 1e-15);
  // The caller's data fills the rest of the cache: still warm; a byte
  // more, cold.
  EXPECT_NEAR(priced(8192 - 5336).collectives, warm, 1e-15);
  Estimate spilled = priced(8192 - 5336 + 1);
  EXPECT_EQ(spilled.warmth, 0);
  EXPECT_NEAR(spilled.collectives, cold, 1e-15);
}

} // namespace

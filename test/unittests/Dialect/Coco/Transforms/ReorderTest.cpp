//===- ReorderTest.cpp - coco-reorder's fixed point does linear work ------===//
//
// The fixed point of coco-reorder once walked the module from the top after
// every rewrite: work in proportion to the program times its rewrites
// (16,000 ops of an optimizer step took 15 s). A worklist of what each
// rewrite touched makes it proportional to the program. These tests count
// the work (ReorderWork) instead of timing it, so they do not depend on how
// busy the machine is, and fail if the work grows with the square again.
//
//===----------------------------------------------------------------------===//

#include "coco/Dialect/Coco/Transforms/Schedules.h"
#include "coco/InitAll.h"

#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/Parser/Parser.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Pass/PassRegistry.h"

#include <gtest/gtest.h>

#include <string>

using namespace mlir;

namespace {

/// One parameter's LAMB update (WORKLOADS.md): its gradient's all_reduce,
/// Adam's moments, the update u, the trust ratio from the norms of w and u.
/// `@` stands for the parameter's index.
constexpr const char *kParameterStep = R"mlir(
  %gs_@ = coco.all_reduce sum %g_@ : !Loc
  %m1_@ = coco.mul %m_@, %b1 : !Rep, f32
  %m2_@ = coco.mul %gs_@, %omb1 : !Rep, f32
  %mn_@ = coco.add %m1_@, %m2_@ : !Rep, !Rep
  %v1_@ = coco.mul %v_@, %b2 : !Rep, f32
  %gg_@ = coco.mul %gs_@, %gs_@ : !Rep, !Rep
  %v2_@ = coco.mul %gg_@, %omb2 : !Rep, f32
  %vn_@ = coco.add %v1_@, %v2_@ : !Rep, !Rep
  %rt_@ = coco.sqrt %vn_@ : !Rep
  %dn_@ = coco.add %rt_@, %eps : !Rep, f32
  %ad_@ = coco.div %mn_@, %dn_@ : !Rep, !Rep
  %dc_@ = coco.mul %w_@, %wd : !Rep, f32
  %u_@ = coco.add %ad_@, %dc_@ : !Rep, !Rep
  %wnt_@ = coco.norm %w_@ : !Rep
  %unt_@ = coco.norm %u_@ : !Rep
  %wnr_@ = coco.extract %wnt_@ : !Norm -> f32
  %unr_@ = coco.extract %unt_@ : !Norm -> f32
  %ra_@ = arith.divf %wnr_@, %unr_@ : f32
  %sc_@ = arith.mulf %lr, %ra_@ : f32
  %de_@ = coco.mul %u_@, %sc_@ : !Rep, f32
  %wn_@ = coco.sub %w_@, %de_@ : !Rep, !Rep
  coco.update %w_@, %wn_@ : !Rep
  coco.update %m_@, %mn_@ : !Rep
  coco.update %v_@, %vn_@ : !Rep
)mlir";

std::string replaceAll(std::string text, char from, const std::string &to) {
  std::string out;
  for (char c : text)
    out += c == from ? to : std::string(1, c);
  return out;
}

/// The grid and types every generated step uses, up to its function's
/// name (the parameters follow).
constexpr const char *kStepPrologue =
    "coco.grid @dp(shape = [?])\n"
    "!Rep = !coco.dtensor<64xf32, replicated on @dp>\n"
    "!Loc = !coco.dtensor<64xf32, local on @dp>\n"
    "!Norm = !coco.dtensor<f32, replicated on @dp>\n"
    "func.func @step(%lr: f32";

/// A LAMB step over `parameters` parameters of 64 floats each.
std::string lambStep(int parameters) {
  std::string text = std::string(kStepPrologue) +
                     ", %b1: f32, %b2: f32, %omb1: f32, %omb2: f32, "
                     "%eps: f32, %wd: f32";
  for (int i = 0; i < parameters; ++i)
    text += replaceAll(", %w_@: !Rep, %g_@: !Loc, %m_@: !Rep, %v_@: !Rep", '@',
                       std::to_string(i));
  text += ") {";
  for (int i = 0; i < parameters; ++i)
    text += replaceAll(kParameterStep, '@', std::to_string(i));
  return text + "  return\n}\n";
}

/// A step whose update waits on one condition over every parameter (a
/// sum of per-parameter norms being finite, as dynamic loss scaling's):
/// each norm is computed from the slice of w its moment update reads, and
/// only after the last of them is the condition the same on the ranks, so
/// that the updates in its branch move onto slices.
std::string sharedConditionStep(int parameters, bool branchPerParameter) {
  std::string text = kStepPrologue;
  for (int i = 0; i < parameters; ++i)
    text += replaceAll(", %w_@: !Rep, %g_@: !Loc, %m_@: !Rep", '@',
                       std::to_string(i));
  std::string results;
  for (int i = 0; i < parameters; ++i)
    results += std::string(i ? ", " : "") + "!Rep";
  text += ") -> (" + results +
          ") {\n  %inf = arith.constant 0x7F800000 : f32\n"
          "  %t0 = arith.constant 0.0 : f32\n";
  std::string updated, kept, yielded;
  for (int i = 0; i < parameters; ++i) {
    std::string n = std::to_string(i), next = std::to_string(i + 1);
    text += replaceAll(R"mlir(
  %gs_@ = coco.all_reduce sum %g_@ : !Loc
  %u_@ = coco.mul %gs_@, %lr : !Rep, f32
  %d_@ = coco.mul %w_@, %u_@ : !Rep, !Rep
  %mn_@ = coco.add %m_@, %d_@ : !Rep, !Rep
  coco.update %m_@, %mn_@ : !Rep
  %n_@ = coco.norm %w_@ : !Rep
  %e_@ = coco.extract %n_@ : !Norm -> f32
)mlir",
                       '@', n);
    // The accumulator second in the per-parameter form: a search for a
    // norm not yet from slices walks down the whole sum first.
    text +=
        "  %t" + next + " = arith.addf " +
        (branchPerParameter ? "%e_" + n + ", %t" + n : "%t" + n + ", %e_" + n) +
        " : f32\n";
    std::string comma = i ? ", " : "";
    updated += "    %wn_" + n + " = coco.sub %w_" + n + ", %u_" + n +
               " : !Rep, !Rep\n";
    kept += comma + "%w_" + n;
    yielded += comma + "%wn_" + n;
  }
  std::string total = "%t" + std::to_string(parameters);
  text += "  %ok = arith.cmpf olt, " + total + ", %inf : f32\n";
  if (branchPerParameter) {
    // Global-norm clipping's form: a branch per parameter on the one
    // condition.
    std::string returned;
    for (int i = 0; i < parameters; ++i) {
      std::string n = std::to_string(i);
      text += "  %r_" + n + " = scf.if %ok -> (!Rep) {\n    %wn_" + n +
              " = coco.sub %w_" + n + ", %u_" + n +
              " : !Rep, !Rep\n    scf.yield %wn_" + n +
              " : !Rep\n  } else {\n    scf.yield %w_" + n + " : !Rep\n  }\n";
      returned += std::string(i ? ", " : "") + "%r_" + n;
    }
    return text + "  return " + returned + " : " + results + "\n}\n";
  }
  text += "  %r:" + std::to_string(parameters) + " = scf.if %ok -> (" +
          results + ") {\n" + updated + "    scf.yield " + yielded + " : " +
          results + "\n  } else {\n    scf.yield " + kept + " : " + results +
          "\n  }\n";
  // The new weights are returned (a parameter a branch may yield whole is
  // not updated in place).
  std::string returned;
  for (int i = 0; i < parameters; ++i)
    returned += std::string(i ? ", " : "") + "%r#" + std::to_string(i);
  return text + "  return " + returned + " : " + results + "\n}\n";
}

/// Every coco.sub in `ir` (one per parameter: the update in the branch)
/// runs on slices: it moved into the branch, before its all_gather.
void expectEverySubOnSlices(llvm::StringRef ir, size_t parameters) {
  SmallVector<llvm::StringRef> lines;
  ir.split(lines, '\n');
  size_t subs = 0;
  for (llvm::StringRef line : lines)
    if (line.contains("coco.sub")) {
      ++subs;
      EXPECT_TRUE(line.contains("sliced<0>")) << line.str();
    }
  EXPECT_EQ(subs, parameters);
}

class ReorderWorkTest : public ::testing::Test {
protected:
  ReorderWorkTest() {
    DialectRegistry registry;
    coco::registerCocoAndUpstreamDialects(registry);
    context.appendDialectRegistry(registry);
    context.loadAllAvailableDialects();
    coco::registerAllCocoPasses();
  }

  /// The work of reordering `source` after coco-split (a reduce_scatter
  /// and an all_gather per gradient); `reordered` receives the IR.
  coco::ReorderWork reorderWork(const std::string &source,
                                std::string *reordered) {
    OwningOpRef<ModuleOp> module =
        parseSourceString<ModuleOp>(source, &context);
    EXPECT_TRUE(module) << "the generated step does not parse";
    if (!module)
      return {};
    PassManager split(&context);
    EXPECT_TRUE(succeeded(parsePassPipeline("coco-split", split)));
    EXPECT_TRUE(succeeded(split.run(*module)));
    IRRewriter rewriter(&context);
    coco::ReorderWork work;
    EXPECT_TRUE(succeeded(coco::reorderToFixedPoint(
        rewriter, *module, /*axes=*/{}, /*normsFromSlices=*/true, &work)));
    llvm::raw_string_ostream os(*reordered);
    module->print(os);
    return work;
  }

  MLIRContext context;
};

TEST_F(ReorderWorkTest, WorkGrowsWithTheProgram) {
  std::string few, many;
  coco::ReorderWork small = reorderWork(lambStep(25), &few);
  coco::ReorderWork large = reorderWork(lambStep(100), &many);
  // Each parameter's step is reordered alone and the same way: four times
  // the parameters, four times the rewrites. (A pass that did less work by
  // missing rewrites fails here.) 16 per parameter: the pointwise ops
  // that move onto slices, the slices hoisted to the state, the norm of w.
  ASSERT_GT(small.rewrites, 25u * 10);
  EXPECT_EQ(large.rewrites, 4 * small.rewrites);
  // Four times the looks, and a little more for the ops the parameters
  // share; a walk from the top after each rewrite made it 16 times.
  EXPECT_LE(large.looks, 4.4 * small.looks)
      << small.looks << " looks for 25 parameters, " << large.looks
      << " for 100";
  // And a bounded number per rewrite (the worklist looks again at what a
  // rewrite touched and its neighbours, not at everything).
  EXPECT_LE(large.looks, 20 * large.rewrites);
  // Every norm is computed from slices (||w|| from w's, ||u|| from u's):
  // a fixed point that stopped early would leave some whole.
  EXPECT_EQ(llvm::StringRef(few).count("coco.norm"), 0u);
  EXPECT_EQ(llvm::StringRef(many).count("coco.norm"), 0u);
  // The IR, too, is four times one parameter's: as many collectives of
  // each kind per parameter in both.
  for (const char *collective :
       {"coco.reduce_scatter", "coco.all_gather", "coco.all_reduce"}) {
    size_t inFew = llvm::StringRef(few).count(collective);
    EXPECT_GT(inFew, 0u) << collective;
    EXPECT_EQ(llvm::StringRef(many).count(collective), 4 * inFew) << collective;
  }
}

TEST_F(ReorderWorkTest, SharedConditionStaysLinear) {
  std::string few, many;
  coco::ReorderWork small = reorderWork(sharedConditionStep(25, false), &few);
  coco::ReorderWork large = reorderWork(sharedConditionStep(100, false), &many);
  ASSERT_GT(small.rewrites, 0u);
  EXPECT_EQ(large.rewrites, 4 * small.rewrites);
  // Every norm's rewrite reaches the branch; its region is looked at again
  // once, after the last norm (walking it after each norm grew with the
  // square of the parameters).
  EXPECT_LE(large.looks, 4.4 * small.looks)
      << small.looks << " looks for 25 parameters, " << large.looks
      << " for 100";
  // The updates moved into the branch's slices: no sub reads a whole
  // tensor.
  EXPECT_EQ(llvm::StringRef(many).count("coco.norm"), 0u);
  expectEverySubOnSlices(many, 100);
}

TEST_F(ReorderWorkTest, BranchPerParameterAsksOncePerNorm) {
  std::string few, many;
  coco::ReorderWork small = reorderWork(sharedConditionStep(25, true), &few);
  coco::ReorderWork large = reorderWork(sharedConditionStep(100, true), &many);
  EXPECT_EQ(large.rewrites, 4 * small.rewrites);
  EXPECT_LE(large.looks, 4.4 * small.looks);
  // Each norm's rewrite reaches all 100 branches; their one condition is
  // asked about once per norm (asking per branch was cubic: 800 tensors
  // took 126 s).
  EXPECT_LE(large.sameQuestions, 2u * 100) << large.sameQuestions;
  expectEverySubOnSlices(many, 100);
}

} // namespace

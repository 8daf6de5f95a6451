//===- WhenApplicable.cpp - run an upstream lowering where it applies -----===//
//
// lower-affine, arith-expand, expand-realloc and expand-strided-metadata
// lower only the ops their patterns are rooted at; on a program without
// such an op they lower nothing (their drivers may still fold or erase
// dead ops on the way, which changes no program's meaning), yet the pass
// manager verifies the module after each: they never say that nothing
// changed. This pass runs one of them as a nested pipeline only when some
// op of the module is the root of one of its patterns, and otherwise
// touches nothing and keeps every analysis. The patterns come from the
// populate functions the upstream pass calls; the table below lists those
// calls by hand (as upstream's runOnOperation makes them in LLVM 22), so a
// new LLVM must be checked against it (test/Transforms/
// coco-when-applicable.mlir runs each pass on ops of several of its pattern
// families: affine.apply, affine.delinearize_index, bf16 extf, maxnumf,
// subview, realloc).
//
//===----------------------------------------------------------------------===//

#include "coco/Transforms/Passes.h"

#include "mlir/Conversion/AffineToStandard/AffineToStandard.h"
#include "mlir/Conversion/Passes.h"
#include "mlir/Dialect/Affine/Transforms/Transforms.h"
#include "mlir/Dialect/Arith/Transforms/Passes.h"
#include "mlir/Dialect/MemRef/Transforms/Passes.h"
#include "mlir/Dialect/MemRef/Transforms/Transforms.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Rewrite/FrozenRewritePatternSet.h"

#include "llvm/ADT/DenseSet.h"
#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/StringExtras.h"

namespace mlir::coco {
#define GEN_PASS_DEF_COCOWHENAPPLICABLEPASS
#include "coco/Transforms/Passes.h.inc"
} // namespace mlir::coco

using namespace mlir;

namespace {
/// An upstream pass and the patterns it applies (a superset is safe: the
/// pass then runs more often than needed, never less).
struct KnownPass {
  StringRef argument;
  std::unique_ptr<Pass> (*create)();
  void (*populate)(RewritePatternSet &);
};

const KnownPass kKnownPasses[] = {
    {"lower-affine", [] { return createLowerAffinePass(); },
     [](RewritePatternSet &patterns) {
       affine::populateAffineExpandIndexOpsPatterns(patterns);
       populateAffineToStdConversionPatterns(patterns);
       populateAffineToVectorConversionPatterns(patterns);
     }},
    {"arith-expand", [] { return arith::createArithExpandOpsPass(); },
     [](RewritePatternSet &patterns) {
       // Every include-* option's patterns too.
       arith::populateArithExpandOpsPatterns(patterns);
       arith::populateExpandBFloat16Patterns(patterns);
       arith::populateExpandF8E8M0Patterns(patterns);
       arith::populateExpandF4E2M1Patterns(patterns);
       arith::populateExpandScalingExtTruncPatterns(patterns);
     }},
    {"expand-realloc", [] { return memref::createExpandReallocPass(); },
     [](RewritePatternSet &patterns) {
       memref::populateExpandReallocPatterns(patterns, /*emitDeallocs=*/true);
     }},
    {"expand-strided-metadata",
     [] { return memref::createExpandStridedMetadataPass(); },
     [](RewritePatternSet &patterns) {
       memref::populateExpandStridedMetadataPatterns(patterns);
     }},
};

std::string knownPassNames() {
  return llvm::join(llvm::map_range(kKnownPasses,
                                    [](const KnownPass &known) {
                                      return known.argument.str();
                                    }),
                    ", ");
}

struct CocoWhenApplicablePass
    : public coco::impl::CocoWhenApplicablePassBase<CocoWhenApplicablePass> {
  using CocoWhenApplicablePassBase::CocoWhenApplicablePassBase;

  /// `pass` ("name" or "name{options}"): which known pass, and a pipeline
  /// of it alone; or an error text. Built from the table rather than the
  /// pass registry, which a tool need not have filled.
  FailureOr<std::pair<const KnownPass *, OpPassManager>>
  parse(std::string &error) const {
    StringRef text = StringRef(pass).trim();
    auto [name, options] = text.split('{');
    name = name.trim();
    const KnownPass *known = llvm::find_if(
        kKnownPasses, [&](const KnownPass &k) { return k.argument == name; });
    if (known == std::end(kKnownPasses)) {
      error = "coco-when-applicable knows the patterns of " + knownPassNames() +
              "; not of '" + name.str() + "'";
      return failure();
    }
    if (text.contains('{') && !options.consume_back("}")) {
      error = "coco-when-applicable: '" + text.str() +
              "' has no closing '}' after its options";
      return failure();
    }
    std::unique_ptr<Pass> created = known->create();
    if (!options.empty() &&
        failed(created->initializeOptions(options, [&](const Twine &message) {
          error = "coco-when-applicable: the options of '" + name.str() +
                  "': " + message.str();
          return failure();
        })))
      return failure();
    OpPassManager nested(ModuleOp::getOperationName());
    nested.addPass(std::move(created));
    return std::make_pair(known, std::move(nested));
  }

  void getDependentDialects(DialectRegistry &registry) const override {
    std::string error;
    auto parsed = parse(error);
    if (succeeded(parsed))
      parsed->second.getDependentDialects(registry);
  }

  LogicalResult initialize(MLIRContext *context) override {
    std::string error;
    auto parsed = parse(error);
    if (failed(parsed))
      return emitError(UnknownLoc::get(context)) << error;
    auto &[known, nested] = *parsed;
    RewritePatternSet owned(context);
    known->populate(owned);
    FrozenRewritePatternSet frozen(std::move(owned));
    roots.clear();
    for (const auto &entry : frozen.getOpSpecificNativePatterns())
      roots.insert(entry.first);
    anyOp = !frozen.getMatchAnyOpNativePatterns().empty() ||
            frozen.getPDLByteCode() != nullptr;
    pipeline = std::move(nested);
    return success();
  }

  void runOnOperation() override {
    bool applies = anyOp || getOperation()
                                ->walk([&](Operation *op) {
                                  return roots.contains(op->getName())
                                             ? WalkResult::interrupt()
                                             : WalkResult::advance();
                                })
                                .wasInterrupted();
    if (!applies)
      return markAllAnalysesPreserved();
    if (failed(runPipeline(*pipeline, getOperation())))
      return signalPassFailure();
    // The nested pipeline verified the module after the pass and cleared
    // the module's analyses on its way out: nothing is left to invalidate,
    // and a second verification would only repeat the first.
    markAllAnalysesPreserved();
  }

  llvm::DenseSet<OperationName> roots;
  bool anyOp = false;
  std::optional<OpPassManager> pipeline;
};
} // namespace

std::unique_ptr<Pass> mlir::coco::createWhenApplicable(StringRef pass) {
  CocoWhenApplicablePassOptions options;
  options.pass = pass.str();
  return createCocoWhenApplicablePass(options);
}
